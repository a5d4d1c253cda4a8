"""``manage.py import_contacts FILE [--dry-run] [--queue] [--json]``: import contacts from
a CSV file or an Excel workbook (docs/contacts.md, Import; docs/operations.md).

The file is read as a stream and imported through staging tables: memory does not
grow with the file's size (``contacts.importing.staging``)."""

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
            stream = path.open("rb")
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": error.strerror}
            ) from None
        with stream:
            workbook = stream.read(4) == importing.XLSX_MAGIC
            stream.seek(0)
            if queue:
                # The job carries the file (any worker host can run it): a CSV file.
                data = self.workbook_as_csv(stream.read()) if workbook else stream.read()
                return self.queue(data, file, path)
            if workbook:
                columns, rows = self.workbook_rows(stream)
            else:
                columns, rows = importing.stream_contacts_csv(stream)
            return self.import_rows(columns, rows, file, dry_run, batch_size)

    def import_rows(self, columns, rows, file, dry_run, batch_size) -> Report:
        """Check (``--dry-run``) or import the rows as they are read."""
        try:
            if dry_run:
                self.say(_("Checking %(file)s…") % {"file": file})
                check = importing.check_rows(columns, rows)
                if check.errors:
                    raise importing.ContactImportError(
                        check.errors, total=check.error_total, rows=check.error_rows
                    )
                return self.report(self.check_counts(check), file, dry_run=True)
            result = importing.import_rows(
                columns, rows, user=None, progress=self.progress, batch_size=batch_size
            )
        except importing.ContactImportError as error:
            self.fail(error, file)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        counts = {
            "contacts": result.total,
            "companies": result.companies,
            "persons": result.persons,
            "code_assignments": result.code_assignments,
        }
        return self.report(counts, file, dry_run=False)

    def queue(self, data: bytes, file, path) -> Report:
        self.say(_("Checking %(file)s…") % {"file": file})
        try:
            check = importing.check_contacts_csv(data=data)
            if check.errors:
                raise importing.ContactImportError(
                    check.errors, total=check.error_total, rows=check.error_rows
                )
            with transaction.atomic():
                job = importing.queue_import(data=data, rows=check.total, name=path.name)
        except importing.ContactImportError as error:
            self.fail(error, file)
        counts = self.check_counts(check)
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

    @staticmethod
    def check_counts(check) -> dict:
        return {
            "contacts": check.total,
            "companies": check.companies,
            "persons": check.persons,
            "code_assignments": check.code_assignments,
        }

    def fail(self, error, file):
        """List the errors (the first ones of a large file) and fail."""
        for row_error in error.row_errors:
            self.stderr.write(str(row_error))
        if error.more > 0:
            self.stderr.write(importing.more_errors_text(error.more))
        rows = error.error_rows
        raise CommandError(
            ngettext(
                "%(count)d row of %(file)s has errors; nothing was imported.",
                "%(count)d rows of %(file)s have errors; nothing was imported.",
                rows,
            )
            % {"count": rows, "file": file}
        ) from None

    def workbook_rows(self, stream):
        """The rows of an Excel workbook under their import columns, as they are read;
        every column must be recognised from its header."""
        try:
            header, rows = importing.stream_workbook(stream)
            mapping = self.recognised(header)
            columns = [column for column in mapping if column != importing.IGNORE]
            return columns, importing.mapped_rows(header, rows, mapping)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None

    def recognised(self, header: list[str]) -> list[str]:
        mapping = importing.auto_mapping(header)
        unknown = [
            title
            for title, column in zip(header, mapping, strict=True)
            if column == importing.IGNORE
        ]
        if unknown:
            raise CommandError(
                _("Unknown column(s) in the header: %(unknown)s. The columns are: %(columns)s.")
                % {"unknown": ", ".join(unknown), "columns": ", ".join(importing.COLUMNS)}
            )
        return mapping

    def workbook_as_csv(self, data: bytes) -> bytes:
        """An Excel workbook as a CSV file of the import format (what a job carries)."""
        try:
            table = importing.read_table(data)
            mapping = self.recognised(table.header)
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
