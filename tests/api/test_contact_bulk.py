"""Bulk upsert of contacts and external ids (docs/api.md, Bulk upsert and external ids):
``POST /api/v1/contacts/bulk-upsert/`` creates and updates contacts set-based, all or
nothing, with the rules of ``save_contact``; an external id is unique where given."""

import factory
import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse

from api.models import IdempotentRequest
from contacts import services as contact_services
from contacts.importing import upsert as upsert_module
from contacts.importing.upsert import HISTORY_REASON, upsert_contacts
from contacts.models import Contact, ContactType
from core import audit, roles
from core.models import AuditAction, AuditEntry, NumberSeries
from core.search import search_text
from tests.api.test_api import assert_problem
from tests.factories.accounts import UserFactory
from tests.factories.contacts import CompanyFactory, PersonFactory
from tests.factories.salespeople import SalespersonFactory

pytestmark = pytest.mark.django_db

BULK = reverse("api:contact_bulk_upsert")
UPSERT = reverse("api:contact_upsert")
CONTACTS = reverse("api:contact_list")


def bulk(client, rows, match="external_id", **extra):
    return client.post(f"{BULK}?match={match}", {"contacts": rows}, format="json", **extra)


def errors_of(response):
    return assert_problem(response, 400)["errors"]


# --- Creating and updating ---------------------------------------------------------------


def test_bulk_upsert_creates_contacts_numbered_from_the_series(manager, token_client):
    series = NumberSeries.objects.get(code=Contact.number_series)
    before = series.last_number
    response = bulk(
        token_client(manager),
        [
            {"external_id": "shop-1", "name": "Adatum Jänsen", "city": "Delft"},
            {"external_id": "shop-2", "name": "Bikes", "type": "company", "email": "b@x.nl"},
        ],
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["updated"]) == (2, 0)
    nos = [row["no"] for row in body["contacts"]]
    assert [row["created"] for row in body["contacts"]] == [True, True]
    assert nos == [series.format(before + 1), series.format(before + 2)]
    adatum = Contact.objects.get(external_id="shop-1")
    assert (adatum.no, adatum.name, adatum.city) == (nos[0], "Adatum Jänsen", "Delft")
    assert adatum.search_text == search_text(adatum.no, "Adatum Jänsen", "", "Delft")
    assert Contact.objects.get(external_id="shop-2").email == "b@x.nl"
    # The list's search finds them (the search index is kept by the inserts).
    found = token_client(manager).get(f"{CONTACTS}?q=jansen").json()["results"]
    assert [row["no"] for row in found] == [nos[0]]


def test_bulk_upsert_updates_only_the_fields_sent(manager, token_client):
    adatum = CompanyFactory(name="Adatum", city="Delft", phone="015", external_id="A1")
    response = bulk(token_client(manager), [{"external_id": "A1", "city": "Gouda"}])
    assert response.status_code == 200, response.content
    assert response.json() == {
        "created": 0,
        "updated": 1,
        "contacts": [{"no": adatum.no, "created": False}],
    }
    adatum.refresh_from_db()
    assert (adatum.name, adatum.city, adatum.phone) == ("Adatum", "Gouda", "015")
    assert adatum.search_text == search_text(adatum.no, "Adatum", adatum.email, "Gouda")
    found = token_client(manager).get(f"{CONTACTS}?q=gouda").json()["results"]
    assert [row["no"] for row in found] == [adatum.no]


def test_bulk_upsert_mixed_answers_in_the_order_sent(manager, token_client):
    NumberSeries.objects.filter(code=Contact.number_series).update(allow_manual=True)
    first = CompanyFactory(name="First")
    second = CompanyFactory(name="Second")
    rows = [
        {"no": second.no.lower(), "name": "Second B.V."},
        {"no": "NEW-1", "name": "New one", "type": "company"},
        {"no": first.no, "phone": "123"},
    ]
    response = bulk(token_client(manager), rows, match="no")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "created": 1,
        "updated": 2,
        "contacts": [
            {"no": second.no, "created": False},
            {"no": "NEW-1", "created": True},
            {"no": first.no, "created": False},
        ],
    }
    assert Contact.objects.get(no="NEW-1").name == "New one"
    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.name, first.phone) == ("Second B.V.", "123")


