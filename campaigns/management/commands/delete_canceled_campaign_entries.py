"""manage.py delete_canceled_campaign_entries: the batch delete of docs/campaigns.md,
Campaign entries (docs/operations.md)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from campaigns import services
from campaigns.models import Campaign
from salespeople.models import Salesperson


def parse_date(option: str, value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(
            f"--{option}: {value!r} is not a date; use YYYY-MM-DD, e.g. 2026-01-31."
        ) from None


class Command(BaseCommand):
    help = (
        "Delete canceled campaign entries with their interaction log entries. Entries that "
        "are not canceled are never deleted. Without options every canceled entry goes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--campaign", metavar="NO", help="only entries of this campaign")
        parser.add_argument(
            "--before", metavar="DATE", help="only entries dated before DATE (YYYY-MM-DD)"
        )
        parser.add_argument(
            "--after", metavar="DATE", help="only entries dated after DATE (YYYY-MM-DD)"
        )
        parser.add_argument(
            "--salesperson", metavar="CODE", help="only entries of this salesperson"
        )

    def handle(self, *args, **options):
        filters = {}
        described = []
        if options["campaign"]:
            number = options["campaign"].strip().upper()
            filters["campaign"] = Campaign.objects.filter(no=number).first()
            if filters["campaign"] is None:
                raise CommandError(f"Campaign {number} does not exist.")
            described.append(f"campaign {number}")
        if options["salesperson"]:
            code = options["salesperson"].strip().upper()
            filters["salesperson"] = Salesperson.objects.filter(code=code).first()
            if filters["salesperson"] is None:
                raise CommandError(f"Salesperson {code} does not exist.")
            described.append(f"salesperson {code}")
        # --before/--after are exclusive: the service's date range is inclusive.
        if options["before"]:
            before = parse_date("before", options["before"])
            filters["date_to"] = before - datetime.timedelta(days=1)
            described.append(f"dated before {before}")
        if options["after"]:
            after = parse_date("after", options["after"])
            filters["date_from"] = after + datetime.timedelta(days=1)
            described.append(f"dated after {after}")
        if filters.get("date_from") and filters.get("date_to"):
            if filters["date_from"] > filters["date_to"]:
                raise CommandError("--after must be at least two days before --before.")
        verbosity = options["verbosity"]
        if verbosity >= 2:
            self.stdout.write(
                "Deleting canceled campaign entries: "
                + (", ".join(described) if described else "all of them")
                + "."
            )
        deleted = services.delete_canceled_campaign_entries(**filters)
        if verbosity:
            noun = "entry" if deleted == 1 else "entries"
            self.stdout.write(f"{deleted} canceled campaign {noun} deleted.")
