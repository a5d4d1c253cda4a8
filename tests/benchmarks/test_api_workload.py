"""The API benchmark W9 (benchmarks/api_workload.py, docs/performance.md) runs end to end
at a tiny size, over real HTTP against the test's live server: the upsert runs make and
update what they say, the best-price calls answer, the cursor walk reads every contact
once and in order, and the clean-up deletes exactly what the upserts made."""

from decimal import Decimal

import pytest

from api.services import create_api_token
from benchmarks import api_workload, report
from contacts.models import Contact
from pricing.engine import PriceRequest
from pricing.models import SalesType
from tests.factories.scenarios import company, customer_of, item, price

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(live_server):
    _token, key = create_api_token(user=api_workload.api_user(), name="W9 test")
    return api_workload.ApiClient(live_server.url, key, timeout=30)


def test_w9_best_price_calls_answer(client):
    chairs = item("100.00")
    price(chairs, SalesType.ALL_CUSTOMERS, unit_price="95.00")
    customer = customer_of(company("Fabrikam"))
    pairs = [(customer, PriceRequest(item=chairs, quantity=Decimal(n))) for n in (1, 5, 20)]

    result = api_workload.w9_prices(client, api_workload.price_calls(pairs, {}))

    assert result.extra["calls"] == 3
    assert result.extra["errors"] == 0
    assert report.verdict(result) == []


def test_w9_pages_read_every_contact_once_in_order(client):
    for name in ("Alpha", "Beta", "Gamma", "Delta", "Epsilon"):
        company(name, customer=False)
    expected = Contact.objects.count()

    result = api_workload.w9_pages(client, page_size=2, expected=expected)

    assert result.extra["contacts"] == expected
    assert result.extra["pages"] == (expected + 1) // 2
    assert result.extra["out_of_order"] == 0
    # At this size only the pages' times can miss (a loaded machine): two rows a page.
    assert all(miss.startswith("pages slow") for miss in report.verdict(result))


def test_w9_upserts_make_then_update_and_are_deleted_afterwards(client):
    existing = company("Contoso", customer=False)
    before = Contact.objects.count()

    first, mixed = api_workload.w9_upsert(client, contacts=8, batch=4, companies=[existing.no])

    assert (first.extra["created"], first.extra["updated"]) == (4, 0)
    assert (mixed.extra["created"], mixed.extra["updated"]) == (4, 4)
    assert mixed.extra["calls"] == 2  # two and two existing, two and two new per call
    for result in (first, mixed):
        assert result.extra["errors"] == result.extra["problems"] == 0
        # At this size only the speed can miss: a handful of contacts per call.
        assert all("contacts/s" in miss for miss in report.verdict(result))
    made = Contact.objects.filter(external_id__startswith=api_workload.EXTERNAL_PREFIX)
    assert made.filter(company=existing).count() == 4  # the odd persons: 1, 3, 5 and 7
    assert made.get(external_id="W9-000001").name == "W9 Person 1 r2"

    assert api_workload.delete_upserted() == 8
    assert Contact.objects.count() == before
    assert not Contact.history.filter(external_id__startswith="W9-").exists()
