"""``manage.py export_contacts [--output FILE]``: all contacts as CSV in the import format."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contacts import importing


class Command(BaseCommand):
    help = (
        "Write all contacts as CSV in the columns import_contacts reads, so that an "
        "exported file imports again unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", "-o", default="-", help="File to write; - (the default) is stdout."
        )

    def handle(self, *args, output, verbosity, **options):
        to_stdout = output == "-"
        # Messages go to stderr when the CSV itself goes to stdout.
        self.messages = self.stderr if to_stdout else self.stdout
        progress = self.progress if verbosity >= 2 else None
        if to_stdout:
            count = importing.export_contacts_csv(self.stdout, progress=progress)
        else:
            try:
                with open(output, "w", encoding="utf-8", newline="") as stream:
                    count = importing.export_contacts_csv(stream, progress=progress)
            except OSError as error:
                raise CommandError(
                    _("Cannot write %(file)s: %(error)s")
                    % {"file": output, "error": error.strerror}
                ) from None
        if verbosity:
            self.messages.write(
                ngettext(
                    "Exported %(count)d contact to %(file)s.",
                    "Exported %(count)d contacts to %(file)s.",
                    count,
                )
                % {"count": count, "file": _("standard output") if to_stdout else output}
            )

    def progress(self, done: int) -> None:
        self.messages.write(_("Exported %(done)d contacts") % {"done": done})