def test_bulk_upsert_by_e_mail_ignores_case(manager, token_client):
    ann = CompanyFactory(name="Ann's", email="ann@example.com")
    response = bulk(
        token_client(manager),
        [{"email": "ANN@example.com", "phone": "0151"}, {"email": "bob@x.nl", "name": "Bob"}],
        match="email",
    )
    assert response.status_code == 200, response.content
    assert response.json()["contacts"] == [
        {"no": ann.no, "created": False},
        {"no": Contact.objects.get(email="bob@x.nl").no, "created": True},
    ]
    ann.refresh_from_db()
    assert (ann.phone, ann.email) == ("0151", "ANN@example.com")


def test_a_row_matching_several_contacts_by_e_mail_is_refused(manager, token_client):
    CompanyFactory(name="One", email="twin@example.com")
    CompanyFactory(name="Two", email="Twin@example.com")
    response = bulk(
        token_client(manager),
        [{"email": "x@example.com", "name": "X"}, {"email": "twin@example.com", "phone": "1"}],
        match="email",
    )
    assert list(errors_of(response)["contacts"]) == ["1"]
    assert errors_of(response)["contacts"]["1"]["email"]
    assert not Contact.objects.filter(email="x@example.com").exists()


def test_bulk_upsert_by_no_keeps_its_rules(manager, token_client):
    NumberSeries.objects.filter(code=Contact.number_series).update(allow_manual=False)
    response = bulk(token_client(manager), [{"no": "NEW-1", "name": "X"}], match="no")
    assert "no" in errors_of(response)["contacts"]["0"]
    assert (
        "no" in errors_of(bulk(token_client(manager), [{"name": "X"}], match="no"))["contacts"]["0"]
    )


# --- All or nothing ----------------------------------------------------------------------


def test_one_bad_row_refuses_the_whole_request(manager, token_client):
    adatum = CompanyFactory(name="Adatum", external_id="A1")
    series = NumberSeries.objects.get(code=Contact.number_series)
    count = Contact.objects.count()
    history = Contact.history.count()
    rows = [
        {"external_id": "A1", "name": "Changed"},
        {"external_id": "B1", "name": "New"},
        {"external_id": "C1", "name": "", "email": "not an address"},
        {"external_id": "D1", "name": "x" * 101},
    ]
    errors = errors_of(bulk(token_client(manager), rows))["contacts"]
    assert set(errors) == {"2", "3"}
    assert set(errors["2"]) == {"name", "email"}
    assert "100" in errors["3"]["name"][0]
    assert Contact.objects.count() == count
    assert Contact.history.count() == history
    adatum.refresh_from_db()
    assert adatum.name == "Adatum"
    assert NumberSeries.objects.get(pk=series.pk).last_number == series.last_number
    assert not AuditEntry.objects.filter(action=AuditAction.CONTACTS_IMPORTED).exists()


def test_values_of_the_wrong_kind_are_field_errors(manager, token_client):
    rows = [
        {"external_id": "A", "name": "A", "type": "robot"},
        {"external_id": "B", "name": ["B"], "exclude_from_segments": "maybe"},
        "not an object",
        {
            "external_id": "D",
            "name": "D",
            "type": "person",
            "salesperson": "NO",
            "company_no": "NO",
        },
        {"external_id": "E", "name": "bad\x00name", "language": "xx"},
    ]
    errors = errors_of(bulk(token_client(manager), rows))["contacts"]
    assert set(errors["0"]) == {"type"}
    assert set(errors["1"]) == {"name", "exclude_from_segments"}
    assert set(errors["2"]) == {"non_field_errors"}
    assert set(errors["3"]) == {"salesperson", "company_no"}
    assert set(errors["4"]) == {"name", "language"}


@pytest.mark.parametrize("size", [0, 10_001])
def test_an_empty_request_or_more_than_10000_contacts_is_refused(size, manager, token_client):
    rows = [{"external_id": f"X{i}", "name": "X"} for i in range(size)]
    assert "contacts" in errors_of(bulk(token_client(manager), rows))
    assert not Contact.objects.filter(external_id="X0").exists()


def test_a_body_without_a_list_and_an_unknown_match_are_refused(manager, token_client):
    client = token_client(manager)
    assert "contacts" in errors_of(client.post(BULK, {"contacts": "x"}, format="json"))
    assert "contacts" in errors_of(client.post(BULK, [1, 2], format="json"))
    assert "match" in errors_of(bulk(client, [{"name": "X"}], match="city"))


