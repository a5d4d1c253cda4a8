import datetime

import pytest

from activities.models import TaskType
from contacts.models import Contact
from segments.models import Segment, SegmentLine
from tests.factories import (
    ActivityFactory,
    ActivityStepFactory,
    CompanyFactory,
    SalespersonFactory,
    SegmentFactory,
    SegmentLineFactory,
    TeamFactory,
    TeamMemberFactory,
    UserFactory,
)

START = datetime.date(2026, 1, 15)  # a Thursday


@pytest.fixture
def activity(db):
    """A 3-step activity: phone call after 2 days, meeting after a week, letter at month end."""
    activity = ActivityFactory(code="TRADESHOW", description="Trade show follow-up")
    for step_no, kind, description, formula in [
        (1, TaskType.PHONE_CALL, "Call", "2D"),
        (2, TaskType.MEETING, "Visit", "1W"),
        (3, TaskType.BLANK, "Letter", "CM"),
    ]:
        ActivityStepFactory(
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
        TeamMemberFactory(team=team, salesperson=SalespersonFactory(code=code))
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
        CompanyFactory.build(
            no=f"TC{start + i:07d}", name=f"Company {start + i}", city="", email=""
        )
        for i in range(size)
    )
    segment = SegmentFactory(description=f"{size} contacts", **fields)
    SegmentLine.objects.bulk_create(
        SegmentLineFactory.build(segment=segment, contact=c, contact_company=c) for c in contacts
    )
    Segment.objects.filter(pk=segment.pk).update(line_count=size)
    segment.line_count = size
    return segment
