"""``manage.py backup_database [--output PATH] [--json]``: the whole database into one
file, with the row count of every table for comparing later (docs/backups.md)."""

from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import backups
from core.management.base import Report, ReportCommand


class Command(ReportCommand):
    help = (
        "Back up the whole database into one file: pg_dump --format=custom on "
        "PostgreSQL, SQLite's online backup on SQLite. Safe while the application runs. "
        "Prints the file, its size and the row count of every table."
    )

    def add_command_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            metavar="PATH",
            help=(
                "the backup file, or a folder for it (default: BACKUP_DIR, file "
                "marketing-<vendor>-<UTC time>.dump or .sqlite3)"
            ),
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="the database to back up (a DATABASES alias; default: default)",
        )

    def run(self, *, output, database, **options) -> Report:
        try:
            connection = backups.connection_for(database)
            made = backups.backup(connection, output)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(made.tables.values())
        sentence = _(
            "Backup of %(database)s written to %(file)s (%(size)s): %(tables)s, %(rows)s."
        ) % {
            "database": backups.describe(connection),
            "file": made.path,
            "size": filesizeformat(made.size),
            "tables": ngettext("%(n)d table", "%(n)d tables", len(made.tables))
            % {"n": len(made.tables)},
            "rows": ngettext("%(n)d row", "%(n)d rows", rows) % {"n": rows},
        }
        width = max((len(table) for table in made.tables), default=0)
        return Report(
            summary={
                "file": str(made.path),
                "size": made.size,
                "vendor": connection.vendor,
                "database": str(connection.settings_dict["NAME"]),
                "tables": made.tables,
                "rows": rows,
            },
            lines=[
                sentence,
                *(f"  {table:<{width}}  {count:>12,}" for table, count in made.tables.items()),
            ],
        )
