"""``manage.py import_contacts FILE [--dry-run] [--queue] [--json]``: import contacts from
a CSV file or an Excel workbook (docs/contacts.md, Import; docs/operations.md)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contacts import importing
from core.management.base import OperatorCommand, Report


class Command(OperatorCommand):
    help = (
        "Import contacts from a CSV file (the columns of export_contacts) or an Excel "
        "workbook (its columns recognised from the header). Every row is checked first; "
        "when any row is wrong, the errors are listed and nothing is imported."
    )
    # The check is the preview: it counts what the import would write, without
    # writing a million rows to roll them back.
    dry_run_rolls_back = False

    def add_command_arguments(self, parser):
        parser.add_argument(
            "file", help="CSV file (UTF-8) or Excel workbook (.xlsx), with a header row."
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help=(
                "Check the file, then queue the import as a background job (run by "
                "manage.py db_worker) instead of importing it now."
            ),
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=importing.BATCH_SIZE,
            help="Contacts written per INSERT batch (default %(default)s).",
        )

    def run(self, *, file, dry_run, batch_size, queue=False, **options):
        if batch_size < 1:
            raise CommandError(_("--batch-size must be at least 1."))
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": error.strerror}
            ) from None
        if data[:4] == importing.XLSX_MAGIC:
            data = self.workbook_as_csv(data)
        try:
            if dry_run or queue:
                self.say(_("Checking %(file)s…") % {"file": file})
                check = importing.check_contacts_csv(data=data)
                if check.errors:
                    raise importing.ContactImportError(check.errors)
                counts = {
                    "contacts": check.total,
                    "companies": check.companies,
                    "persons": check.persons,
                    "code_assignments": check.code_assignments,
                }
                if dry_run:
                    return self.report(counts, file, dry_run=True)
                with transaction.atomic():
                    job = importing.queue_import(data=data, rows=check.total, name=path.name)
                return Report(
                    summary={**counts, "job": job.pk},
                    lines=[
                        _(
                            "Queued the import of %(count)d contacts as job %(job)s; "
                            "a worker (manage.py db_worker) imports them."
                        )
                        % {"count": check.total, "job": job.pk}
                    ],
                )
            result = importing.import_contacts(
                data=data, progress=self.progress, batch_size=batch_size
            )
        except importing.ContactImportError as error:
            for row_error in error.row_errors:
                self.stderr.write(str(row_error))
            rows = len({row_error.row for row_error in error.row_errors})
            raise CommandError(
                ngettext(
                    "%(count)d row of %(file)s has errors; nothing was imported.",
                    "%(count)d rows of %(file)s have errors; nothing was imported.",
                    rows,
                )
                % {"count": rows, "file": file}
            ) from None
        counts = {
            "contacts": result.contacts,
            "companies": result.companies,
            "persons": result.persons,
            "code_assignments": result.code_assignments,
        }
        return self.report(counts, file, dry_run=False)

    def workbook_as_csv(self, data: bytes) -> bytes:
        """An Excel workbook as a CSV file of the import format; every column must be
        recognised from its header."""
        try:
            table = importing.read_table(data)
            mapping = importing.auto_mapping(table.header)
            unknown = [
                title
                for title, column in zip(table.header, mapping, strict=True)
                if column == importing.IGNORE
            ]
            if unknown:
                raise CommandError(
                    _("Unknown column(s) in the header: %(unknown)s. The columns are: %(columns)s.")
                    % {"unknown": ", ".join(unknown), "columns": ", ".join(importing.COLUMNS)}
                )
            return importing.import_csv(importing.contact_file(table, mapping))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None

    def report(self, counts: dict, file: str, *, dry_run: bool) -> Report:
        if dry_run:
            text = ngettext(
                "%(file)s is valid: %(count)d contact (companies: %(companies)d, persons: "
                "%(persons)d, classification codes: %(codes)d) would be imported.",
                "%(file)s is valid: %(count)d contacts (companies: %(companies)d, persons: "
                "%(persons)d, classification codes: %(codes)d) would be imported.",
                counts["contacts"],
            )
        else:
            text = ngettext(
                "Imported %(count)d contact (companies: %(companies)d, persons: "
                "%(persons)d, classification codes: %(codes)d).",
                "Imported %(count)d contacts (companies: %(companies)d, persons: "
                "%(persons)d, classification codes: %(codes)d).",
                counts["contacts"],
            )
        values = {
            "file": file,
            "count": counts["contacts"],
            "companies": counts["companies"],
            "persons": counts["persons"],
            "codes": counts["code_assignments"],
        }
        return Report(summary=counts, lines=[text % values])