def test_the_same_match_value_twice_in_a_request_refuses_the_later_row(manager, token_client):
    rows = [
        {"external_id": "A1", "name": "First"},
        {"external_id": "B1", "name": "Other"},
        {"external_id": "A1", "name": "Again"},
    ]
    errors = errors_of(bulk(token_client(manager), rows))["contacts"]
    assert list(errors) == ["2"]
    assert "contact 0" in errors["2"]["external_id"][0]
    assert not Contact.objects.filter(external_id="A1").exists()


def test_the_same_external_id_on_two_rows_matched_by_e_mail_is_refused(manager, token_client):
    rows = [
        {"email": "a@x.nl", "name": "A", "external_id": "E1"},
        {"email": "b@x.nl", "name": "B", "external_id": "E1"},
    ]
    errors = errors_of(bulk(token_client(manager), rows, match="email"))["contacts"]
    assert list(errors) == ["1"]
    assert "external_id" in errors["1"]


def test_an_external_id_of_another_contact_is_refused(manager, token_client):
    owner = CompanyFactory(name="Owner", external_id="E1")
    other = CompanyFactory(name="Other", email="o@x.nl")
    response = bulk(token_client(manager), [{"email": "o@x.nl", "external_id": "E1"}], "email")
    message = errors_of(response)["contacts"]["0"]["external_id"][0]
    assert owner.no in message
    other.refresh_from_db()
    assert other.external_id == ""


# --- The rules of save_contact -----------------------------------------------------------


def test_a_persons_company_must_be_a_company(manager, token_client):
    person = PersonFactory(name="Pia")
    rows = [{"external_id": "P1", "name": "Piet", "type": "person", "company_no": person.no}]
    errors = errors_of(bulk(token_client(manager), rows))["contacts"]
    assert errors["0"]["company_no"] == [f"Contact {person.no} is not a company."]


def test_a_new_person_takes_blank_fields_from_its_company(manager, token_client):
    salesperson = SalespersonFactory(code="JO")
    company = CompanyFactory(name="Adatum", city="Delft", phone="015", salesperson=salesperson)
    rows = [
        {"external_id": "P1", "name": "Piet", "type": "person", "company_no": company.no},
        {"external_id": "P2", "name": "Ria", "type": "person", "company_no": company.no},
    ]
    rows[1]["city"] = "Gouda"
    assert bulk(token_client(manager), rows).status_code == 200
    piet = Contact.objects.get(external_id="P1")
    ria = Contact.objects.get(external_id="P2")
    assert (piet.company_id, piet.city, piet.phone, piet.salesperson_id) == (
        company.pk,
        "Delft",
        "015",
        salesperson.pk,
    )
    assert ria.city == "Gouda"


def test_a_person_may_name_a_company_made_by_the_same_request(manager, token_client):
    NumberSeries.objects.filter(code=Contact.number_series).update(allow_manual=True)
    rows = [
        {"no": "P-1", "name": "Piet", "type": "person", "company_no": "C-1"},
        {"no": "C-1", "name": "Adatum", "type": "company", "city": "Delft"},
    ]
    response = bulk(token_client(manager), rows, match="no")
    assert response.status_code == 200, response.content
    piet = Contact.objects.get(no="P-1")
    assert (piet.company.no, piet.city) == ("C-1", "Delft")


def test_a_company_with_persons_cannot_become_a_person(manager, token_client):
    company = CompanyFactory(name="Adatum", external_id="C1")
    PersonFactory(name="Piet", company=company, external_id="P1")
    client = token_client(manager)
    errors = errors_of(bulk(client, [{"external_id": "C1", "type": "person"}]))["contacts"]
    assert list(errors["0"]) == ["type"]
    # Its person moves to another company in the same request: then it may.
    CompanyFactory(name="Other", no="CT-OTHER")
    rows = [
        {"external_id": "C1", "type": "person"},
        {"external_id": "P1", "company_no": "CT-OTHER"},
    ]
    assert bulk(client, rows).status_code == 200
    company.refresh_from_db()
    assert company.type == ContactType.PERSON


def test_a_company_belongs_to_no_company_and_a_blank_name_is_refused(manager, token_client):
    other = CompanyFactory(name="Other")
    rows = [{"external_id": "C1", "name": "Adatum", "type": "company", "company_no": other.no}]
    assert bulk(token_client(manager), rows).status_code == 200
    assert Contact.objects.get(external_id="C1").company_id is None
    errors = errors_of(bulk(token_client(manager), [{"external_id": "C1", "name": " "}]))
    assert list(errors["contacts"]["0"]) == ["name"]


