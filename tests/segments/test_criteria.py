"""Add / Reduce / Refine / Go back (docs/segments.md, Criteria)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from segments import services
from segments.models import SegmentHistory, SegmentLine
from tests.segments.conftest import contact_ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world):
    """Two companies, one prospect; persons with job responsibilities."""
    acme = world.company("Acme", industry=["RETAIL"], relations=["CUST"], city="Amsterdam")
    bolt = world.company("Bolt", industry=["WHOLESALE"], relations=["PROS"], city="Utrecht")
    return {
        "acme": acme,
        "bolt": bolt,
        "ann": world.person("Ann", acme, jobs=["PURCHASE"], city="Amsterdam"),
        "bob": world.person("Bob", acme, jobs=["SALES"], city="Amsterdam"),
        "cat": world.person("Cat", bolt, jobs=["PURCHASE"], city="Utrecht"),
        "dan": world.person("Dan", None, jobs=["PURCHASE"], city="Rotterdam"),
    }


def ids(people, *names):
    return {people[name].id for name in names}


def test_add_persons_with_job_responsibility(segment, people):
    result = services.add_contacts(
        segment=segment, filters={"type": "person", "job_responsibilities": ["PURCHASE"]}
    )
    assert result.added == 3
    assert contact_ids(segment) == ids(people, "ann", "cat", "dan")
    segment.refresh_from_db()
    assert segment.line_count == 3


def test_contact_qualifies_only_when_every_filled_group_matches(segment, people):
    services.add_contacts(
        segment=segment,
        filters={
            "type": "person",
            "job_responsibilities": ["PURCHASE"],
            "industry_groups": ["RETAIL"],
            "city": "Amsterdam",
        },
    )
    # Cat's company is not RETAIL, Dan has none; Bob is not a purchaser.
    assert contact_ids(segment) == ids(people, "ann")


def test_company_codes_count_for_the_persons_of_the_company(segment, people):
    services.add_contacts(segment=segment, filters={"business_relations": ["PROS"]})
    # Bolt itself, and Cat through her company; Bolt is dropped because Cat is added
    # (allow related companies is off).
    assert contact_ids(segment) == ids(people, "cat")


def test_allow_related_companies_keeps_the_company(segment, people):
    services.add_contacts(
        segment=segment, filters={"business_relations": ["PROS"]}, allow_related_companies=True
    )
    assert contact_ids(segment) == ids(people, "bolt", "cat")


def test_company_without_its_persons_in_the_selection_stays(segment, people):
    services.add_contacts(segment=segment, filters={"type": "company"})
    assert contact_ids(segment) == ids(people, "acme", "bolt")


def test_expand_companies_adds_their_persons(segment, people):
    services.add_contacts(
        segment=segment,
        filters={"type": "company", "city": "Amsterdam"},
        expand_companies=True,
        allow_related_companies=True,
    )
    assert contact_ids(segment) == ids(people, "acme", "ann", "bob")
    segment.lines.all().delete()
    services.add_contacts(
        segment=segment, filters={"type": "company", "city": "Amsterdam"}, expand_companies=True
    )
    # Without allow related companies the company gives way to its persons.
    assert contact_ids(segment) == ids(people, "ann", "bob")


def test_excluded_contacts_are_skipped_unless_exclusion_is_ignored(segment, people):
    people["ann"].exclude_from_segments = True
    people["ann"].save()
    filters = {"job_responsibilities": ["PURCHASE"]}
    services.add_contacts(segment=segment, filters=filters)
    assert contact_ids(segment) == ids(people, "cat", "dan")
    services.add_contacts(segment=segment, filters=filters, ignore_exclusion=True)
    assert contact_ids(segment) == ids(people, "ann", "cat", "dan")


def test_existing_contacts_are_skipped_or_renewed(segment, people, campaign):
    services.add_contacts(segment=segment, filters={"no": people["ann"].no})
    line = segment.lines.get()
    SegmentLine.objects.filter(pk=line.pk).update(subject="kept", cost=Decimal("9"))
    segment.subject = "new subject"
    segment.save()
    skipped = services.add_contacts(
        segment=segment, filters={"city": "Amsterdam", "type": "person"}
    )
    assert skipped.added == 1  # only Bob; Ann's line is left as it was
    assert segment.lines.get(contact=people["ann"]).subject == "kept"

    renewed = services.add_contacts(
        segment=segment, filters={"no": people["ann"].no}, allow_existing=True
    )
    assert (renewed.added, renewed.removed) == (1, 1)
    assert segment.lines.get(contact=people["ann"]).subject == "new subject"
    # Go back brings the old line back exactly.
    services.go_back(segment=segment)
    line = segment.lines.get(contact=people["ann"])
    assert (line.subject, line.cost) == ("kept", Decimal("9.00"))


def test_new_lines_take_the_header_values_and_salesperson_falls_back_to_the_contact(
    segment, people, campaign
):
    from tests.factories import SalespersonFactory

    own = SalespersonFactory()
    people["ann"].salesperson = own
    people["ann"].save()
    segment.campaign = campaign
    segment.campaign_target = True
    segment.subject = "Trade show"
    segment.correspondence_type = "email"
    segment.unit_cost = Decimal("2.50")
    segment.unit_duration = Decimal("5")
    segment.date = datetime.date(2026, 3, 1)
    segment.save()
    services.add_contacts(segment=segment, filters={"no": f"{people['ann'].no}|{people['cat'].no}"})
    ann = segment.lines.get(contact=people["ann"])
    cat = segment.lines.get(contact=people["cat"])
    assert ann.salesperson == own
    assert cat.salesperson is None
    assert (ann.campaign, ann.campaign_target, ann.subject) == (campaign, True, "Trade show")
    assert (ann.correspondence_type, ann.cost, ann.duration) == ("email", Decimal("2.50"), 5)
    assert ann.date == datetime.date(2026, 3, 1)
    assert ann.contact_company == people["acme"]
    assert people["dan"].company is None
    segment.salesperson = SalespersonFactory()
    segment.save()
    services.add_contacts(segment=segment, filters={"no": people["dan"].no})
    assert segment.lines.get(contact=people["dan"]).salesperson == segment.salesperson
    assert segment.lines.get(contact=people["dan"]).contact_company == people["dan"]


def test_text_filters_support_nav_syntax(segment, people, world):
    world.company("Zeta", post_code="1500", city="Haarlem")
    world.company("Eta", post_code="2500", city="Den Haag")
    services.add_contacts(segment=segment, filters={"post_code": "1000..1999"})
    assert {line.contact.name for line in segment.lines.select_related("contact")} == {"Zeta"}
    segment.lines.all().delete()
    services.add_contacts(segment=segment, filters={"city": "ams*|UTRECHT", "type": "company"})
    assert contact_ids(segment) == ids(people, "acme", "bolt")
    segment.lines.all().delete()
    services.add_contacts(segment=segment, filters={"name": "*a*", "type": "company"})
    assert {line.contact.name for line in segment.lines.select_related("contact")} == {
        "Acme",
        "Zeta",
        "Eta",
    }


def test_reduce_removes_matching_lines(segment, people):
    services.add_contacts(segment=segment, filters={"type": "person"})
    result = services.reduce_contacts(segment=segment, filters={"business_relations": ["PROS"]})
    assert result.removed == 1
    assert contact_ids(segment) == ids(people, "ann", "bob", "dan")


@pytest.mark.parametrize("action", ["reduce_contacts", "refine_contacts"])
def test_removing_lines_never_joins_the_history_rows_just_written(segment, people, action):
    """Within the transaction PostgreSQL's statistics do not know the new history
    rows: a DELETE joining them ran for minutes at 100,000 lines (benchmark W1)."""
    services.add_contacts(segment=segment, filters={"type": "person"})
    with CaptureQueriesContext(connection) as queries:
        result = getattr(services, action)(segment=segment, filters={"city": "Amsterdam"})
    assert result.removed == 2
    history = connection.ops.quote_name(SegmentHistory._meta.db_table)
    deletes = [q["sql"] for q in queries if q["sql"].startswith("DELETE")]
    assert deletes
    assert not [sql for sql in deletes if history in sql]
    assert SegmentHistory.objects.filter(action=result.action).count() == 2


def test_reduce_entire_companies_removes_the_persons_of_a_matching_company(segment, people):
    services.add_contacts(segment=segment, filters={"type": "person"})
    services.reduce_contacts(segment=segment, filters={"name": "Acme"}, entire_companies=False)
    assert contact_ids(segment) == ids(people, "ann", "bob", "cat", "dan")
    services.reduce_contacts(segment=segment, filters={"name": "Acme"}, entire_companies=True)
    assert contact_ids(segment) == ids(people, "cat", "dan")


def test_refine_keeps_only_matching_lines(segment, people):
    services.add_contacts(segment=segment, filters={}, allow_related_companies=True)
    result = services.refine_contacts(segment=segment, filters={"city": "Amsterdam"})
    assert contact_ids(segment) == ids(people, "acme", "ann", "bob")
    assert result.removed == 3


def test_refine_entire_companies_keeps_the_persons_of_a_kept_company(segment, people):
    services.add_contacts(segment=segment, filters={}, allow_related_companies=True)
    services.refine_contacts(segment=segment, filters={"name": "Bolt"}, entire_companies=True)
    assert contact_ids(segment) == ids(people, "bolt", "cat")


def test_go_back_undoes_the_last_action_exactly_with_flags(segment, people, campaign):
    segment.campaign = campaign
    segment.campaign_target = True
    segment.save()
    services.add_contacts(segment=segment, filters={"type": "person"})
    SegmentLine.objects.filter(contact=people["ann"]).update(campaign_target=False)
    SegmentLine.objects.filter(contact=people["cat"]).update(evaluation="positive")
    before = {
        line["contact_id"]: line
        for line in segment.lines.values(
            "contact_id", "campaign_target", "evaluation", "cost", "added_by_id", "subject"
        )
    }
    services.reduce_contacts(segment=segment, filters={"job_responsibilities": ["PURCHASE"]})
    assert contact_ids(segment) == ids(people, "bob")
    services.go_back(segment=segment)
    after = {
        line["contact_id"]: line
        for line in segment.lines.values(
            "contact_id", "campaign_target", "evaluation", "cost", "added_by_id", "subject"
        )
    }
    assert after == before
    assert not SegmentHistory.objects.exists()
    # Going back once more removes the lines of the first Add.
    services.go_back(segment=segment)
    assert contact_ids(segment) == set()
    segment.refresh_from_db()
    assert segment.line_count == 0


def test_go_back_with_nothing_to_undo_is_refused(segment):
    with pytest.raises(ValidationError, match="no criteria action to undo"):
        services.go_back(segment=segment)


def test_save_and_reuse_criteria_replays_the_actions(segment, people):
    from segments.models import Segment

    services.add_contacts(segment=segment, filters={"type": "person"})
    services.reduce_contacts(segment=segment, filters={"business_relations": ["PROS"]})
    criteria = services.save_criteria(segment=segment, code="buyers", description="Buyers")
    assert criteria.code == "BUYERS"
    assert criteria.actions.count() == 2
    other = Segment.objects.create(description="Other")
    services.reuse_criteria(segment=other, criteria=criteria)
    assert contact_ids(other) == contact_ids(segment)
    assert other.criteria_actions.count() == 2
    with pytest.raises(ValidationError, match="already exist"):
        services.save_criteria(segment=segment, code="BUYERS")


def test_lines_changed_signal_names_the_campaign(segment, people, campaign):
    from segments.signals import segment_lines_changed

    seen = []

    def listener(sender, segment, campaign_ids, **kwargs):
        seen.append(campaign_ids)

    segment.campaign = campaign
    segment.save()
    segment_lines_changed.connect(listener)
    try:
        services.add_contacts(segment=segment, filters={"type": "person"})
        services.reduce_contacts(segment=segment, filters={"type": "person"})
        services.go_back(segment=segment)
    finally:
        segment_lines_changed.disconnect(listener)
    assert seen == [{campaign.pk}] * 3


def _run_all(world, count):
    """Queries of add / reduce / go back / refine on a segment of ``count`` persons."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from contacts.models import Contact, ContactType
    from segments.models import Segment

    city = f"City{count}"
    company = world.company(f"Big Co {count}")
    Contact.objects.bulk_create(
        Contact(
            no=f"B{count}-{i:06d}",
            type=ContactType.PERSON,
            name=f"P{i}",
            company=company,
            city=city,
        )
        for i in range(count)
    )
    segment = Segment.objects.create(description=f"{count} contacts")
    counts = {}
    operations = [
        ("add", lambda: services.add_contacts(segment=segment, filters={"city": city})),
        ("reduce", lambda: services.reduce_contacts(segment=segment, filters={"name": "P1*"})),
        ("go back", lambda: services.go_back(segment=segment)),
        ("refine", lambda: services.refine_contacts(segment=segment, filters={"name": "P1*"})),
    ]
    for name, operation in operations:
        with CaptureQueriesContext(connection) as queries:
            operation()
        counts[name] = len(queries)
    return counts, segment.lines.count()


def test_query_count_does_not_grow_with_the_number_of_contacts(world):
    small, small_lines = _run_all(world, 10)
    large, large_lines = _run_all(world, 1000)
    assert (small_lines, large_lines) == (1, 111)  # P1, P1x, P1xx are kept by Refine
    assert small == large
    assert max(large.values()) <= 15
