"""Demo segments, built with the same criteria actions a user would run."""

from campaigns.models import Campaign
from salespeople.models import Salesperson
from segments import services
from segments.models import Segment


def load(stdout=None):
    if Segment.objects.exists():
        return
    mailing = Campaign.objects.filter(description="Office furniture direct mailing").first()
    chairs = Campaign.objects.filter(description="Autumn chair promotion").first()
    jim = Salesperson.objects.filter(code="JO").first()

    buyers = Segment.objects.create(
        description="Purchasers for the office furniture mailing",
        campaign=mailing,
        campaign_target=mailing is not None,
        salesperson=jim,
        subject="New office furniture range",
        correspondence_type="email",
        unit_cost=1.50,
        unit_duration=2,
    )
    services.add_contacts(
        segment=buyers, filters={"type": "person", "job_responsibilities": ["PURCHASE"]}
    )
    services.reduce_contacts(segment=buyers, filters={"business_relations": ["PROS"]})

    fair = Segment.objects.create(
        description="Trade fair invitations (retail)",
        campaign=chairs,
        campaign_target=chairs is not None,
        subject="Invitation: autumn chair promotion",
        correspondence_type="hard_copy",
        unit_cost=2.75,
        unit_duration=5,
    )
    services.add_contacts(
        segment=fair,
        filters={"type": "company", "industry_groups": ["RETAIL"]},
        expand_companies=True,
        allow_related_companies=True,
    )

    Segment.objects.create(description="Newsletter readers (not built yet)")
    if stdout:
        stdout.write(f"{Segment.objects.count()} segments")
