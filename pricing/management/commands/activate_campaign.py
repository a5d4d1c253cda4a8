"""manage.py activate_campaign NO: give the campaign's prices and discounts to its targets."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from campaigns.models import Campaign
from pricing import services


def get_campaign(number: str) -> Campaign:
    campaign = Campaign.objects.filter(no=number.strip().upper()).first()
    if campaign is None:
        raise CommandError(f"Campaign {number} does not exist.")
    return campaign


class Command(BaseCommand):
    help = "Activate the sales prices and line discounts of a campaign."

    def add_arguments(self, parser):
        parser.add_argument("no", help="campaign No., e.g. CP0001")

    def handle(self, *args, no, **options):
        campaign = get_campaign(no)
        try:
            result = services.activate_campaign(campaign=campaign)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if options["verbosity"]:
            self.stdout.write(
                f"Campaign {campaign.no} is now activated ({result.targets} targets, "
                f"{result.prices} sales prices, {result.discounts} line discounts)."
            )
