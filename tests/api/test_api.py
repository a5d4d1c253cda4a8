"""The integration API (docs/api.md): tokens, permissions, problem details, idempotent
POSTs, optimistic concurrency, rate limits and each endpoint."""

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api import services
from api.models import ApiToken, IdempotentRequest
from api.throttling import TokenRateThrottle
from campaigns.models import Campaign, InteractionLogEntry
from contacts.models import Contact
from core import roles
from core.models import AuditAction, AuditEntry, NumberSeries
from pricing.models import SalesType
from tests.factories.accounts import UserFactory
from tests.factories.campaigns import CampaignFactory
from tests.factories.contacts import CompanyFactory, PersonFactory
from tests.factories.scenarios import MID, campaign_with_segment, company, item, price

pytestmark = pytest.mark.django_db

CONTACTS = reverse("api:contact_list")
INTERACTIONS = reverse("api:interaction_list")
PRICES = reverse("api:best_price")


def contact_url(contact):
    return reverse("api:contact_detail", kwargs={"no": contact.no})


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    assert "detail" in body
    return body


# --- Tokens ----------------------------------------------------------------------------


def test_a_token_is_stored_only_as_its_hash(manager):
    token, key = services.create_api_token(user=manager, name="Web site")
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {stored.key_hash, stored.prefix, stored.name}
    assert key.startswith(stored.prefix)


def test_a_valid_token_authenticates_and_notes_its_last_use(manager):
    token, key = services.create_api_token(user=manager, name="Web site")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(CONTACTS).status_code == 200
    token.refresh_from_db()
    first = token.last_used
    assert first is not None
    client.get(CONTACTS)  # within the minute: not written again
    token.refresh_from_db()
    assert token.last_used == first


@pytest.mark.parametrize("state", ["expired", "revoked", "unknown", "no token"])
def test_a_token_that_is_not_valid_gets_401(manager, state):
    token, key = services.create_api_token(user=manager, name="Web site")
    if state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(
            expires=timezone.now() - datetime.timedelta(seconds=1)
        )
    elif state == "revoked":
        services.revoke_api_token(token=token, user=manager)
    elif state == "unknown":
        key = "mc_" + "x" * 43
    client = APIClient()
    if state != "no token":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = client.get(CONTACTS)
    assert_problem(response, 401)
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_user_revokes_only_their_own_tokens(manager, staff):
    token, _key = services.create_api_token(user=manager, name="Web site")
    with pytest.raises(PermissionDenied):
        services.revoke_api_token(token=token, user=staff)
    services.revoke_api_token(token=token, user=manager)
    with pytest.raises(ValidationError):
        services.revoke_api_token(token=token, user=manager)


def test_an_expiry_in_the_past_is_refused(manager):
    with pytest.raises(ValidationError):
        services.create_api_token(
            user=manager, name="Old", expires=timezone.now() - datetime.timedelta(days=1)
        )


