"""What the Schemathesis run against a live server (.ci/api-fuzz, docs/api.md, Fuzzed
from its own schema) found, each kept fixed by a fast test here; and the OpenAPI
document's problem responses and links that the run checks and follows."""

import io
import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from api.models import ApiToken
from tests.factories.campaigns import CampaignFactory
from tests.factories.contacts import CompanyFactory

pytestmark = pytest.mark.django_db

CONTACTS = reverse("api:contact_list")


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    return body


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


# --- Errors answered outside the API's views are problem documents too ---------------


def test_a_nul_in_an_api_query_is_a_problem_not_an_html_page(token_client, manager):
    # core.middleware.RejectNulBytesMiddleware refuses it before the view: it answered
    # the site's HTML error page (Schemathesis: undocumented Content-Type text/html).
    response = token_client(manager).get(CONTACTS, {"city": "Amster\x00dam"})
    assert_problem(response, 400)


def test_a_multipart_post_without_its_boundary_is_a_problem(token_client, manager):
    response = token_client(manager).generic(
        "POST", CONTACTS, b"x", content_type="multipart/form-data"
    )
    assert_problem(response, 400)


def test_a_path_that_names_no_route_is_a_problem(token_client, manager):
    # A No. with a slash in it (``null%2Cnull/`` and ``a%2Fb``) matches no route:
    # Django's 404 page answered it.
    response = token_client(manager).get("/api/v1/contacts/a/b/")
    assert_problem(response, 404)


def test_the_pages_keep_their_html_error_pages(manager_client):
    response = manager_client.get(reverse("contacts:contact_list"), {"q": "a\x00b"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        # Looked up by a No. or code with the NUL: a 500 on PostgreSQL.
        (reverse("api:interaction_list"), {"contact": "CT\x00", "date": "2026-01-05"}, "contact"),
        (reverse("api:interaction_list"), {"contact": "X", "campaign": "CP\x00"}, "campaign"),
        (reverse("api:interaction_list"), {"contact": "X", "template": "T\x00"}, "template"),
        (CONTACTS, {"name": "A", "salesperson": "JD\x00"}, "salesperson"),
        (reverse("api:contact_upsert") + "?match=no", {"no": "CT\x00", "name": "A"}, "no"),
        (reverse("api:contact_upsert") + "?match=email", {"email": "a\x00@b.nl"}, "email"),
    ],
)
def test_a_nul_in_a_no_or_code_is_a_field_error_not_a_server_error(
    token_client, manager, url, body, field
):
    body = assert_problem(token_client(manager).post(url, body, format="json"), 400)
    assert body["errors"][field] == ["Null characters are not allowed."]


def test_gunicorn_reads_a_request_line_of_8_kb():
    # A list's URL with many filters passed gunicorn's default 4094 bytes: gunicorn
    # answered 414 with its own HTML page, before Django.
    config = {}
    exec((settings.BASE_DIR / "gunicorn.conf.py").read_text(), config)  # noqa: S102
    assert config["limit_request_line"] == 8190


# --- Responses as the schema declares them -------------------------------------------


def test_a_campaign_without_status_or_salesperson_reads_null_as_declared(
    token_client, manager, schema
):
    campaign = CampaignFactory(status=None, salesperson=None)
    response = token_client(manager).get(reverse("api:campaign_detail", kwargs={"no": campaign.no}))
    assert response.status_code == 200
    assert response.json()["status"] is None
    assert response.json()["salesperson"] is None
    properties = schema["components"]["schemas"]["Campaign"]["properties"]
    assert properties["status"]["nullable"] is True
    assert properties["salesperson"]["nullable"] is True


def test_an_update_is_declared_to_answer_the_contact_as_read(schema, token_client, manager):
    # It answered the contact with its version while the schema said ContactUpdate, whose
    # version is write-only (Schemathesis: "Property version is not allowed").
    operations = schema["paths"]["/api/v1/contacts/{no}/"]
    for method in ("put", "patch"):
        content = operations[method]["responses"]["200"]["content"]["application/json"]
        assert content["schema"] == {"$ref": "#/components/schemas/Contact"}
    contact = CompanyFactory()
    client = token_client(manager)
    version = client.get(reverse("api:contact_detail", kwargs={"no": contact.no})).json()
    response = client.patch(
        reverse("api:contact_detail", kwargs={"no": contact.no}),
        {"city": "Utrecht", "version": version["version"]},
    )
    assert response.status_code == 200, response.content
    assert set(response.json()) == set(schema["components"]["schemas"]["Contact"]["properties"])


