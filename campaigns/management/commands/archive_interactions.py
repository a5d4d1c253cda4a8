"""manage.py archive_interactions: write the interaction log entries dated before a day
to a CSV file and delete them, in batches (docs/archiving.md, docs/operations.md)."""

import os

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaigns import archiving
from core.management.base import OperatorCommand, Report
from core.management.lookups import parse_date
from core.presentation import count_text


class Command(OperatorCommand):
    help = (
        "Archive the interaction log entries dated before DATE: write them (with their "
        "e-mail's ledger row) to a gzip CSV file and delete them, a batch per transaction. "
        "Postponed interactions, those of an activated campaign or of one that has not "
        "ended before DATE, and those whose e-mail is not done are kept."
    )
    # The preview counts: deleting millions of rows to roll them back is not a preview.
    dry_run_rolls_back = False

    def add_command_arguments(self, parser):
        parser.add_argument(
            "--before",
            metavar="DATE",
            required=True,
            help="archive the interactions dated before DATE (YYYY-MM-DD)",
        )
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument(
            "--to",
            metavar="FILE",
            dest="path",
            help="the new archive file (gzip CSV with a header, e.g. interactions-2023.csv.gz)",
        )
        target.add_argument(
            "--delete-only",
            action="store_true",
            dest="delete_only",
            help="delete without writing a file",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=archiving.BATCH_SIZE,
            metavar="N",
            dest="batch_size",
            help="rows per transaction (default 10000, at most 50000)",
        )

    def run(self, *, before, path, delete_only, batch_size, dry_run, **options):
        before = parse_date("before", before)
        if not 1 <= batch_size <= archiving.MAX_BATCH_SIZE:
            raise CommandError(
                _("--batch-size must be from 1 to %(max)s.")
                % {"max": count_text(archiving.MAX_BATCH_SIZE)}
            )
        if path and not path.endswith(".csv.gz"):
            raise CommandError(_("--to: the archive file's name must end in .csv.gz."))
        if path and os.path.exists(path):
            # Refused by the dry run too: it says what the real run would do.
            raise CommandError(
                _("The file %(path)s exists already; name a new file.") % {"path": path}
            )
        counted = archiving.preview(before)
        summary = {
            "before": before.isoformat(),
            "file": path or None,
            "archived": counted.archivable,
            "kept": counted.kept,
        }
        kept = ngettext(
            "%(n)s older interaction is kept (postponed, of a campaign still running or "
            "activated, or its e-mail not done).",
            "%(n)s older interactions are kept (postponed, of a campaign still running or "
            "activated, or their e-mail not done).",
            counted.kept,
        ) % {"n": count_text(counted.kept)}
        if dry_run:
            text = ngettext(
                "%(n)s interaction dated before %(date)s would be archived.",
                "%(n)s interactions dated before %(date)s would be archived.",
                counted.archivable,
            )
            return Report(
                summary=summary,
                lines=[text % {"n": count_text(counted.archivable), "date": before}, kept],
            )
        self.say(_("Archiving the interactions dated before %(date)s.") % {"date": before})
        done = archiving.archive_interactions(
            before=before, path=path, batch_size=batch_size, progress=self.progress
        )
        summary["archived"] = done.archived
        text = ngettext(
            "%(n)s interaction dated before %(date)s archived.",
            "%(n)s interactions dated before %(date)s archived.",
            done.archived,
        ) % {"n": count_text(done.archived), "date": before}
        lines = [text, kept]
        if path:
            lines.append(_("Archive file: %(path)s") % {"path": path})
        return Report(summary=summary, lines=lines)
