"""The segment routes of the API (docs/api.md, Segments): segments, their lines, the
criteria actions through the same services and forms as the segment card, and the
logged segments with their delivery ledger."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api.models import IdempotentRequest
from contacts.models import CorrespondenceType
from core.models import AuditAction, AuditEntry
from mailings.consent import record_opt_out
from mailings.models import DeliveryState, EmailDelivery, OptOutSource
from segments import services
from segments.models import Segment, SegmentCriteriaAction, SegmentLine
from segments.segment_logging import log_segment
from tests.api.test_api import assert_problem
from tests.factories import CampaignFactory, World, make_template, segment_to_log
from tests.factories.segments import LoggedSegmentFactory
from tests.segments.conftest import contact_ids

pytestmark = pytest.mark.django_db

SEGMENTS = reverse("api:segment_list")
LOGGED = reverse("api:logged_segment_list")


def segment_url(segment, name="segment_detail"):
    return reverse(f"api:{name}", kwargs={"no": segment.no})


def logged_url(logged, name="logged_segment_detail"):
    return reverse(f"api:{name}", kwargs={"pk": logged.pk})


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def campaign(db):
    return CampaignFactory()


@pytest.fixture
def contacts(world):
    """Acme (a customer) with Ann and Bob, Bolt (a prospect) with Cat; Dan excluded."""
    acme = world.company("Acme", relations=["CUST"], city="Utrecht")
    bolt = world.company("Bolt", relations=["PROS"], city="Delft")
    return {
        "acme": acme,
        "bolt": bolt,
        "ann": world.person("Ann", acme, jobs=["PURCHASE"], city="Utrecht"),
        "bob": world.person("Bob", acme, jobs=["IT"], city="Utrecht"),
        "cat": world.person("Cat", bolt, jobs=["PURCHASE"], city="Delft"),
        "dan": world.person("Dan", bolt, exclude_from_segments=True),
    }


def new_segment(**fields):
    segment = Segment(description=fields.pop("description", "Buyers"), **fields)
    services.save_segment(segment=segment)
    return segment


# --- Reading segments ----------------------------------------------------------------


def test_segment_list_pages_by_no_with_the_list_filters(manager, token_client, campaign):
    first = new_segment(campaign=campaign, description="Spring")
    second = new_segment(description="Summer")
    client = token_client(manager)
    body = client.get(SEGMENTS, {"page_size": 1}).json()
    assert [row["no"] for row in body["results"]] == [first.no]
    assert body["results"][0]["campaign"] == campaign.no
    following = client.get(body["next"]).json()
    assert [row["no"] for row in following["results"]] == [second.no]
    assert following["next"] is None
    filtered = client.get(SEGMENTS, {"campaign": campaign.pk}).json()["results"]
    assert [row["no"] for row in filtered] == [first.no]
    searched = client.get(SEGMENTS, {"q": "summ"}).json()["results"]
    assert [row["no"] for row in searched] == [second.no]


def test_segment_detail_has_its_lines_count_steps_and_version(
    manager, token_client, contacts, campaign
):
    segment = new_segment(campaign=campaign)
    services.add_contacts(segment=segment, filters={"type": "person"})
    services.reduce_contacts(segment=segment, filters={"name": "Bob"})
    body = token_client(manager).get(segment_url(segment)).json()
    assert body["no"] == segment.no
    assert body["campaign"] == campaign.no
    assert body["line_count"] == 2  # Ann and Cat: Dan is excluded, Bob reduced
    steps = body["criteria_actions"]
    assert [(s["sequence"], s["action"], s["lines_added"], s["lines_removed"]) for s in steps] == [
        (1, "add", 3, 0),
        (2, "reduce", 0, 1),
    ]
    assert steps[0]["filters"] == {"type": "person"}
    assert steps[0]["summary"] == "type = Person"
    assert len(body["version"]) == 32


def test_segment_detail_of_an_unknown_no_is_404(manager, token_client):
    response = token_client(manager).get(reverse("api:segment_detail", kwargs={"no": "NOPE"}))
    assert_problem(response, 404)


def test_segment_lines_page_by_keyset_in_line_order(manager, token_client, contacts, campaign):
    segment = new_segment(campaign=campaign, campaign_target=True)
    services.add_contacts(segment=segment, filters={"type": "person"})
    services.add_contacts(segment=segment, filters={"no": contacts["acme"].no})
    client = token_client(manager)
    seen = []
    url = segment_url(segment, "segment_lines") + "?page_size=2"
    pages = 0
    while url:
        body = client.get(url).json()
        seen.extend(body["results"])
        url = body["next"]
        pages += 1
    assert pages == 2
    assert [row["contact_no"] for row in seen] == [
        contacts[name].no for name in ("ann", "bob", "cat", "acme")
    ]
    ann = seen[0]
    assert ann["contact_name"] == "Ann"
    assert ann["contact_type"] == "person"
    assert ann["company_no"] == contacts["acme"].no
    assert ann["campaign"] == campaign.no
    assert ann["campaign_target"] is True
    assert ann["added_by"] == 1
    assert seen[3]["added_by"] == 2
    # Back from the last page.
    last = client.get(segment_url(segment, "segment_lines") + "?page_size=2").json()
    last = client.get(last["next"]).json()
    back = client.get(last["previous"]).json()
    assert [row["contact_no"] for row in back["results"]] == [
        contacts["ann"].no,
        contacts["bob"].no,
    ]


def test_a_forged_lines_cursor_is_404(manager, token_client):
    segment = new_segment()
    response = token_client(manager).get(segment_url(segment, "segment_lines"), {"cursor": "x"})
    assert_problem(response, 404)


def test_lines_page_queries_do_not_grow_with_the_segment(
    manager, token_client, world, campaign, django_assert_max_num_queries
):
    client = token_client(manager)
    client.get(SEGMENTS)  # the token's first use is written once
    counts = []
    for size in (3, 60):
        company = world.company(f"Co{size}")
        for index in range(size):
            world.person(f"S{size}-{index}", company)
        segment = new_segment(campaign=campaign, description=f"{size}")
        services.add_contacts(segment=segment, filters={"name": f"S{size}-*"})
        with CaptureQueriesContext(connection) as queries:
            body = client.get(segment_url(segment, "segment_lines")).json()
        assert len(body["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(6):
        client.get(segment_url(segment, "segment_lines"), {"page_size": 10})


def test_lines_page_reads_the_segment_and_id_index_as_the_card(manager, token_client, contacts):
    """Ordered by (segment, id) over a range on the segment, as the segment card's lines
    (``SegmentLine.objects.of_segment_in_order``): the index serves the order, so a
    page costs the same at the end of a large segment as at its start."""
    segment = new_segment()
    services.add_contacts(segment=segment, filters={"type": "person"})
    client = token_client(manager)
    first = client.get(segment_url(segment, "segment_lines"), {"page_size": 1}).json()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(first["next"]).json()["results"]
    qn = connection.ops.quote_name
    table = qn(SegmentLine._meta.db_table)
    lines_page = next(q["sql"] for q in queries if f"FROM {table}" in q["sql"])
    column = f"{table}.{qn('segment_id')}"
    assert f"{column} >=" in lines_page
    assert f"{column} <=" in lines_page
    assert f"ORDER BY {column} ASC, {table}.{qn('id')} ASC" in lines_page
    assert "OFFSET" not in lines_page


def test_segment_list_and_detail_queries_are_fixed(
    manager, token_client, contacts, campaign, django_assert_max_num_queries
):
    client = token_client(manager)
    client.get(SEGMENTS)
    for index in range(5):
        segment = new_segment(campaign=campaign, description=f"S{index}")
        services.add_contacts(segment=segment, filters={"type": "person"})
        services.reduce_contacts(segment=segment, filters={"name": "Bob"})
    with django_assert_max_num_queries(6):
        assert len(client.get(SEGMENTS).json()["results"]) == 5
    with django_assert_max_num_queries(6):
        assert len(client.get(segment_url(segment)).json()["criteria_actions"]) == 2


# --- Criteria actions --------------------------------------------------------------------


def test_add_contacts_makes_the_lines_the_page_makes(
    manager, manager_client, token_client, contacts
):
    criteria = {"type": "person", "business_relations": ["CUST"], "city": "Utrecht|Delft"}
    by_api = new_segment(description="API")
    by_page = new_segment(description="Page")
    response = token_client(manager).post(segment_url(by_api, "segment_add_contacts"), criteria)
    assert response.status_code == 200, response.content
    page = manager_client.post(
        reverse("segments:segment_add_contacts", kwargs={"key": by_page.no}), criteria
    )
    assert page.status_code == 302
    assert contact_ids(by_api) == contact_ids(by_page) == {contacts["ann"].id, contacts["bob"].id}
    body = response.json()
    assert body["added"] == 2
    assert body["removed"] == 0
    assert body["segment"]["line_count"] == 2
    assert body["action"]["sequence"] == 1
    assert body["action"]["filters"] == SegmentCriteriaAction.objects.get(segment=by_page).filters
    entry = AuditEntry.objects.filter(action=AuditAction.SEGMENT_CONTACTS_ADDED).first()
    assert entry is not None
    assert entry.user == manager


def test_add_contacts_takes_the_options_of_the_page(manager, token_client, contacts):
    segment = new_segment()
    client = token_client(manager)
    url = segment_url(segment, "segment_add_contacts")
    body = client.post(
        url, {"no": contacts["bolt"].no, "expand_companies": True, "ignore_exclusion": True}
    ).json()
    assert body["added"] == 2  # Cat and Dan; Bolt itself dropped for its persons
    assert contact_ids(segment) == {contacts["cat"].id, contacts["dan"].id}
    renewed = client.post(url, {"name": "Cat", "allow_existing": True}).json()
    assert (renewed["added"], renewed["removed"]) == (1, 1)


def test_add_contacts_takes_picked_contact_nos(manager, token_client, contacts):
    segment = new_segment()
    nos = [contacts["ann"].no.lower(), contacts["cat"].no]
    body = (
        token_client(manager)
        .post(segment_url(segment, "segment_add_contacts"), {"contacts": nos})
        .json()
    )
    assert body["added"] == 2
    assert contact_ids(segment) == {contacts["ann"].id, contacts["cat"].id}


def test_reduce_refine_and_go_back_act_as_the_services(manager, token_client, contacts):
    segment = new_segment()
    twin = new_segment(description="Twin")
    for target in (segment, twin):
        services.add_contacts(segment=target, filters={"type": "person"})
    client = token_client(manager)

    body = client.post(
        segment_url(segment, "segment_reduce"), {"job_responsibilities": ["IT"]}
    ).json()
    result = services.reduce_contacts(segment=twin, filters={"job_responsibilities": ["IT"]})
    assert body["removed"] == result.removed == 1
    assert contact_ids(segment) == contact_ids(twin)

    body = client.post(
        segment_url(segment, "segment_refine"), {"business_relations": ["PROS"]}
    ).json()
    result = services.refine_contacts(segment=twin, filters={"business_relations": ["PROS"]})
    assert body["removed"] == result.removed == 1
    assert contact_ids(segment) == contact_ids(twin) == {contacts["cat"].id}
    assert body["segment"]["line_count"] == 1
    assert [step["action"] for step in body["segment"]["criteria_actions"]] == [
        "add",
        "reduce",
        "refine",
    ]

    body = client.post(segment_url(segment, "segment_go_back")).json()
    assert (body["added"], body["removed"]) == (1, 0)  # Ann restored
    assert body["action"] is None
    assert contact_ids(segment) == {contacts["ann"].id, contacts["cat"].id}
    assert len(body["segment"]["criteria_actions"]) == 2


def test_reduce_takes_entire_companies(manager, token_client, contacts):
    segment = new_segment()
    services.add_contacts(
        segment=segment, filters={}, allow_related_companies=True, ignore_exclusion=True
    )
    body = (
        token_client(manager)
        .post(
            segment_url(segment, "segment_reduce"),
            {"no": contacts["acme"].no, "entire_companies": True},
        )
        .json()
    )
    assert body["removed"] == 3
    assert contacts["ann"].id not in contact_ids(segment)


def test_go_back_without_a_step_is_400(manager, token_client):
    segment = new_segment()
    body = assert_problem(token_client(manager).post(segment_url(segment, "segment_go_back")), 400)
    assert "no criteria action to undo" in body["detail"]


@pytest.mark.parametrize(
    ("criteria", "field"),
    [
        ({"name": "A|"}, "name"),
        ({"city": ".."}, "city"),
        ({"type": "robot"}, "type"),
        ({"salesperson": "NOBODY"}, "salesperson"),
        ({"business_relations": ["NOPE"]}, "business_relations"),
        ({"business_relations": "CUST"}, "business_relations"),
        ({"interaction_date_from": "2026-13-45"}, "interaction_date_from"),
        (
            {"interaction_date_from": "2026-03-01", "interaction_date_to": "2026-01-01"},
            "interaction_date_to",
        ),
        ({"logged_segment": 0}, "logged_segment"),
        ({"logged_segment": "many"}, "logged_segment"),
        ({"expand_companies": "perhaps"}, "expand_companies"),
        ({"contacts": "C0001"}, "contacts"),
        ({"nmae": "Ann"}, "nmae"),
    ],
)
def test_invalid_criteria_are_400_with_the_field_and_change_nothing(
    manager, token_client, contacts, criteria, field
):
    segment = new_segment()
    response = token_client(manager).post(segment_url(segment, "segment_add_contacts"), criteria)
    body = assert_problem(response, 400)
    assert field in body["errors"], body
    assert not segment.lines.exists()
    assert not SegmentCriteriaAction.objects.filter(segment=segment).exists()


def test_an_option_of_another_action_is_refused(manager, token_client, contacts):
    segment = new_segment()
    response = token_client(manager).post(
        segment_url(segment, "segment_reduce"), {"expand_companies": True}
    )
    assert "expand_companies" in assert_problem(response, 400)["errors"]


def test_criteria_that_are_not_an_object_are_400(manager, token_client):
    segment = new_segment()
    response = token_client(manager).post(
        segment_url(segment, "segment_add_contacts"), ["type"], format="json"
    )
    assert "non_field_errors" in assert_problem(response, 400)["errors"]


def test_an_action_on_an_unknown_segment_is_404(manager, token_client):
    response = token_client(manager).post(
        reverse("api:segment_add_contacts", kwargs={"no": "NOPE"}), {}
    )
    assert_problem(response, 404)


def test_a_retried_action_with_the_same_key_acts_once(manager, token_client, contacts):
    segment = new_segment()
    client = token_client(manager)
    url = segment_url(segment, "segment_add_contacts")
    headers = {"HTTP_IDEMPOTENCY_KEY": "add-buyers-1"}
    first = client.post(url, {"type": "person"}, **headers)
    services.reduce_contacts(segment=segment, filters={"name": "Ann"})
    again = client.post(url, {"type": "person"}, **headers)
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert SegmentCriteriaAction.objects.filter(segment=segment, action="add").count() == 1
    assert contacts["ann"].id not in contact_ids(segment)  # not added a second time
    assert IdempotentRequest.objects.filter(user=manager).count() == 1
    other = client.post(url, {"type": "company"}, **headers)
    assert_problem(other, 422)


def test_a_refused_action_keeps_no_idempotent_answer(manager, token_client):
    segment = new_segment()
    client = token_client(manager)
    headers = {"HTTP_IDEMPOTENCY_KEY": "back-1"}
    assert_problem(client.post(segment_url(segment, "segment_go_back"), **headers), 400)
    assert not IdempotentRequest.objects.filter(user=manager, key="back-1").exists()


# --- Permissions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "reads", "acts"),
    [
        ("manager", True, True),
        ("staff", True, True),
        ("salesperson_user", True, False),
        ("viewer", True, False),
    ],
)
def test_roles_read_and_act_as_on_the_pages(request, token_client, contacts, role, reads, acts):
    user = request.getfixturevalue(role)
    segment = new_segment()
    logged = LoggedSegmentFactory()
    client = token_client(user)
    for url in (
        SEGMENTS,
        segment_url(segment),
        segment_url(segment, "segment_lines"),
        LOGGED,
        logged_url(logged),
        logged_url(logged, "logged_segment_deliveries"),
    ):
        assert client.get(url).status_code == (200 if reads else 403), url
    response = client.post(segment_url(segment, "segment_add_contacts"), {"type": "person"})
    assert response.status_code == (200 if acts else 403)
    assert segment.lines.exists() is acts


# --- Logged segments and their delivery ledger ---------------------------------------


@pytest.fixture
def logged(world, campaign):
    """Segment of P0…P4 logged with e-mails; P4 opted out (skipped in the ledger)."""
    template = make_template("EMAIL", CorrespondenceType.EMAIL)
    segment = segment_to_log(world, campaign, template, names=tuple(f"P{i}" for i in range(5)))
    p4 = segment.lines.get(contact__name="P4").contact
    record_opt_out(contact=p4, source=OptOutSource.STAFF)
    return log_segment(segment=segment, send_attachments=True).logged_segment


def test_logged_segment_list_pages_newest_first_with_its_filters(manager, token_client):
    older = LoggedSegmentFactory(description="Spring")
    newer = LoggedSegmentFactory(description="Summer", canceled=True)
    client = token_client(manager)
    body = client.get(LOGGED, {"page_size": 1}).json()
    assert [row["entry_no"] for row in body["results"]] == [newer.pk]
    assert [row["entry_no"] for row in client.get(body["next"]).json()["results"]] == [older.pk]
    canceled = client.get(LOGGED, {"canceled": "false"}).json()["results"]
    assert [row["entry_no"] for row in canceled] == [older.pk]


def test_logged_segment_detail_counts_its_ledger(manager, token_client, logged, campaign):
    body = token_client(manager).get(logged_url(logged)).json()
    assert body["segment_no"] == logged.segment_no
    assert body["figures"]["count"] == 5
    assert body["figures"]["emails"] == 5
    assert [entry["campaign"] for entry in body["campaign_entries"]] == [campaign.no]
    deliveries = body["deliveries"]
    assert deliveries["total"] == 5
    assert deliveries["queued"] == 4
    assert deliveries["skipped"] == 1
    assert deliveries["skipped_reasons"] == {"opted_out": 1}


def test_deliveries_page_the_ledger_and_filter_by_state(manager, token_client, logged):
    client = token_client(manager)
    url = logged_url(logged, "logged_segment_deliveries")
    body = client.get(url, {"page_size": 3}).json()
    rest = client.get(body["next"]).json()
    rows = body["results"] + rest["results"]
    ledger = list(EmailDelivery.objects.of_logged_segment(logged.pk).order_by("interaction_id"))
    assert [row["interaction"] for row in rows] == [d.interaction_id for d in ledger]
    # Logging makes the interactions set-based, in an order of the database's choosing.
    p0 = next(row for row in rows if row["contact_name"] == "P0")
    assert p0["address"] == "p0@acme.example"
    assert sorted(row["contact_name"] for row in rows) == [f"P{i}" for i in range(5)]
    skipped = client.get(url, {"state": DeliveryState.SKIPPED}).json()["results"]
    assert [(row["contact_name"], row["skip_reason"]) for row in skipped] == [("P4", "opted_out")]
    assert "state" in assert_problem(client.get(url, {"state": "lost"}), 400)["errors"]


def test_deliveries_queries_do_not_grow_with_the_ledger(
    manager, token_client, logged, django_assert_max_num_queries
):
    client = token_client(manager)
    client.get(LOGGED)
    with django_assert_max_num_queries(6):
        assert (
            len(client.get(logged_url(logged, "logged_segment_deliveries")).json()["results"]) == 5
        )
    with django_assert_max_num_queries(10):
        client.get(logged_url(logged))


def test_a_deliveries_page_reads_the_ledger_in_order_from_an_index(manager, token_client, logged):
    """The ledger's order is the (logged segment, interaction) index's: a page of a
    large ledger is read from the index, never sorted first."""
    client = token_client(manager)
    url = logged_url(logged, "logged_segment_deliveries")
    first = client.get(url, {"page_size": 2}).json()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(first["next"]).json()["results"]
    table = EmailDelivery._meta.db_table
    page = next(q["sql"] for q in queries if f'FROM "{table}"' in q["sql"])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {page}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {page}")
        plan = " ".join(str(part) for row in cursor.fetchall() for part in row)
    assert "delivery_segment_order_idx" in plan, plan
    assert "Sort" not in plan, plan
    assert "TEMP B-TREE" not in plan, plan


def test_an_unknown_logged_segment_is_404(manager, token_client):
    missing = reverse("api:logged_segment_detail", kwargs={"pk": 999999})
    assert_problem(token_client(manager).get(missing), 404)
    deliveries = reverse("api:logged_segment_deliveries", kwargs={"pk": 999999})
    assert_problem(token_client(manager).get(deliveries), 404)
