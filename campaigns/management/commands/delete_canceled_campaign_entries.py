"""manage.py delete_canceled_campaign_entries: the batch delete of docs/campaigns.md,
Campaign entries (docs/operations.md)."""

import datetime

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaigns import services
from campaigns.models import Campaign
from core.management.base import OperatorCommand, Report
from core.management.lookups import get_by_code, parse_date
from salespeople.models import Salesperson


class Command(OperatorCommand):
    help = (
        "Delete canceled campaign entries with their interaction log entries. Entries that "
        "are not canceled are never deleted. Without options every canceled entry goes."
    )

    def add_command_arguments(self, parser):
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

    def run(self, *, dry_run, **options):
        filters = {}
        described = []
        if options["campaign"]:
            filters["campaign"] = get_by_code(
                Campaign, "no", options["campaign"], _("Campaign %(code)s does not exist.")
            )
            described.append(_("campaign %(no)s") % {"no": filters["campaign"].no})
        if options["salesperson"]:
            filters["salesperson"] = get_by_code(
                Salesperson,
                "code",
                options["salesperson"],
                _("Salesperson %(code)s does not exist."),
            )
            described.append(_("salesperson %(code)s") % {"code": filters["salesperson"].code})
        # --before/--after are exclusive: the service's date range is inclusive.
        if options["before"]:
            before = parse_date("before", options["before"])
            filters["date_to"] = before - datetime.timedelta(days=1)
            described.append(_("dated before %(date)s") % {"date": before})
        if options["after"]:
            after = parse_date("after", options["after"])
            filters["date_from"] = after + datetime.timedelta(days=1)
            described.append(_("dated after %(date)s") % {"date": after})
        if filters.get("date_from") and filters.get("date_to"):
            if filters["date_from"] > filters["date_to"]:
                raise CommandError(_("--after must be at least two days before --before."))
        self.say(
            _("Deleting canceled campaign entries: %(which)s.")
            % {"which": ", ".join(described) if described else _("all of them")}
        )
        deleted = services.delete_canceled_campaign_entries(**filters)
        text = (
            ngettext(
                "%(n)d canceled campaign entry would be deleted.",
                "%(n)d canceled campaign entries would be deleted.",
                deleted,
            )
            if dry_run
            else ngettext(
                "%(n)d canceled campaign entry deleted.",
                "%(n)d canceled campaign entries deleted.",
                deleted,
            )
        )
        return Report(summary={"entries_deleted": deleted}, lines=[text % {"n": deleted}])
