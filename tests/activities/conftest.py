import datetime

import pytest

from activities.models import Activity, ActivityStep, TaskType
from contacts.models import Contact, ContactType
from salespeople.models import TeamMember
from segments.models import Segment, SegmentLine
from tests.factories import SalespersonFactory, TeamFactory, UserFactory

START = datetime.date(2026, 1, 15)  # a Thursday


@pytest.fixture
def activity(db):
    """A 3-step activity: phone call after 2 days, meeting after a week, letter at month end."""
    activity = Activity.objects.create(code="TRADESHOW", description="Trade show follow-up")
    for step_no, kind, description, formula in [
        (1, TaskType.PHONE_CALL, "Call", "2D"),
        (2, TaskType.MEETING, "Visit", "1W"),
        (3, TaskType.BLANK, "Letter", "CM"),
    ]:
        ActivityStep.objects.create(
            activity=activity,
            step_no=step_no,
            type=kind,
            description=description,
            date_formula=formula,
        )
    return activity


@pytest.fixture
def team(db):
    """Team FAIR with two salespeople."""
    team = TeamFactory(code="FAIR", name="Trade fair team")
    for code in ("AH", "JO"):
        TeamMember.objects.create(team=team, salesperson=SalespersonFactory(code=code))
    return team


@pytest.fixture
def salesperson(db):
    return SalespersonFactory(code="LT", name="Linda Terpstra")


@pytest.fixture
def own_salesperson(salesperson_user):
    """The salesperson of the ``sales`` login (Salesperson role)."""
    return SalespersonFactory(code="SALES", name="Sam Sales", user=salesperson_user)


@pytest.fixture
def sales_client(client, salesperson_user, own_salesperson):
    client.force_login(salesperson_user)
    return client


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def other_user(username="other"):
    from core import roles

    return UserFactory(username=username, role=roles.SALESPERSON)


def make_segment(size: int, **fields) -> Segment:
    """A segment of ``size`` new company contacts, built set-wise (fast for 1,000)."""
    start = Contact.objects.count()
    contacts = Contact.objects.bulk_create(
        Contact(no=f"TC{start + i:07d}", type=ContactType.COMPANY, name=f"Company {start + i}")
        for i in range(size)
    )
    segment = Segment.objects.create(description=f"{size} contacts", **fields)
    SegmentLine.objects.bulk_create(
        SegmentLine(segment=segment, contact=c, contact_company=c, campaign=segment.campaign)
        for c in contacts
    )
    Segment.objects.filter(pk=segment.pk).update(line_count=size)
    segment.line_count = size
    return segment