def test_a_blocked_salesperson_cannot_be_newly_chosen(manager, token_client):
    SalespersonFactory(code="OLD", blocked=True)
    rows = [{"external_id": "C1", "name": "Adatum", "salesperson": "old"}]
    errors = errors_of(bulk(token_client(manager), rows))["contacts"]
    assert list(errors["0"]) == ["salesperson"]


def test_an_upsert_does_not_change_a_no(manager, token_client):
    company = CompanyFactory(name="Adatum", external_id="C1")
    rows = [{"external_id": "C1", "no": "OTHER-NO"}]
    assert "no" in errors_of(bulk(token_client(manager), rows))["contacts"]["0"]
    company.refresh_from_db()
    assert company.no != "OTHER-NO"


# --- Permissions and retries -------------------------------------------------------------


def test_updating_needs_the_change_permission(token_client):
    adder = UserFactory(username="adder")
    adder.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_contact", "view_contact"])
    )
    company = CompanyFactory(name="Adatum", external_id="C1")
    client = token_client(adder)
    response = bulk(client, [{"external_id": "N1", "name": "New"}, {"external_id": "C1"}])
    assert_problem(response, 403)
    assert not Contact.objects.filter(external_id="N1").exists()
    assert bulk(client, [{"external_id": "N1", "name": "New"}]).status_code == 200
    company.refresh_from_db()
    assert company.name == "Adatum"


def test_marketing_staff_may_update_and_a_salesperson_may_not_add(staff, token_client):
    CompanyFactory(name="Adatum", external_id="C1")
    assert bulk(token_client(staff), [{"external_id": "C1", "city": "X"}]).status_code == 200
    sales = UserFactory(username="sales", role=roles.SALESPERSON)
    assert_problem(bulk(token_client(sales), [{"external_id": "N1", "name": "N"}]), 403)


def test_a_retried_bulk_upsert_with_the_same_key_acts_once(manager, token_client):
    client = token_client(manager)
    rows = [{"external_id": "N1", "name": "New"}, {"external_id": "N2", "name": "Newer"}]
    first = bulk(client, rows, HTTP_IDEMPOTENCY_KEY="sync-42")
    again = bulk(client, rows, HTTP_IDEMPOTENCY_KEY="sync-42")
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert first.json()["created"] == 2
    assert Contact.objects.filter(external_id__in=["N1", "N2"]).count() == 2
    assert Contact.history.filter(external_id="N1").count() == 1


def test_a_refused_bulk_upsert_keeps_nothing_for_its_key(manager, token_client):
    client = token_client(manager)
    bad = bulk(client, [{"external_id": "N1", "name": ""}], HTTP_IDEMPOTENCY_KEY="k")
    assert bad.status_code == 400
    assert not IdempotentRequest.objects.filter(key="k").exists()


# --- Set-based: history, audit and queries -----------------------------------------------


def test_history_and_audit_are_written_as_the_import_writes_them(manager, token_client):
    kept = CompanyFactory(name="Kept", external_id="K1")
    changed = CompanyFactory(name="Changed", external_id="C1")
    rows = [
        {"external_id": "K1", "name": "Kept"},
        {"external_id": "C1", "name": "Changed B.V."},
        {"external_id": "N1", "name": "New"},
    ]
    assert bulk(token_client(manager), rows).status_code == 200
    new = Contact.objects.get(external_id="N1")
    made = new.history.get()
    assert (made.history_type, made.history_user, made.history_change_reason) == (
        "+",
        manager,
        HISTORY_REASON,
    )
    newest = changed.history.order_by("-history_id").first()
    assert (newest.history_type, newest.name, newest.history_user) == ("~", "Changed B.V.", manager)
    assert kept.history.count() == 1  # unchanged: not written, no history row
    entry = AuditEntry.objects.get(action=AuditAction.CONTACTS_IMPORTED)
    assert (entry.user, entry.count) == (manager, 3)
    assert audit.detail_text(entry) == "Through the API: 1 created, 2 updated"


# The request's queries whatever the number of rows: the token and its user, the
# savepoints, the match (locked), the salespeople, the companies named, the
# external ids in use, the number series, two inserts, an update, two history inserts
# and the audit entry.
BULK_QUERIES = 17


