"""The OpenAPI document is the contract (docs/api.md): the committed api/openapi.yaml is
what the code generates, and /api/v1/schema/ serves it."""

import difflib
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

COMMITTED = Path(__file__).resolve().parents[2] / "api" / "openapi.yaml"
REGENERATE = "DJANGO_DEBUG=1 python manage.py spectacular --file api/openapi.yaml"


def test_the_committed_schema_is_what_the_code_generates():
    out = StringIO()
    call_command("spectacular", stdout=out, stderr=StringIO())
    generated = out.getvalue()
    committed = COMMITTED.read_text()
    if generated.strip() != committed.strip():
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.splitlines(True),
                    generated.splitlines(True),
                    "api/openapi.yaml (committed)",
                    "generated",
                )
            )[:60]
        )
        pytest.fail(
            f"api/openapi.yaml differs from the API the code describes; regenerate it with "
            f"`{REGENERATE}` and commit it.\n{diff}"
        )


@pytest.mark.django_db
def test_the_schema_is_served_to_a_logged_in_user_only(client, viewer):
    url = reverse("api:schema")
    assert client.get(url).status_code in (401, 403)
    client.force_login(viewer)
    response = client.get(url, HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/contacts/",
        "/api/v1/campaigns/{no}/activate/",
        "/api/v1/interactions/",
        "/api/v1/prices/",
    ):
        assert path in paths
