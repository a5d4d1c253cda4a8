"""``manage.py prune``: remove old finished jobs, audit entries and e-mail delivery
events by age (docs/operations.md, Retention)."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import retention
from core.management.base import OperatorCommand, Report


class Command(OperatorCommand):
    help = (
        "Delete records older than their retention: finished jobs and their task rows "
        "(90 days), e-mail delivery events (365 days), audit log entries (730 days). "
        "Queued and running jobs are never deleted."
    )
    # Counting is the preview: deleting millions of rows to roll them back is not.
    dry_run_rolls_back = False

    def add_command_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            metavar="DAYS",
            dest="older_than",
            help="one age for every kind instead of each kind's default",
        )
        parser.add_argument(
            "--only",
            metavar="KIND",
            action="append",
            choices=sorted(retention.KINDS),
            help="prune only this kind (repeatable): " + ", ".join(sorted(retention.KINDS)),
        )

    def run(self, *, older_than, only, dry_run, **options):
        if older_than is not None and older_than < 1:
            raise CommandError(_("--older-than must be at least 1 day."))
        kinds = [retention.KINDS[name] for name in (only or sorted(retention.KINDS))]
        report = Report(summary={"deleted": {}, "older_than_days": {}})
        for kind in kinds:
            days = older_than or kind.default_days
            report.summary["older_than_days"][kind.name] = days
            if dry_run:
                count = kind.count(days)
                text = ngettext(
                    "%(n)d row of %(kind)s older than %(days)d days would be deleted.",
                    "%(n)d rows of %(kind)s older than %(days)d days would be deleted.",
                    count,
                )
            else:
                self.say(str(kind.label))
                count = kind.delete(days, progress=self.progress)
                text = ngettext(
                    "%(n)d row of %(kind)s older than %(days)d days deleted.",
                    "%(n)d rows of %(kind)s older than %(days)d days deleted.",
                    count,
                )
            report.summary["deleted"][kind.name] = count
            report.lines.append(text % {"n": count, "kind": kind.label, "days": days})
        return report
