"""Segments, their lines and saved criteria."""

import factory

from segments.models import LoggedSegment, SavedSegmentCriteria, Segment, SegmentLine
from tests.factories.contacts import CompanyFactory


class SegmentFactory(factory.django.DjangoModelFactory):
    """An empty segment; ``no`` from the SEGMENT number series. Lines by the rules come
    from ``segments.services.add_contacts``."""

    class Meta:
        model = Segment

    description = factory.Sequence(lambda n: f"Segment {n}")


class SegmentLineFactory(factory.django.DjangoModelFactory):
    """A line written as it is (no header values copied, the segment's line count not
    kept): for tests of what reads lines. The contact's company and the segment's
    campaign are filled in."""

    class Meta:
        model = SegmentLine

    segment = factory.SubFactory(SegmentFactory)
    contact = factory.SubFactory(CompanyFactory)
    contact_company = factory.LazyAttribute(lambda line: line.contact.company or line.contact)
    campaign = factory.LazyAttribute(lambda line: line.segment.campaign)


class SavedSegmentCriteriaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SavedSegmentCriteria
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"CRIT{n}")
    description = factory.Sequence(lambda n: f"Criteria {n}")


class LoggedSegmentFactory(factory.django.DjangoModelFactory):
    """A logged segment's header alone (no interactions): for tests of what reads it.
    A logged segment with its interactions comes from ``segment_logging.log_segment``."""

    class Meta:
        model = LoggedSegment

    segment_no = factory.Sequence(lambda n: f"SEG9{n:04d}")
    description = factory.Sequence(lambda n: f"Logged segment {n}")
