"""manage.py deactivate_campaign NO [--dry-run] [--json]: empty the campaign's target
group (docs/pricing.md)."""

from django.utils.translation import gettext as _

from campaigns.models import Campaign
from core.management.base import OperatorCommand, Report
from core.management.lookups import get_by_code
from pricing import services
from pricing.management.commands.activate_campaign import MISSING


class Command(OperatorCommand):
    help = "Deactivate the sales prices and line discounts of a campaign."

    def add_command_arguments(self, parser):
        parser.add_argument("no", help="campaign No., e.g. CP0001")

    def run(self, *, no, dry_run, **options):
        campaign = get_by_code(Campaign, "no", no, str(MISSING))
        removed = services.deactivate_campaign(campaign=campaign)
        text = (
            _("Campaign %(no)s would be deactivated (%(n)d targets removed).")
            if dry_run
            else _("Campaign %(no)s is deactivated (%(n)d targets removed).")
        )
        return Report(
            summary={"campaign": campaign.no, "targets_removed": removed},
            lines=[text % {"no": campaign.no, "n": removed}],
        )