def test_the_token_page_shows_the_key_once_and_revokes(client, viewer, staff):
    client.force_login(viewer)
    url = reverse("apitokens:token_list")
    response = client.post(url, {"name": "Spreadsheet", "expires_in": "30"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=viewer)
    key = response.context["key"]
    assert key.startswith(token.prefix)
    assert key in response.content.decode()
    assert key not in client.get(url).content.decode()  # shown once
    assert token.expires > timezone.now() + datetime.timedelta(days=29)
    # Another user's token: not found.
    other, _key = services.create_api_token(user=staff, name="Staff's")
    revoke_other = reverse("apitokens:token_revoke", kwargs={"pk": other.pk})
    assert client.post(revoke_other).status_code == 404
    client.post(reverse("apitokens:token_revoke", kwargs={"pk": token.pk}))
    token.refresh_from_db()
    other.refresh_from_db()
    assert token.revoked is not None
    assert other.revoked is None


def test_the_token_page_refuses_a_blank_name(client, viewer):
    client.force_login(viewer)
    response = client.post(reverse("apitokens:token_list"), {"name": "", "expires_in": ""})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


# --- Permissions and problem details -----------------------------------------------------


def test_a_read_only_user_reads_but_cannot_write(viewer, token_client):
    client = token_client(viewer)
    CompanyFactory(name="Adatum")
    assert client.get(CONTACTS).status_code == 200
    body = assert_problem(client.post(CONTACTS, {"type": "company", "name": "X"}), 403)
    assert body["title"] == "Permission denied."
    assert not Contact.objects.filter(name="X").exists()


def test_a_salesperson_may_log_an_interaction_but_not_change_a_contact(
    salesperson_user, token_client
):
    client = token_client(salesperson_user)
    contact = CompanyFactory(name="Adatum")
    response = client.post(INTERACTIONS, {"contact": contact.no, "description": "Call"})
    assert response.status_code == 201, response.content
    response = client.patch(contact_url(contact), {"name": "Other", "version": "x"})
    assert_problem(response, 403)


def test_a_refusal_of_a_service_is_a_problem_with_field_errors(manager, token_client):
    client = token_client(manager)
    response = client.post(CONTACTS, {"type": "company", "name": ""}, format="json")
    body = assert_problem(response, 400)
    assert "name" in body["errors"]


def test_an_unknown_record_is_404(manager, token_client):
    response = token_client(manager).get(reverse("api:contact_detail", kwargs={"no": "NONE"}))
    assert_problem(response, 404)


def test_the_rate_limit_answers_429_with_retry_after(manager, token_client, monkeypatch):
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"user": "2/min"})
    from django.core.cache import cache

    cache.clear()
    client = token_client(manager)
    assert client.get(CONTACTS).status_code == 200
    assert client.get(CONTACTS).status_code == 200
    response = client.get(CONTACTS)
    assert_problem(response, 429)
    assert int(response["Retry-After"]) > 0
    # Per token: another token of the same user has its own allowance.
    assert token_client(manager).get(CONTACTS).status_code == 200
    cache.clear()


# --- Contacts ------------------------------------------------------------------------------


def test_contacts_list_with_search_and_filters_in_pages_by_no(manager, token_client):
    client = token_client(manager)
    for name in ("Adatum", "Alpine", "Contoso"):
        CompanyFactory(name=name)
    response = client.get(CONTACTS, {"q": "a", "type": "company", "page_size": 1})
    assert response.status_code == 200
    body = response.json()
    assert [row["name"] for row in body["results"]] == ["Adatum"]
    second = client.get(body["next"]).json()
    assert [row["name"] for row in second["results"]] in (["Alpine"], ["Contoso"])


def test_contact_list_queries_do_not_grow_with_rows(
    manager, token_client, django_assert_max_num_queries
):
    client = token_client(manager)
    company = CompanyFactory(name="Adatum")
    for index in range(20):
        PersonFactory(name=f"Person {index}", company=company)
    with django_assert_max_num_queries(8):
        assert len(client.get(CONTACTS).json()["results"]) == 21


def test_a_typed_no_is_refused_when_the_series_does_not_allow_it(manager, token_client):
    NumberSeries.objects.filter(code=Contact.number_series).update(allow_manual=False)
    response = token_client(manager).post(CONTACTS, {"no": "X1", "type": "company", "name": "A"})
    assert "no" in assert_problem(response, 400)["errors"]
    assert not Contact.objects.exists()


def test_create_a_contact_through_the_service(manager, token_client):
    client = token_client(manager)
    company = CompanyFactory(name="Adatum", city="Utrecht")
    response = client.post(
        CONTACTS,
        {"type": "person", "name": "Ann", "company_no": company.no, "email": "ann@example.com"},
        format="json",
    )
    assert response.status_code == 201, response.content
    ann = Contact.objects.get(no=response.json()["no"])
    assert ann.company == company
    assert ann.city == "Utrecht"  # inherited from the company, the service's rule
    assert ann.history.count() == 1


