import pytest

from contacts.models import CorrespondenceType
from tests.factories import CampaignFactory, SegmentFactory, World, make_template


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def campaign(db):
    return CampaignFactory()


@pytest.fixture
def segment(db):
    return SegmentFactory(description="Test segment")


def contact_ids(segment):
    return set(segment.lines.values_list("contact_id", flat=True))


# Logging ---------------------------------------------------------------------------------


@pytest.fixture
def letter_template(db):
    return make_template("LETTER", CorrespondenceType.HARD_COPY)


@pytest.fixture
def email_template(db):
    return make_template("EMAIL", CorrespondenceType.EMAIL)