def test_a_patch_is_declared_to_require_the_version(schema):
    assert schema["components"]["schemas"]["PatchedContactUpdate"]["required"] == ["version"]


def test_every_operation_declares_its_problem_responses(schema):
    problem = {"$ref": "#/components/schemas/Problem"}
    responses = schema["components"]["responses"]
    for name in ("BadRequest", "Unauthorized", "Forbidden", "NotFound", "TooManyRequests"):
        assert responses[name]["content"]["application/problem+json"]["schema"] == problem
    assert "Retry-After" in responses["TooManyRequests"]["headers"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            declared = operation["responses"]
            assert {"401", "403", "406", "429"} <= set(declared), (method, path)
            if method in ("post", "put", "patch"):
                assert {"400", "409"} <= set(declared), (method, path)
            if "{" in path:
                assert "404" in declared, (method, path)
    create = schema["paths"]["/api/v1/contacts/"]["post"]["responses"]
    assert create["422"] == {"$ref": "#/components/responses/UnprocessableContent"}
    assert create["415"] == {"$ref": "#/components/responses/UnsupportedMediaType"}


def test_the_links_lead_from_a_new_contact_to_reading_and_updating_it(schema):
    links = schema["paths"]["/api/v1/contacts/"]["post"]["responses"]["201"]["links"]
    assert links["GetContact"] == {
        "operationId": "contacts_retrieve",
        "parameters": {"no": "$response.body#/no"},
    }
    assert links["PatchContact"] == {
        "operationId": "contacts_partial_update",
        "parameters": {"no": "$response.body#/no"},
        "requestBody": {
            "version": "$response.body#/version",
            "company_no": "$response.body#/company_no",
            "salesperson": "$response.body#/salesperson",
        },
    }
    campaign = schema["paths"]["/api/v1/campaigns/{no}/"]["get"]["responses"]["200"]["links"]
    assert campaign["ActivateCampaign"]["operationId"] == "campaigns_activate_create"


def test_a_problem_document_matches_the_declared_problem_schema(token_client, manager, schema):
    required = schema["components"]["schemas"]["Problem"]["required"]
    properties = schema["components"]["schemas"]["Problem"]["properties"]
    for response in (
        token_client(manager).get("/api/v1/contacts/NOPE/"),
        APIClient().get(CONTACTS),
        token_client(manager).post(CONTACTS, {"type": "nonsense"}),
    ):
        body = response.json()
        assert set(required) <= set(body)
        assert set(body) <= set(properties)


# --- manage.py create_api_token ------------------------------------------------------


def run_json(*args):
    out = io.StringIO()
    call_command("create_api_token", *args, "--json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def test_create_api_token_prints_a_key_that_authenticates_as_the_user(manager):
    summary = run_json(manager.username, "Nightly export", "--days", "7")
    assert summary["ok"] is True
    assert summary["user"] == manager.username
    token = ApiToken.objects.get(user=manager, name="Nightly export")
    assert token.expires is not None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {summary['key']}")
    assert client.get(CONTACTS).status_code == 200


def test_create_api_token_without_expiry_and_as_a_dry_run(manager):
    preview = run_json(manager.username, "Shop", "--no-expiry", "--dry-run")
    assert preview["dry_run"] is True
    assert "key" not in preview
    assert preview["days"] is None
    assert not ApiToken.objects.exists()
    assert run_json(manager.username, "Shop", "--no-expiry")["expires"] is None
    assert ApiToken.objects.get().expires is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody", "x"], "User nobody does not exist."),
        (["{user}", "x", "--days", "0"], "--days must be at least 1"),
        (["{user}", "   "], "Give the token a name"),
    ],
)
def test_create_api_token_refuses_clearly(manager, args, message):
    args = [arg.format(user=manager.username) for arg in args]
    with pytest.raises(CommandError, match=message):
        call_command("create_api_token", *args, stdout=io.StringIO())
    assert not ApiToken.objects.exists()


def test_create_api_token_refuses_an_inactive_user(manager):
    manager.is_active = False
    manager.save()
    with pytest.raises(CommandError, match="is not active"):
        call_command("create_api_token", manager.username, "x", stdout=io.StringIO())