def test_a_retried_post_with_the_same_idempotency_key_acts_once(manager, token_client):
    client = token_client(manager)
    data = {"type": "company", "name": "Once Ltd"}
    first = client.post(CONTACTS, data, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    again = client.post(CONTACTS, data, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Contact.objects.filter(name="Once Ltd").count() == 1
    # Another body with the same key: 422, nothing made.
    other = client.post(
        CONTACTS, {"type": "company", "name": "Twice"}, format="json", HTTP_IDEMPOTENCY_KEY="abc-1"
    )
    assert_problem(other, 422)
    assert not Contact.objects.filter(name="Twice").exists()
    # Without a key every POST acts.
    client.post(CONTACTS, data, format="json")
    assert Contact.objects.filter(name="Once Ltd").count() == 2
    assert IdempotentRequest.objects.count() == 1


def test_a_retry_while_the_first_request_is_still_acting_is_409(manager, token_client):
    """The first request claims the key before it acts (the unique constraint on user and
    key decides between two at once); a retry meanwhile is told to try again."""
    client = token_client(manager)
    data = {"type": "company", "name": "Busy Ltd"}
    client.post(CONTACTS, data, HTTP_IDEMPOTENCY_KEY="busy")
    IdempotentRequest.objects.filter(key="busy").update(status=None, body=None)  # acting
    assert_problem(client.post(CONTACTS, data, HTTP_IDEMPOTENCY_KEY="busy"), 409)
    assert Contact.objects.filter(name="Busy Ltd").count() == 1


def test_keys_are_per_user(manager, staff, token_client):
    data = {"type": "company", "name": "Shared key"}
    token_client(manager).post(CONTACTS, data, HTTP_IDEMPOTENCY_KEY="same")
    token_client(staff).post(CONTACTS, data, HTTP_IDEMPOTENCY_KEY="same")
    assert Contact.objects.filter(name="Shared key").count() == 2


def test_a_logged_in_browser_reads_with_its_session(client, viewer):
    client.force_login(viewer)
    CompanyFactory(name="Adatum")
    response = client.get(CONTACTS)
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["Adatum"]


def test_a_refused_post_is_not_kept_for_its_key(manager, token_client):
    client = token_client(manager)
    bad = client.post(CONTACTS, {"type": "company", "name": ""}, HTTP_IDEMPOTENCY_KEY="k")
    assert bad.status_code == 400
    assert not IdempotentRequest.objects.exists()


def test_update_with_the_version_read_and_a_stale_one_is_409(manager, token_client):
    client = token_client(manager)
    contact = CompanyFactory(name="Adatum")
    version = client.get(contact_url(contact)).json()["version"]
    response = client.patch(
        contact_url(contact), {"city": "Delft", "version": version}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["city"] == "Delft"
    assert response.json()["version"] != version
    stale = client.patch(contact_url(contact), {"city": "Gouda", "version": version})
    body = assert_problem(stale, 409)
    assert body["version"] == response.json()["version"]
    contact.refresh_from_db()
    assert contact.city == "Delft"


def test_an_update_without_a_version_is_refused(manager, token_client):
    contact = CompanyFactory(name="Adatum")
    response = token_client(manager).patch(contact_url(contact), {"city": "Delft"})
    assert "version" in assert_problem(response, 400)["errors"]


UPSERT = reverse("api:contact_upsert")


def test_upsert_by_no_creates_then_updates(manager, token_client):
    NumberSeries.objects.filter(code=Contact.number_series).update(allow_manual=True)
    client = token_client(manager)
    made = client.post(
        UPSERT, {"no": "ct900001", "type": "company", "name": "Adatum", "city": "Delft"}
    )
    assert made.status_code == 201, made.content
    no = made.json()["no"]
    assert no == "CT900001"
    response = client.post(UPSERT, {"no": no.lower(), "city": "Gouda"})
    assert response.status_code == 200, response.content
    contact = Contact.objects.get(no=no)
    assert (contact.name, contact.city) == ("Adatum", "Gouda")
    assert contact.history.count() == 2
    assert Contact.objects.count() == 1


def test_upsert_by_e_mail(manager, token_client):
    client = token_client(manager)
    ann = CompanyFactory(name="Ann's", email="ann@example.com")
    url = f"{UPSERT}?match=email"
    response = client.post(url, {"email": "ANN@example.com", "phone": "0151"})
    assert response.status_code == 200, response.content
    ann.refresh_from_db()
    assert ann.phone == "0151"
    made = client.post(url, {"email": "bob@example.com", "type": "company", "name": "Bob's"})
    assert made.status_code == 201
    CompanyFactory(name="Twin", email="bob@example.com")
    twice = client.post(url, {"email": "bob@example.com", "phone": "1"})
    assert "email" in assert_problem(twice, 400)["errors"]


def test_upsert_needs_the_match_value_and_the_change_permission(manager, token_client):
    assert "no" in assert_problem(token_client(manager).post(UPSERT, {"name": "X"}), 400)["errors"]
    contact = CompanyFactory(name="Adatum")
    sales = UserFactory(username="sales2", role=roles.SALESPERSON)
    sales.user_permissions.add(Permission.objects.get(codename="add_contact"))
    response = token_client(sales).post(UPSERT, {"no": contact.no, "name": "Taken"})
    assert_problem(response, 403)  # may add, may not change
    contact.refresh_from_db()
    assert contact.name == "Adatum"


# --- Campaigns -----------------------------------------------------------------------------


def test_campaigns_list_and_read(viewer, token_client):
    campaign = CampaignFactory(description="Spring", starting_date=MID)
    client = token_client(viewer)
    rows = client.get(reverse("api:campaign_list")).json()["results"]
    assert [row["no"] for row in rows] == [campaign.no]
    card = client.get(reverse("api:campaign_detail", kwargs={"no": campaign.no})).json()
    assert card["starting_date"] == MID.isoformat()
    assert card["status"] == campaign.status.code


def test_activate_and_deactivate_a_campaign(manager, staff, token_client):
    adatum = company("Adatum")
    campaign, _segment = campaign_with_segment(adatum, targets=[adatum])
    activate = reverse("api:campaign_activate", kwargs={"no": campaign.no})
    deactivate = reverse("api:campaign_deactivate", kwargs={"no": campaign.no})
    assert_problem(token_client(staff).post(activate), 403)  # the manager's permission
    client = token_client(manager)
    response = client.post(activate)
    assert response.status_code == 200, response.content
    assert response.json()["targets"] == 1
    assert response.json()["campaign"]["activated"] is True
    # The same audit entry as the page's button.
    assert AuditEntry.objects.filter(
        action=AuditAction.CAMPAIGN_ACTIVATED, object_id=str(campaign.pk), user=manager
    ).exists()
    response = client.post(deactivate)
    assert response.status_code == 200
    assert Campaign.objects.get(pk=campaign.pk).activated is False


def test_activating_a_campaign_without_targets_is_refused(manager, token_client):
    campaign = CampaignFactory()
    response = token_client(manager).post(
        reverse("api:campaign_activate", kwargs={"no": campaign.no})
    )
    body = assert_problem(response, 400)
    assert "no targets" in body["detail"]


# --- Interactions --------------------------------------------------------------------------


def test_log_a_web_forms_campaign_response(manager, token_client):
    client = token_client(manager)
    contact = CompanyFactory(name="Adatum")
    campaign = CampaignFactory()
    response = client.post(
        INTERACTIONS,
        {
            "contact": contact.no,
            "campaign": campaign.no,
            "campaign_response": True,
            "description": "Web form: spring offer",
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="form-42",
    )
    assert response.status_code == 201, response.content
    entry = InteractionLogEntry.objects.get()
    assert entry.campaign_response
    assert entry.campaign_entry is not None
    assert entry.user == manager
    client.post(
        INTERACTIONS,
        {
            "contact": contact.no,
            "campaign": campaign.no,
            "campaign_response": True,
            "description": "Web form: spring offer",
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="form-42",
    )
    assert InteractionLogEntry.objects.count() == 1
    rows = client.get(INTERACTIONS, {"campaign": campaign.no}).json()["results"]
    assert [row["id"] for row in rows] == [entry.pk]
    assert client.get(INTERACTIONS, {"contact": "NONE"}).json()["results"] == []


def test_an_interaction_for_an_unknown_contact_is_refused(manager, token_client):
    response = token_client(manager).post(INTERACTIONS, {"contact": "NONE"}, format="json")
    assert "contact" in assert_problem(response, 400)["errors"]


# --- Prices --------------------------------------------------------------------------------


def test_best_price_with_its_trace(viewer, token_client):
    adatum = company("Adatum")
    chair = item("100.00")
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="90.00")
    customer = adatum.customer
    response = token_client(viewer).get(
        PRICES, {"customer": customer.no, "item": chair.no, "quantity": "2", "date": "2026-06-15"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert Decimal(body["unit_price"]) == Decimal("90.00")
    assert Decimal(body["line_amount"]) == Decimal("180.00")
    assert body["candidates"]


def test_a_price_for_an_unknown_customer_is_refused(viewer, token_client):
    chair = item("100.00")
    response = token_client(viewer).get(PRICES, {"customer": "NONE", "item": chair.no})
    assert "customer" in assert_problem(response, 400)["errors"]
