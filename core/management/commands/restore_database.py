"""``manage.py restore_database PATH [--dry-run] [--json] [--yes]``: replace the whole
database with a backup made by ``backup_database`` (docs/backups.md, Restoring)."""

from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import backups
from core.management.base import OperatorCommand, Report


def tables_and_rows(tables: dict) -> dict[str, str]:
    rows = sum(count or 0 for count in tables.values())
    return {
        "tables": ngettext("%(n)d table", "%(n)d tables", len(tables)) % {"n": len(tables)},
        "rows": ngettext("%(n)d row", "%(n)d rows", rows) % {"n": rows},
    }


class Command(OperatorCommand):
    help = (
        "Replace the whole database with a backup made by backup_database. Stop the web "
        "server and the job workers first. --dry-run checks the file and says what would "
        "be replaced; the real run needs --yes."
    )
    # Replacing a database to roll it back is not a preview: the dry run checks the file
    # and counts its rows instead.
    dry_run_rolls_back = False

    def add_command_arguments(self, parser):
        parser.add_argument("path", metavar="PATH", help="a file made by backup_database")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="really replace the database (every table in it is replaced by the backup's)",
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="the database to replace (a DATABASES alias; default: default)",
        )

    def run(self, *, path, yes, database, dry_run, **options):
        try:
            return self._run(path, yes=yes, alias=database, dry_run=dry_run)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None

    def _run(self, path, *, yes, alias, dry_run):
        connection = backups.connection_for(alias)
        target = backups.describe(connection)
        self.say(_("Checking %(file)s…") % {"file": path})
        # The real run counts the restored tables instead of reading the dump twice.
        count_rows = dry_run or connection.vendor == "sqlite"
        contents = backups.inspect(connection, path, count_rows=count_rows)
        if not dry_run and not yes:
            raise CommandError(
                _(
                    "Restoring replaces every table of %(database)s with the backup's. "
                    "Stop the web server and the job workers, then run this again with "
                    "--yes (--dry-run shows what would be replaced)."
                )
                % {"database": target}
            )
        if dry_run:
            tables = contents.tables
            busy = backups.other_sessions(connection)
            sentence = _(
                "%(database)s would be replaced by the backup %(file)s: %(tables)s, %(rows)s."
            )
        else:
            self.say(
                _("Restoring %(file)s into %(database)s…") % {"file": path, "database": target}
            )
            tables = backups.restore(connection, path, contents)
            sentence = _("%(database)s was restored from %(file)s: %(tables)s, %(rows)s.")
        report = Report(
            summary={
                "database": str(connection.settings_dict["NAME"]),
                "vendor": connection.vendor,
                "backup": str(path),
                "tables": tables,
                "rows": sum(tables.values()),
            }
        )
        report.lines.append(
            sentence % {"database": target, "file": path, **tables_and_rows(tables)}
        )
        if dry_run and busy:
            report.warnings.append(
                _("The real run will refuse while other sessions are connected: %(sessions)s.")
                % {"sessions": "; ".join(busy)}
            )
        width = max((len(table) for table in tables), default=0)
        report.lines += [f"  {table:<{width}}  {count:>12,}" for table, count in tables.items()]
        if not dry_run:
            others = backups.other_tables(connection, contents)
            if others:
                report.warnings.append(
                    _("These tables are not in the backup and were left as they were: %(tables)s.")
                    % {"tables": ", ".join(others)}
                )
            report.lines.append(
                _(
                    "Next: manage.py migrate, then start the web server and the job workers "
                    "(docs/backups.md, Restoring)."
                )
            )
        return report
