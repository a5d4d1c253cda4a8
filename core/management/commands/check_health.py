"""``manage.py check_health [--json]``: the readiness checks of ``/readyz`` for cron
and scripts (docs/monitoring.md, Health and readiness).

One line per check (``database: ok``, ``worker: failed (…)``), or with ``--json`` the
body ``/readyz`` answers. Exits 1 when a check failed.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.health import READY, report


class Command(BaseCommand):
    help = "Run the readiness checks (database, migrations, job queue, worker, e-mail)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", action="store_true", help="Print the result as one JSON object."
        )

    def handle(self, *args, **options):
        body = report()
        if options["json"]:
            self.stdout.write(json.dumps(body))
        else:
            for name, status in body["checks"].items():
                reason = body["reasons"].get(name)
                self.stdout.write(f"{name}: {status} ({reason})" if reason else f"{name}: {status}")
        if body["status"] != READY:
            failed = ", ".join(name for name in body["reasons"])
            raise CommandError(_("Not ready: %(checks)s.") % {"checks": failed}, returncode=1)
