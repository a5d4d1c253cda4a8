"""``manage.py backup_database [--output PATH] [--json]``: the whole database into one
file, with the row count of every table for comparing later (docs/backups.md)."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import backups


class Command(BaseCommand):
    help = (
        "Back up the whole database into one file: pg_dump --format=custom on "
        "PostgreSQL, SQLite's online backup on SQLite. Safe while the application runs. "
        "Prints the file, its size and the row count of every table."
    )

    def add_arguments(self, parser):
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
        parser.add_argument(
            "--json",
            action="store_true",
            dest="json",
            help="Print one JSON object with the file, its size and the counts.",
        )

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except CommandError as error:
            if options.get("json"):
                self._write_json({"ok": False, "error": str(error)})
            raise

    def handle(self, *args, output, database, verbosity, **options):
        try:
            connection = backups.connection_for(database)
            made = backups.backup(connection, output)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(made.tables.values())
        if options["json"]:
            self._write_json(
                {
                    "ok": True,
                    "file": str(made.path),
                    "size": made.size,
                    "vendor": connection.vendor,
                    "database": str(connection.settings_dict["NAME"]),
                    "tables": made.tables,
                    "rows": rows,
                }
            )
            return
        if not verbosity:
            return
        self.stdout.write(
            _("Backup of %(database)s written to %(file)s (%(size)s): %(tables)s, %(rows)s.")
            % {
                "database": backups.describe(connection),
                "file": made.path,
                "size": filesizeformat(made.size),
                "tables": ngettext("%(n)d table", "%(n)d tables", len(made.tables))
                % {"n": len(made.tables)},
                "rows": ngettext("%(n)d row", "%(n)d rows", rows) % {"n": rows},
            }
        )
        width = max((len(table) for table in made.tables), default=0)
        for table, count in made.tables.items():
            self.stdout.write(f"  {table:<{width}}  {count:>12,}")

    def _write_json(self, data: dict) -> None:
        data = {"command": "backup_database", **data}
        self.stdout.write(json.dumps(data, ensure_ascii=False))
