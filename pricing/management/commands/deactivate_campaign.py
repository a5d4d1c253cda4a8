"""manage.py deactivate_campaign NO: empty the campaign's target group."""

from django.core.management.base import BaseCommand

from pricing import services
from pricing.management.commands.activate_campaign import get_campaign


class Command(BaseCommand):
    help = "Deactivate the sales prices and line discounts of a campaign."

    def add_arguments(self, parser):
        parser.add_argument("no", help="campaign No., e.g. CP0001")

    def handle(self, *args, no, **options):
        campaign = get_campaign(no)
        removed = services.deactivate_campaign(campaign=campaign)
        if options["verbosity"]:
            self.stdout.write(f"Campaign {campaign.no} is deactivated ({removed} targets removed).")
