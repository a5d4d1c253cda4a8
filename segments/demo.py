"""Demo segments, built and logged with the same actions a user would run."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaigns.demo import CHAIR_PROMOTION, MAILING
from campaigns.models import Campaign, InteractionTemplate
from campaigns.services import set_entry_canceled
from salespeople.models import Salesperson
from segments import services
from segments.models import LoggedSegment, Segment
from segments.segment_logging import log_segment

# The activities' demo assigns a follow-up call to this segment's contacts.
PURCHASERS = _("Purchasers for the office furniture mailing")


def load(stdout=None):
    if Segment.objects.exists() or LoggedSegment.objects.exists():
        return
    mailing = Campaign.objects.filter(description=str(MAILING)).first()
    chairs = Campaign.objects.filter(description=str(CHAIR_PROMOTION)).first()
    jim = Salesperson.objects.filter(code="JO").first()
    templates = {t.code: t for t in InteractionTemplate.objects.all()}

    # 1. Purchasers for the mailing: the campaign's target group (stays open).
    buyers = Segment.objects.create(
        description=str(PURCHASERS),
        campaign=mailing,
        campaign_target=mailing is not None,
        salesperson=jim,
        interaction_template=templates.get("EMAIL"),
        subject=gettext("New office furniture range"),
        correspondence_type="email",
        unit_cost=1.50,
        unit_duration=2,
    )
    services.add_contacts(
        segment=buyers, filters={"type": "person", "job_responsibilities": ["PURCHASE"]}
    )
    services.reduce_contacts(segment=buyers, filters={"business_relations": ["PROS"]})

    # 2. Trade fair invitations by letter, logged with a follow-up segment.
    today = timezone.localdate()
    fair = Segment.objects.create(
        description=gettext("Trade fair invitations (retail)"),
        date=today - datetime.timedelta(days=12),
        campaign=chairs,
        campaign_target=chairs is not None,
        interaction_template=templates.get("LETTER"),
        subject=gettext("Invitation: autumn chair promotion"),
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
    result = log_segment(segment=fair, create_follow_up=True)

    # 3. Responses to the invitations: a few of the follow-up's contacts, logged.
    if result.follow_up is not None and chairs is not None:
        responses = result.follow_up
        responses.description = gettext("Responses to the trade fair invitation")
        responses.campaign_response = True
        responses.interaction_template = templates.get("RESPONSE")
        responses.date = today - datetime.timedelta(days=4)
        services.save_segment(segment=responses, update_lines=True)
        services.refine_contacts(segment=responses, filters={"type": "person", "name": "A*|B*|J*"})
        log_segment(segment=responses)

    # 4. A phone round logged by mistake, then canceled.
    calls = Segment.objects.create(
        description=gettext("Phone round (logged by mistake)"),
        date=today - datetime.timedelta(days=2),
        campaign=chairs,
        interaction_template=templates.get("PHONE"),
        unit_cost=2.50,
        unit_duration=8,
    )
    added = services.add_contacts(segment=calls, filters={"type": "company", "city": "Utrecht"})
    if added.added:
        logged = log_segment(segment=calls).logged_segment
        for entry in logged.campaign_entries.all():
            set_entry_canceled(entry=entry, canceled=True)

    Segment.objects.create(description=gettext("Newsletter readers (not built yet)"))
    if stdout:
        stdout.write(
            f"{Segment.objects.count()} open segments, {LoggedSegment.objects.count()} logged"
        )