@pytest.mark.parametrize("size", [1, 500])
def test_the_queries_do_not_grow_with_the_rows(
    size, manager, token_client, django_assert_max_num_queries
):
    company = CompanyFactory(name="Adatum")
    SalespersonFactory(code="JO")
    CompanyFactory.create_batch(
        size, external_id=factory.Iterator([f"OLD{i}" for i in range(size)])
    )
    client = token_client(manager)
    rows = [
        {"external_id": f"NEW{i}", "name": f"P {i}", "type": "person", "company_no": company.no}
        for i in range(size)
    ] + [{"external_id": f"OLD{i}", "city": "Gouda", "salesperson": "JO"} for i in range(size)]
    bulk(client, [{"external_id": "WARM", "name": "Warm"}])  # the token's first use
    with django_assert_max_num_queries(BULK_QUERIES):
        response = bulk(client, rows)
    assert response.status_code == 200, response.content
    assert (response.json()["created"], response.json()["updated"]) == (size, size)
    assert set(Contact.objects.filter(external_id__startswith="OLD").values_list("city")) == {
        ("Gouda",)
    }
    assert Contact.objects.filter(company=company, city=company.city).count() == size


# --- External ids through the single endpoints -------------------------------------------


def test_a_duplicate_external_id_through_the_single_endpoints_is_a_field_error(
    manager, token_client
):
    owner = CompanyFactory(name="Owner", external_id="E1")
    other = CompanyFactory(name="Other")
    client = token_client(manager)
    made = client.post(CONTACTS, {"name": "New", "external_id": "E1"}, format="json")
    assert errors_of(made) == {
        "external_id": [f"External ID E1 is already used by contact {owner.no}."]
    }
    version = client.get(reverse("api:contact_detail", kwargs={"no": other.no})).json()
    patched = client.patch(
        reverse("api:contact_detail", kwargs={"no": other.no}),
        {"external_id": "E1", "version": version["version"]},
        format="json",
    )
    assert list(errors_of(patched)) == ["external_id"]
    upserted = client.post(
        f"{UPSERT}?match=email", {"email": "n@x.nl", "name": "N", "external_id": "E1"}
    )
    assert list(errors_of(upserted)) == ["external_id"]


def test_upsert_by_external_id(manager, token_client):
    client = token_client(manager)
    made = client.post(f"{UPSERT}?match=external_id", {"external_id": "S-1", "name": "Shop"})
    assert made.status_code == 201, made.content
    assert made.json()["external_id"] == "S-1"
    changed = client.post(f"{UPSERT}?match=external_id", {"external_id": "S-1", "city": "Ede"})
    assert changed.status_code == 200
    assert changed.json()["no"] == made.json()["no"]
    assert Contact.objects.get(external_id="S-1").city == "Ede"
    blank = client.post(f"{UPSERT}?match=external_id", {"external_id": " ", "name": "X"})
    assert "external_id" in errors_of(blank)


def test_two_saves_racing_for_one_external_id_give_a_field_error(monkeypatch, manager):
    """The second save passed the checks before the first was stored: the unique
    constraint refuses it and the service names the field."""
    owner = CompanyFactory(name="Owner", external_id="E1")
    monkeypatch.setattr(contact_services, "_check_codes", lambda contact, m2m: None)
    monkeypatch.setattr(contact_services, "validate_record", lambda contact, stored: None)
    with pytest.raises(ValidationError) as refused:
        contact_services.save_contact(contact=Contact(name="Late", external_id="E1"), user=manager)
    assert refused.value.message_dict == {
        "external_id": [f"External ID E1 is already used by contact {owner.no}."]
    }


def test_a_bulk_upsert_racing_for_an_external_id_gives_a_row_error(monkeypatch, manager):
    CompanyFactory(name="Owner", external_id="E1")
    monkeypatch.setattr(upsert_module, "stored_external_ids", lambda values: [])
    count = Contact.objects.count()
    with pytest.raises(upsert_module.ContactRowsError) as refused:
        upsert_contacts(
            rows=[
                {"email": "a@x.nl", "name": "A"},
                {"email": "b@x.nl", "name": "B", "external_id": "E1"},
            ],
            match="email",
            user=manager,
        )
    assert list(refused.value.row_errors) == [1]
    assert list(refused.value.row_errors[1]) == ["external_id"]
    assert Contact.objects.count() == count


# --- The pages ---------------------------------------------------------------------------


def test_the_card_shows_and_the_edit_page_changes_the_external_id(manager_client):
    company = CompanyFactory(name="Adatum", external_id="SHOP-77")
    card = manager_client.get(reverse("contacts:contact_card", kwargs={"key": company.no}))
    assert card.status_code == 200
    assert "SHOP-77" in card.content.decode()
    edit = manager_client.get(reverse("contacts:contact_edit", kwargs={"key": company.no}))
    assert 'name="external_id"' in edit.content.decode()
