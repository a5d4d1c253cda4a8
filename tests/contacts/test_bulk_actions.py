"""Bulk actions on the contact and customer lists (docs/contacts.md, Bulk actions):
check boxes, select all matching the filter, the confirmation naming the count, the
actions (add to segment, assign salesperson, export, delete), their permissions, bad
input and their query counts at 10 and 10,000 rows."""

import io
import math

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Contact, ContactMailingGroup, ContactType, Customer
from core.generic_views.bulk import MAX_IDS
from core.models import AuditAction, AuditEntry
from segments import services as segment_services
from segments.models import Segment, SegmentCriteriaAction, SegmentLine
from tests.factories import (
    CompanyFactory,
    MailingGroupFactory,
    PersonFactory,
    SalespersonFactory,
    SegmentFactory,
    SegmentLineFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("contacts:contact_list")
CUSTOMER_LIST_URL = reverse("contacts:customer_list")


def make_contacts(count: int, city: str, salesperson=None) -> list[int]:
    """``count`` persons in ``city``, made set-based; their keys."""
    Contact.objects.bulk_create(
        Contact(
            no=f"{city[:4].upper()}{i:06d}",
            type=ContactType.PERSON,
            name=f"Person {i}",
            city=city,
            salesperson=salesperson,
        )
        for i in range(count)
    )
    return list(Contact.objects.filter(city=city).values_list("pk", flat=True))


def ids_value(ids) -> str:
    return ",".join(str(pk) for pk in ids)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def run(client, action, *, ids=None, query="", every=False, url=LIST_URL, **data):
    """Post ``action`` as the confirmation page does (answered and confirmed)."""
    posted = {"_bulk": action, "_query": query, "_step": "1", "_confirm": "yes", **data}
    if every:
        posted["_all"] = "1"
    else:
        posted["_selected"] = ids_value(ids or [])
    return client.post(url, posted)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


# --- The list ---------------------------------------------------------------------


def test_staff_see_check_boxes_and_the_actions(staff_client):
    CompanyFactory(name="Acme")
    content = staff_client.get(LIST_URL).content.decode()
    assert "data-bulk-row" in content
    assert 'value="add_to_segment"' in content
    assert 'value="assign_salesperson"' in content
    assert 'value="delete"' in content
    assert "Select the 1 row matching the filter" in content


@pytest.mark.parametrize("login", ["viewer", "salesperson_user"])
def test_read_only_and_salespeople_see_no_check_boxes_and_get_403(client, login, request):
    user = request.getfixturevalue(login)
    client.force_login(user)
    company = CompanyFactory(name="Acme")
    assert "data-bulk-row" not in client.get(LIST_URL).content.decode()
    for action in ("assign_salesperson", "delete", "export_csv", "add_to_segment"):
        assert run(client, action, ids=[company.pk]).status_code == 403
    assert Contact.objects.filter(pk=company.pk).exists()


def test_the_customer_list_offers_assign_and_export_but_not_delete(staff_client):
    CompanyFactory(name="Acme", as_customer=True)
    content = staff_client.get(CUSTOMER_LIST_URL).content.decode()
    assert 'value="assign_salesperson"' in content
    assert 'value="export_xlsx"' in content
    assert 'value="delete"' not in content
    assert 'value="add_to_segment"' not in content


# --- Confirmation -----------------------------------------------------------------


def test_choosing_an_action_asks_first_naming_the_count(staff_client):
    ids = make_contacts(3, "Delft")
    response = staff_client.post(LIST_URL, {"_bulk": "delete", "_selected": ids})
    assert response.status_code == 200
    assert "Delete 3 contacts?" in response.content.decode()
    assert Contact.objects.filter(pk__in=ids).count() == 3  # nothing happened yet


def test_a_form_action_asks_again_with_the_chosen_values(staff_client):
    ids = make_contacts(2, "Delft")
    segment = SegmentFactory(description="Spring")
    first = staff_client.post(LIST_URL, {"_bulk": "add_to_segment", "_selected": ids})
    assert "Add 2 contacts to a segment: choose the segment." in first.content.decode()
    second = staff_client.post(
        LIST_URL,
        {
            "_bulk": "add_to_segment",
            "_selected": ids_value(ids),
            "_step": "1",
            "segment": segment.no,
        },
    )
    assert f"Add 2 contacts to segment {segment.no} (Spring)?" in second.content.decode()
    assert not SegmentLine.objects.filter(segment=segment).exists()


def test_select_all_matching_takes_the_filter_not_the_page(staff_client):
    old, other = SalespersonFactory(code="OLD"), SalespersonFactory(code="OTHER")
    new = SalespersonFactory(code="NEW")
    make_contacts(60, "Delft", salesperson=old)  # more than a page of 50
    make_contacts(5, "Gouda", salesperson=other)
    # The list filtered by the salesperson the action changes: read before it changes.
    query = f"salesperson={old.pk}"
    response = run(staff_client, "assign_salesperson", every=True, query=query, salesperson="NEW")
    assert response.status_code == 302
    assert response["Location"] == f"{LIST_URL}?{query}"
    assert Contact.objects.filter(city="Delft", salesperson=new).count() == 60
    assert Contact.objects.filter(city="Gouda", salesperson=other).count() == 5
    assert Contact.history.filter(salesperson=new, history_type="~").count() == 60
    assert "60 records now have salesperson NEW." in messages_of(response)


# --- Bad input --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"_selected": "abc"}, "The selection is not a list of row numbers."),
        ({"_selected": "1.5"}, "The selection is not a list of row numbers."),
        ({"_selected": "-3"}, "The selection is not a list of row numbers."),
        ({"_selected": "١٢"}, "The selection is not a list of row numbers."),
        ({"_selected": ""}, "Select one or more rows first."),
        ({}, "Select one or more rows first."),
        ({"_selected": ids_value(range(1, MAX_IDS + 2))}, "At most 10,000 rows"),
        ({"_selected": "999999999"}, "None of the selected rows exist any more"),
        ({"_all": "1", "_query": "salesperson=999999"}, "The list's filter is no longer valid"),
        ({"_all": "1", "_query": "type=person"}, "No rows match the filter any more."),
        ({"_all": "1", "_query": "x" * 5000}, "The list's filter is too long"),
    ],
)
def test_bad_or_stale_selections_are_a_message_never_an_error(staff_client, data, message):
    CompanyFactory(name="Acme")
    response = staff_client.post(LIST_URL, {"_bulk": "delete", **data})
    assert response.status_code == 302
    assert any(text.startswith(message) for text in messages_of(response)), messages_of(response)
    assert Contact.objects.exists()


