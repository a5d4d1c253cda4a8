"""``manage.py axes_reset [--ip ADDRESS] [--username NAME]``: lift login locks
(docs/security.md), with the dry run and JSON summary of every data-changing command.

It replaces django-axes' command of the same name (``core`` comes before ``axes`` in
``INSTALLED_APPS``) and calls the same function of the library."""

from axes.utils import reset
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.management.base import OperatorCommand, Report


class Command(OperatorCommand):
    help = "Lift login locks: remove the failed login attempts (all, or of one address or name)."

    def add_command_arguments(self, parser):
        parser.add_argument("--ip", metavar="ADDRESS", help="only the attempts from this address")
        parser.add_argument("--username", metavar="NAME", help="only the attempts for this name")

    def run(self, *, ip, username, dry_run, **options):
        removed = reset(ip=ip or None, username=username or None)
        text = (
            ngettext(
                "%(n)d failed login attempt would be removed.",
                "%(n)d failed login attempts would be removed.",
                removed,
            )
            if dry_run
            else ngettext(
                "%(n)d failed login attempt removed; its lock is lifted.",
                "%(n)d failed login attempts removed; their locks are lifted.",
                removed,
            )
        )
        if not removed:
            text = _("No failed login attempts found.")
        return Report(summary={"attempts_removed": removed}, lines=[text % {"n": removed}])
