"""Plans that stay linear (docs/performance.md): the set-based statements of the
criteria actions and of activation are joins on PostgreSQL, never a hashed
``NOT IN`` / ``IN … OR IN`` list, which falls back to a scan per row once the list
outgrows ``work_mem`` (ten million contacts).

The size of a SubPlan is what the benchmark's check judges (benchmarks.plans); a
small database only shows the shape, and every hashed SubPlan is that shape."""

import pytest
from django.db import connection

from benchmarks.plans import PlanCheck, subplans, unlimited_scans
from contacts.models import Contact
from pricing.services import activate_campaign
from segments import services
from segments.models import SegmentLine
from tests.factories import CampaignFactory, SegmentFactory

pytestmark = pytest.mark.django_db

postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's plans (the CI's PostgreSQL run)"
)


@pytest.fixture
def people(world):
    acme = world.company("Acme", industry=["RETAIL"], relations=["CUST"], mailing=["NEWS"])
    bolt = world.company("Bolt", industry=["RETAIL"], mailing=["NEWS"])
    world.person("Ann", acme, jobs=["PURCHASE"], mailing=["NEWS"])
    world.person("Bob", acme, jobs=["SALES"])
    world.person("Cat", bolt, jobs=["PURCHASE"], mailing=["NEWS"])
    world.person("Dan", None, mailing=["NEWS"])
    return world


def hashed(check):
    return [subplan for subplan in check.every_subplan if subplan.name.startswith("hashed")]


def not_in(check):
    """SubPlans tested with NOT: the ``NOT IN`` shape, which can only scan per row
    once its list outgrows memory (an anti-join is not a SubPlan)."""
    return [text for text in check.plans if "NOT (hashed SubPlan" in text or "NOT (SubPlan" in text]


def checked(action):
    check = PlanCheck()
    with connection.execute_wrapper(check):
        action()
    return check


@postgresql
def test_the_check_finds_a_hashed_not_in(people):
    """The check can fail: the NOT IN the actions used to write is a hashed SubPlan."""
    lines = SegmentLine.objects.values("contact_id")
    check = checked(lambda: list(Contact.objects.exclude(id__in=lines)))
    assert [subplan.name for subplan in hashed(check)] == ["hashed SubPlan 1"]


@postgresql
@pytest.mark.parametrize(
    ("filters", "options"),
    [
        ({"mailing_groups": ["NEWS"]}, {}),  # persons drop their company; skip existing
        ({"mailing_groups": ["NEWS"]}, {"allow_existing": True}),
        ({"type": "company"}, {"expand_companies": True}),
        ({"type": "company"}, {"expand_companies": True, "allow_related_companies": True}),
    ],
)
def test_add_contacts_is_planned_as_joins(people, filters, options):
    segment = SegmentFactory(description="Plans")
    services.add_contacts(segment=segment, filters={"mailing_groups": ["NEWS"]})
    check = checked(lambda: services.add_contacts(segment=segment, filters=filters, **options))
    assert check.explained > 3
    assert hashed(check) == []


@postgresql
@pytest.mark.parametrize("options", [{}, {"expand_companies": True}])
def test_a_company_code_is_probed_per_contact_not_listed(people, options):
    """A company's code counts for its persons: an EXISTS per contact and per company
    (index probes, which a count can stop early; hashed only while it fits), never a
    NOT IN."""
    segment = SegmentFactory(description="Plans")
    check = checked(
        lambda: services.add_contacts(
            segment=segment, filters={"industry_groups": ["RETAIL"]}, **options
        )
    )
    assert check.explained > 3
    assert not_in(check) == []
    assert any("EXISTS" in statement for statement in check.statements)


@postgresql
@pytest.mark.parametrize("entire_companies", [False, True])
@pytest.mark.parametrize("action", [services.reduce_contacts, services.refine_contacts])
def test_reduce_and_refine_are_planned_as_joins(people, action, entire_companies):
    segment = SegmentFactory(description="Plans")
    services.add_contacts(
        segment=segment, filters={"mailing_groups": ["NEWS"]}, allow_related_companies=True
    )
    check = checked(
        lambda: action(
            segment=segment,
            filters={"type": "company", "mailing_groups": ["NEWS"]},
            entire_companies=entire_companies,
        )
    )
    assert check.explained > 3
    assert hashed(check) == []


@postgresql
def test_activation_is_planned_as_joins(people):
    campaign = CampaignFactory()
    segment = SegmentFactory(description="Plans", campaign=campaign, campaign_target=True)
    services.add_contacts(segment=segment, filters={"mailing_groups": ["NEWS"]})
    check = checked(lambda: activate_campaign(campaign=campaign))
    assert check.explained > 3
    assert hashed(check) == []


