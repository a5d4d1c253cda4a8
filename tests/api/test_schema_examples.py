"""The schema's examples of the main calls (api/schema.py) work: on the demo data
(manage.py demo) each request example is answered 2xx, the price example with a price,
and every POST declares the Idempotency-Key header (docs/api.md)."""

import io

import pytest
import yaml
from django.core.management import call_command

from api.schema import PARAMETER_EXAMPLES, REQUEST_EXAMPLES
from tests.api.test_schema import COMMITTED

pytestmark = pytest.mark.django_db

# The query an example's summary names (?match=…).
QUERIES = {
    "/api/v1/contacts/upsert/": "?match=email",
    "/api/v1/contacts/bulk-upsert/": "?match=external_id",
}


@pytest.fixture
def demo_manager(django_user_model):
    call_command("demo", stdout=io.StringIO())
    return django_user_model.objects.get(username="manager")


def test_every_example_is_answered_on_the_demo_data(demo_manager, token_client):
    client = token_client(demo_manager)
    for (path, method), examples in REQUEST_EXAMPLES.items():
        assert method == "post"
        for name, (_summary, body) in examples.items():
            response = client.post(path + QUERIES.get(path, ""), body, format="json")
            assert response.status_code in (200, 201), (path, name, response.content)
    for (path, method), values in PARAMETER_EXAMPLES.items():
        assert method == "get"
        response = client.get(path, values)
        assert response.status_code == 200, (path, response.content)
    price = client.get("/api/v1/prices/", PARAMETER_EXAMPLES[("/api/v1/prices/", "get")])
    assert price.json()["unit_price"]


def test_the_committed_schema_carries_the_examples_and_the_idempotency_key():
    schema = yaml.safe_load(COMMITTED.read_text())
    for (path, method), examples in REQUEST_EXAMPLES.items():
        content = schema["paths"][path][method]["requestBody"]["content"]["application/json"]
        assert set(content["examples"]) == set(examples)
    posts = [
        operation
        for operations in schema["paths"].values()
        for method, operation in operations.items()
        if method == "post"
    ]
    assert len(posts) > 10
    for operation in posts:
        names = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
        assert "Idempotency-Key" in names, operation["operationId"]
