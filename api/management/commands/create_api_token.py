"""manage.py create_api_token USER NAME [--days N | --no-expiry] [--dry-run] [--json]:
make an API token for a user and print its key once (docs/api.md, Authentication), as
the page *API tokens* does; for a script that needs one, e.g. the API fuzzing in CI
(.ci/api-fuzz)."""

import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from api.services import create_api_token
from core.management.base import OperatorCommand, Report


class Command(OperatorCommand):
    help = "Make an API token for a user and print its key (shown only this once)."

    def add_command_arguments(self, parser):
        parser.add_argument("username", help="the user the token acts as, e.g. manager")
        parser.add_argument("name", help="what the token is for, e.g. 'web site contact form'")
        expiry = parser.add_mutually_exclusive_group()
        expiry.add_argument(
            "--days",
            type=int,
            default=90,
            metavar="N",
            help="the token expires after N days (default 90, as on the page)",
        )
        expiry.add_argument("--no-expiry", action="store_true", help="the token never expires")

    def run(self, *, username, name, days, no_expiry, dry_run, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("User %(name)s does not exist.") % {"name": username})
        if not user.is_active:
            raise CommandError(_("User %(name)s is not active.") % {"name": username})
        if not no_expiry and days < 1:
            raise CommandError(_("--days must be at least 1 (or use --no-expiry)."))
        expires = None if no_expiry else timezone.now() + datetime.timedelta(days=days)
        token, key = create_api_token(user=user, name=name, expires=expires)
        summary = {
            "user": user.get_username(),
            "name": token.name,
            "days": None if no_expiry else days,
        }
        when = timezone.localtime(expires).strftime("%Y-%m-%d %H:%M") if expires else _("never")
        values = {"name": token.name, "user": user.get_username(), "expires": when}
        if dry_run:
            line = _("API token %(name)s would be made for %(user)s (expires: %(expires)s).")
            return Report(summary=summary, lines=[line % values])
        return Report(
            summary={**summary, "expires": expires.isoformat() if expires else None, "key": key},
            lines=[
                _("API token %(name)s made for %(user)s (expires: %(expires)s).") % values,
                _("Its key, shown only this once: %(key)s") % {"key": key},
            ],
        )