def test_subplans_are_read_from_the_plan_tree():
    def plan(filter_text):
        return {
            "Node Type": "Seq Scan",
            "Plan Rows": 2_000_000,
            "Filter": filter_text,
            "Plans": [
                {
                    "Node Type": "Materialize",
                    "Parent Relationship": "SubPlan",
                    "Subplan Name": "SubPlan 1",
                    "Plan Rows": 1_800_000,
                    "Plans": [{"Node Type": "Seq Scan", "Plan Rows": 1_800_000}],
                },
                {"Node Type": "Index Scan", "Parent Relationship": "Outer", "Plan Rows": 1},
            ],
        }

    (found,) = subplans(plan("(NOT (SubPlan 1))"), "INSERT INTO segments_segmentline …")
    assert (found.name, found.rows) == ("SubPlan 1", 1_800_000)
    assert found.statement == "INSERT INTO segments_segmentline …"
    (found,) = subplans(plan("(NOT (hashed SubPlan 1))"), "INSERT …")
    assert found.name == "hashed SubPlan 1"


def test_a_whole_table_scan_is_found_unless_a_limit_stops_it():
    scan = {"Node Type": "Seq Scan", "Relation Name": "contacts_contact", "Plan Rows": 10}
    limited = {"Node Type": "Limit", "Plans": [scan]}
    sorted_first = {"Node Type": "Limit", "Plans": [{"Node Type": "Sort", "Plans": [scan]}]}
    tables = {"contacts_contact"}
    assert unlimited_scans(limited, tables, "SELECT …") == []
    assert unlimited_scans(scan, {"segments_segment"}, "SELECT …") == []
    assert unlimited_scans(scan, tables, "SELECT …") == [
        "Seq Scan on contacts_contact without a limit: SELECT …"
    ]
    # A top-N sort reads every row before the limit takes the first.
    assert len(unlimited_scans(sorted_first, tables, "SELECT …")) == 1


@postgresql
def test_a_whole_table_scan_counts_only_on_a_table_that_is_big_at_this_size(people):
    """A scan of a table of a few hundred rows is the planner's right choice: the check
    counts it only on tables of ``threshold`` rows or more (the planner's count)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE contacts_contact")
        cursor.execute("ANALYZE segments_segment")
    scanned = {"contacts_contact", "segments_segment"}
    check = PlanCheck(threshold=3, scanned=scanned)
    with connection.execute_wrapper(check):
        list(Contact.objects.filter(name__icontains="a"))
    assert check.big_tables(connection.connection.cursor()) == {"contacts_contact"}
    (scan,) = check.scans
    assert scan.startswith("Seq Scan on contacts_contact without a limit: SELECT")
    small = PlanCheck(threshold=1_000, scanned=scanned)
    with connection.execute_wrapper(small):
        list(Contact.objects.filter(name__icontains="a"))
    assert small.scans == []


@postgresql
def test_a_count_before_committing_probes_a_contacts_own_codes(people):
    """The count before committing of a person's code (a mailing group) streams: the
    contact's codes looked up per contact, stopped at the cap. Never every holder made
    unique (grouped, or sorted: five million at ten million contacts, 0.9 s of a 1.2 s
    count; docs/performance.md, W8) before the first row."""
    from contacts.models import ContactMailingGroup, ContactType, MailingGroup

    news = MailingGroup.objects.get(code="NEWS")
    acme = Contact.objects.get(name="Acme")
    persons = Contact.objects.bulk_create(
        Contact(no=f"PP{index:06d}", name=f"Person {index}", type=ContactType.PERSON, company=acme)
        for index in range(20_000)
    )
    ContactMailingGroup.objects.bulk_create(
        ContactMailingGroup(contact=person, mailing_group=news) for person in persons[::2]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE contacts_contact")
        cursor.execute("ANALYZE contacts_contactmailinggroup")
    segment = SegmentFactory(description="Plans")
    check = PlanCheck()
    with connection.execute_wrapper(check):
        preview = services.preview_add(
            segment=segment,
            filters={"type": "person", "industry_groups": ["RETAIL"], "mailing_groups": ["NEWS"]},
        )
    # 10,000 persons of Acme (a retailer) of the 20,000 hold it: more than the cap.
    assert (preview.matching, preview.capped) == (10_000, True)
    (count,) = [plan for plan in check.plans if "contacts_contactmailinggroup" in plan]
    # The count itself is the one aggregate: the holders are not grouped, sorted or
    # made unique first.
    assert count.count('"Node Type": "Aggregate"') == 1
    assert '"Node Type": "Sort"' not in count
    assert '"Node Type": "Unique"' not in count