def test_an_unknown_action_is_a_message(staff_client):
    company = CompanyFactory(name="Acme")
    response = staff_client.post(LIST_URL, {"_bulk": "explode", "_selected": company.pk})
    assert response.status_code == 302
    assert messages_of(response) == ["Choose one of the actions."]


def test_keys_of_another_model_select_nothing_of_it(staff_client):
    salesperson = SalespersonFactory()
    Contact.objects.filter(pk=salesperson.pk).delete()  # the key is no contact's
    response = run(staff_client, "delete", ids=[salesperson.pk])
    assert response.status_code == 302
    assert messages_of(response)[0].startswith("None of the selected rows exist any more")


def test_stale_keys_are_left_out_and_said_so(staff_client):
    ids = make_contacts(3, "Delft")
    gone = ids[0]
    Contact.objects.filter(pk=gone).delete()
    response = staff_client.post(LIST_URL, {"_bulk": "delete", "_selected": ids})
    content = response.content.decode()
    assert "Delete 2 contacts?" in content
    assert "1 of the selected rows no longer exists" in content


def test_an_invalid_parameter_form_is_shown_again_with_its_error(staff_client):
    ids = make_contacts(2, "Delft")
    response = staff_client.post(
        LIST_URL,
        {
            "_bulk": "assign_salesperson",
            "_selected": ids_value(ids),
            "_step": "1",
            "salesperson": "NOPE",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


# --- The actions ------------------------------------------------------------------


def test_assign_salesperson_writes_history_and_an_audit_entry(staff_client, staff):
    old, new = SalespersonFactory(code="OLD"), SalespersonFactory(code="NEW")
    ids = make_contacts(4, "Delft", salesperson=old)
    Contact.objects.filter(pk=ids[0]).update(salesperson=new)
    response = run(staff_client, "assign_salesperson", ids=ids, salesperson="NEW")
    assert messages_of(response) == ["3 records now have salesperson NEW. 1 already had it."]
    assert Contact.objects.filter(pk__in=ids, salesperson=new).count() == 4
    history = Contact.history.filter(id=ids[1]).order_by("-history_id").first()
    assert (history.history_type, history.salesperson_id, history.history_user) == (
        "~",
        new.pk,
        staff,
    )
    assert not Contact.history.filter(id=ids[0]).exists()  # unchanged: no history row
    entry = AuditEntry.objects.get(action=AuditAction.SALESPERSON_ASSIGNED)
    assert (entry.count, entry.user) == (3, staff)


def test_a_blocked_salesperson_is_refused_by_the_service():
    from django.core.exceptions import ValidationError

    from contacts.services import assign_salesperson

    blocked = SalespersonFactory(code="GONE", blocked=True)
    make_contacts(2, "Delft")
    with pytest.raises(ValidationError, match="blocked"):
        assign_salesperson(records=Contact.objects.all(), salesperson=blocked)
    assert not Contact.objects.filter(salesperson=blocked).exists()


def test_assign_salesperson_on_the_customer_list(staff_client):
    new = SalespersonFactory(code="NEW")
    customer = CompanyFactory(name="Acme", as_customer=True).customer
    response = run(
        staff_client,
        "assign_salesperson",
        ids=[customer.pk],
        url=CUSTOMER_LIST_URL,
        salesperson="NEW",
    )
    assert response.status_code == 302
    assert Customer.objects.get(pk=customer.pk).salesperson == new


def test_delete_takes_codes_and_segment_lines_along(staff_client, staff):
    group = MailingGroupFactory(code="NEWS")
    company = CompanyFactory(name="Acme", mailing_groups=[group])
    person = PersonFactory(name="Jan", company=company)
    segment = SegmentFactory()
    SegmentLineFactory(segment=segment, contact=person)
    SegmentLineFactory(segment=segment, contact=CompanyFactory(name="Stays"))
    segment_services.refresh_line_totals(segment)
    response = run(staff_client, "delete", ids=[company.pk, person.pk])
    assert messages_of(response) == ["2 contacts deleted."]
    assert not Contact.objects.filter(pk__in=[company.pk, person.pk]).exists()
    assert not ContactMailingGroup.objects.filter(contact_id=company.pk).exists()
    assert Segment.objects.get(pk=segment.pk).line_count == 1
    assert Contact.history.filter(id=person.pk, history_type="-").count() == 1
    entry = AuditEntry.objects.get(action=AuditAction.RECORDS_DELETED)
    assert (entry.count, entry.user) == (2, staff)


def test_delete_names_contacts_in_use_and_deletes_nothing(staff_client):
    customer = CompanyFactory(name="Acme", as_customer=True)
    company = CompanyFactory(name="Parent")
    PersonFactory(name="Jan", company=company)  # not selected: the company is in use
    free = CompanyFactory(name="Free")
    response = run(staff_client, "delete", ids=[customer.pk, company.pk, free.pk])
    [message] = messages_of(response)
    assert message.startswith("Nothing was deleted.")
    assert "Acme" in message
    assert "customers" in message
    assert "Parent" in message
    assert Contact.objects.filter(pk__in=[customer.pk, company.pk, free.pk]).count() == 3
    assert not AuditEntry.objects.filter(action=AuditAction.RECORDS_DELETED).exists()


def test_export_the_selection_as_excel(staff_client):
    from openpyxl import load_workbook

    ids = make_contacts(5, "Delft")
    response = run(staff_client, "export_xlsx", ids=ids[:2])
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert len(rows) == 3  # the header and the two selected
    assert rows[1][0] == "DELF000000"
    assert AuditEntry.objects.get(action=AuditAction.SELECTION_EXPORTED).count == 2


def test_add_to_segment_is_a_criteria_action_that_go_back_undoes(staff_client, staff):
    ids = make_contacts(3, "Delft")
    segment = SegmentFactory()
    response = run(staff_client, "add_to_segment", ids=ids, segment=segment.no)
    assert messages_of(response) == [f"3 contacts added to segment {segment.no}."]
    action = SegmentCriteriaAction.objects.get(segment=segment)
    assert action.filters == {"contacts": ["DELF000000", "DELF000001", "DELF000002"]}
    assert SegmentLine.objects.filter(segment=segment).count() == 3
    segment_services.go_back(segment=segment, user=staff)
    assert not SegmentLine.objects.filter(segment=segment).exists()
    assert not SegmentCriteriaAction.objects.filter(segment=segment).exists()


def test_add_every_matching_contact_keeps_the_filter_as_the_criteria(staff_client):
    delft = SalespersonFactory(code="DELFT")
    make_contacts(4, "Delft", salesperson=delft)
    make_contacts(2, "Gouda")
    segment = SegmentFactory()
    query = f"salesperson={delft.pk}"
    run(staff_client, "add_to_segment", every=True, query=query, segment=segment.no)
    action = SegmentCriteriaAction.objects.get(segment=segment)
    assert action.filters == {"contact_list": query}
    assert set(segment.lines.values_list("contact__city", flat=True)) == {"Delft"}
    assert segment.lines.count() == 4


# --- Queries ----------------------------------------------------------------------


def _queries(client, action, ids, **data) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = run(client, action, ids=ids, **data)
    assert response.status_code in (200, 302), response
    if action.startswith("export"):
        b"".join(response.streaming_content)
    # PostgreSQL's statistics are refreshed after a large insert (core.sql): not per row.
    return len([q for q in captured.captured_queries if not q["sql"].startswith("ANALYZE")])


def test_every_action_takes_the_same_queries_for_10_or_10000_rows(staff_client):
    SalespersonFactory(code="NEW")
    small_ids = make_contacts(10, "Small")
    large_ids = make_contacts(10_000, "Large")
    counts = {}
    for action, data in [
        ("add_to_segment", {}),
        ("assign_salesperson", {"salesperson": "NEW"}),
        ("export_csv", {}),  # Excel reads the rows the same way, only slower
        ("delete", {}),
    ]:
        for size, ids in (("small", small_ids), ("large", large_ids)):
            if action == "add_to_segment":
                data = {"segment": SegmentFactory().no}
            counts[action, size] = _queries(staff_client, action, ids, **data)
    for action in ("add_to_segment", "assign_salesperson", "delete"):
        assert counts[action, "small"] == counts[action, "large"], counts
    # An export reads its rows in keyset chunks of 2,000 (core.pagination.iterate).
    assert counts["export_csv", "large"] <= counts["export_csv", "small"] + math.ceil(
        10_000 / 2_000
    )
    assert not Contact.objects.filter(city__in=["Small", "Large"]).exists()


def test_a_confirmation_posted_twice_runs_once(staff_client):
    ids = make_contacts(2, "Delft")
    segment = SegmentFactory()
    token = "t" * 22
    for _attempt in range(2):
        run(staff_client, "add_to_segment", ids=ids, segment=segment.no, _submit_once=token)
    assert SegmentCriteriaAction.objects.filter(segment=segment).count() == 1
