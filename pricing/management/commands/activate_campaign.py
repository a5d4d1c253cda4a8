"""manage.py activate_campaign NO [--dry-run] [--json]: give the campaign's prices and
discounts to its targets (docs/pricing.md)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.models import Campaign
from core.management.base import OperatorCommand, Report
from core.management.lookups import get_by_code
from pricing import services

MISSING = gettext_lazy("Campaign %(code)s does not exist.")


class Command(OperatorCommand):
    help = "Activate the sales prices and line discounts of a campaign."

    def add_command_arguments(self, parser):
        parser.add_argument("no", help="campaign No., e.g. CP0001")

    def run(self, *, no, dry_run, **options):
        campaign = get_by_code(Campaign, "no", no, str(MISSING))
        result = services.activate_campaign(campaign=campaign)
        counts = {"targets": result.targets, "prices": result.prices, "discounts": result.discounts}
        text = (
            _(
                "Campaign %(no)s would be activated (%(targets)d targets, %(prices)d sales "
                "prices, %(discounts)d line discounts)."
            )
            if dry_run
            else _(
                "Campaign %(no)s is now activated (%(targets)d targets, %(prices)d sales "
                "prices, %(discounts)d line discounts)."
            )
        )
        return Report(
            summary={"campaign": campaign.no, **counts},
            lines=[text % {"no": campaign.no, **counts}],
        )
