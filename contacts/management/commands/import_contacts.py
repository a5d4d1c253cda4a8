"""``manage.py import_contacts FILE [--dry-run] [--queue]``: import contacts from a CSV file."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contacts import importing


class Command(BaseCommand):
    help = (
        "Import contacts from a CSV file (the columns of export_contacts). Every row is "
        "checked first; when any row is wrong, the errors are listed and nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file, UTF-8, with a header row.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file only; import nothing."
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

    def handle(self, *args, file, dry_run, batch_size, verbosity, queue=False, **options):
        if batch_size < 1:
            raise CommandError(_("--batch-size must be at least 1."))
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": error.strerror}
            ) from None
        try:
            if queue and not dry_run:
                check = importing.check_contacts_csv(data=data)
                if check.errors:
                    raise importing.ContactImportError(check.errors)
                with transaction.atomic():
                    job = importing.queue_import(data=data, rows=check.total, name=path.name)
                if verbosity:
                    self.stdout.write(
                        _(
                            "Queued the import of %(count)d contacts as job %(job)s; "
                            "a worker (manage.py db_worker) imports them."
                        )
                        % {"count": check.total, "job": job.pk}
                    )
                return
            if dry_run:
                check = importing.check_contacts_csv(data=data)
                if check.errors:
                    raise importing.ContactImportError(check.errors)
                if verbosity:
                    self.stdout.write(
                        ngettext(
                            "%(file)s is valid: %(count)d contact (companies: %(companies)d, "
                            "persons: %(persons)d) would be imported. Nothing was imported "
                            "(--dry-run).",
                            "%(file)s is valid: %(count)d contacts (companies: %(companies)d, "
                            "persons: %(persons)d) would be imported. Nothing was imported "
                            "(--dry-run).",
                            check.total,
                        )
                        % {
                            "file": file,
                            "count": check.total,
                            "companies": check.companies,
                            "persons": check.persons,
                        }
                    )
                return
            result = importing.import_contacts(
                data=data,
                progress=self.progress if verbosity >= 2 else None,
                batch_size=batch_size,
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
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    ngettext(
                        "Imported %(count)d contact (companies: %(companies)d, persons: "
                        "%(persons)d, classification codes: %(codes)d).",
                        "Imported %(count)d contacts (companies: %(companies)d, persons: "
                        "%(persons)d, classification codes: %(codes)d).",
                        result.contacts,
                    )
                    % {
                        "count": result.contacts,
                        "companies": result.companies,
                        "persons": result.persons,
                        "codes": result.code_assignments,
                    }
                )
            )

    def progress(self, done: int, total: int) -> None:
        self.stdout.write(
            _("Written %(done)d of %(total)d contacts") % {"done": done, "total": total}
        )
