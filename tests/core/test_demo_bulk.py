"""``manage.py demo --contacts N``: the bulk data set, its documented layout, and that
it is generated set-based (the number of queries does not depend on N)."""

import io
import math
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from campaigns.models import Campaign
from contacts import demo_bulk
from contacts.models import (
    CUSTOMER_RELATION,
    Contact,
    ContactBusinessRelation,
    ContactIndustryGroup,
    ContactJobResponsibility,
    ContactMailingGroup,
    ContactType,
    Customer,
)
from contacts.services import create_customer_from_contact, save_contact
from core.models import NumberSeries
from pricing.engine import PriceRequest, find_price
from pricing.models import Item, SalesLineDiscount, SalesPrice, SalesType
from segments.criteria import matching_contacts

pytestmark = pytest.mark.django_db

N = 2000
ITEMS = 50
PRICES = 500


def bulk(n=N, items=ITEMS, prices=PRICES) -> str:
    out = io.StringIO()
    call_command("demo", contacts=n, items=items, prices=prices, stdout=out)
    return out.getvalue()


def highest_ids() -> dict:
    return {
        model: model.objects.order_by("-id").values_list("id", flat=True).first() or 0
        for model in (Contact, Customer, Item, SalesPrice, SalesLineDiscount)
    }


@pytest.fixture(scope="module")
def demo_ids(demo_database, django_db_blocker):
    """The highest ids of the demo data (tests/demo_database.py), before any bulk."""
    with django_db_blocker.unblock():
        return highest_ids()


@pytest.fixture(scope="class")
def bulk_data(demo_database, demo_ids, django_db_blocker):
    """N bulk contacts on top of the demo data, loaded once for the class and rolled
    back at its end: (ids before, output)."""
    with demo_database.layer():
        with django_db_blocker.unblock():
            output = bulk()
        yield demo_ids, output


@pytest.fixture
def demo(demo_ids, db):
    return demo_ids


@pytest.fixture
def loaded(bulk_data, db):
    return bulk_data


def bulk_rows(model, before):
    return model.objects.filter(id__gt=before[model])


class TestTheBulkDataSet:
    """One load of N contacts, checked against the layout documented in
    ``contacts.demo_bulk`` and ``pricing.demo_bulk``."""

    def test_counts_and_company_person_split(self, loaded):
        before, output = loaded
        contacts = bulk_rows(Contact, before)
        assert contacts.count() == N
        companies = contacts.filter(type=ContactType.COMPANY)
        # Cycles of 9: a company with 3 persons, a company with 4 persons.
        assert companies.count() == demo_bulk.companies_in(N) == 2 * (N // 9) + 1
        assert contacts.filter(type=ContactType.PERSON).count() == N - companies.count()
        # Every person belongs to a bulk company with 3 or 4 persons (the last may have fewer).
        persons = contacts.filter(type=ContactType.PERSON)
        assert not persons.filter(company__isnull=True).exists()
        assert not persons.exclude(company__type=ContactType.COMPANY).exists()
        assert not persons.filter(company_id__lte=before[Contact]).exists()
        sizes = sorted(row["n"] for row in persons.values("company_id").annotate(n=Count("id")))
        assert sizes[0] >= 1
        assert set(sizes[1:]) == {3, 4}
        # Persons share their company's address; every contact has a name, city, e-mail.
        person = persons.select_related("company").first()
        assert (person.address, person.city, person.salesperson_id) == (
            person.company.address,
            person.company.city,
            person.company.salesperson_id,
        )
        assert not contacts.filter(name="").exists()
        assert not contacts.filter(city="").exists()
        assert not contacts.exclude(email__contains="@").exists()
        assert contacts.filter(language="nl").exists()
        assert contacts.filter(language="en").exists()
        assert contacts.filter(salesperson__isnull=False).count() == N
        assert contacts.filter(exclude_from_segments=True).count() == N // 50
        assert "contacts: 2,000 rows" in output

    def test_contact_numbers_are_consecutive_and_the_series_moves_on(self, loaded):
        before, _output = loaded
        contacts = bulk_rows(Contact, before).order_by("id")
        series = NumberSeries.objects.get(code="CONTACT")
        assert contacts.last().no == series.format(series.last_number)
        assert contacts.first().no == series.format(series.last_number - N + 1)
        # A contact created afterwards through the normal service gets a fresh number.
        new = save_contact(contact=Contact(type=ContactType.COMPANY, name="Created after bulk"))
        assert new.no == series.format(series.last_number + 1)
        customers = NumberSeries.objects.get(code="CUSTOMER")
        assert bulk_rows(Customer, before).order_by("-id").first().no == customers.format(
            customers.last_number
        )
        customer = create_customer_from_contact(contact=new)
        assert customer.no == customers.format(customers.last_number + 1)
        assert Customer.objects.filter(no=customer.no).count() == 1
        item = Item.objects.create(description="Created after bulk")
        assert Item.objects.filter(no=item.no).count() == 1
        assert item.id > Item.objects.exclude(pk=item.pk).order_by("-id").first().id

    def test_documented_code_distributions(self, loaded):
        before, _output = loaded
        first = before[Contact] + 1
        bulk_contacts = Contact.objects.filter(id__gte=first)
        # Mailing group BULK20: exactly every 5th bulk contact, none excluded from segments.
        bulk20 = ContactMailingGroup.objects.filter(
            mailing_group__code=demo_bulk.BULK_MAILING_GROUP
        )
        assert bulk20.count() == math.ceil(N / 5)
        assert {(row - first) % 5 for row in bulk20.values_list("contact_id", flat=True)} == {0}
        assert matching_contacts({"mailing_groups": ["BULK20"]}).count() == math.ceil(N / 5)
        assert not matching_contacts({"mailing_groups": ["BULK20"]}).filter(
            exclude_from_segments=True
        )
        # Industry groups: one per company, RETAIL on every 5th company; with the persons
        # a single criteria filter selects about 20 % of the contacts.
        companies = demo_bulk.companies_in(N)
        industry = ContactIndustryGroup.objects.filter(contact__in=bulk_contacts)
        assert industry.count() == companies
        assert industry.filter(industry_group__code="RETAIL").count() == math.ceil(companies / 5)
        retail = matching_contacts({"industry_groups": ["RETAIL"]}).filter(id__gte=first).count()
        assert 0.18 * N <= retail <= 0.22 * N
        # Job responsibilities: every person has one, every 3rd (by s) a second one.
        persons = bulk_contacts.filter(type=ContactType.PERSON)
        jobs = ContactJobResponsibility.objects.filter(contact__in=persons)
        assert jobs.values("contact_id").distinct().count() == persons.count()
        assert jobs.count() == persons.count() + sum(
            1 for s in range(0, N, 3) if s % 9 not in (0, 4)
        )
        assert not ContactJobResponsibility.objects.filter(
            contact__in=bulk_contacts.filter(type=ContactType.COMPANY)
        ).exists()
        # Business relations of companies.
        relations = ContactBusinessRelation.objects.filter(contact__in=bulk_contacts)
        assert relations.filter(business_relation__code="PROS").count() == len(
            range(1, companies, 3)
        )
        assert not relations.exclude(contact__type=ContactType.COMPANY).exists()

    def test_customers_for_a_third_of_the_companies(self, loaded):
        before, _output = loaded
        customers = bulk_rows(Customer, before)
        assert (
            customers.count()
            == demo_bulk.customers_in(N)
            == math.ceil(demo_bulk.companies_in(N) / 3)
        )
        assert not customers.exclude(contact__type=ContactType.COMPANY).exists()
        assert not customers.filter(contact_id__lte=before[Contact]).exists()
        # Like Create as customer: the company's name and salesperson, and the CUST relation.
        customer = customers.select_related("contact").first()
        assert customer.name == customer.contact.name
        assert customer.salesperson_id == customer.contact.salesperson_id
        cust = ContactBusinessRelation.objects.filter(business_relation__code=CUSTOMER_RELATION)
        assert cust.filter(contact__customer__in=customers).count() == customers.count()
        # Price and discount groups in a mix, some without.
        assert set(customers.values_list("price_group__code", flat=True)) == {
            "RETAIL",
            "WHOLESALE",
            "DEALER",
            None,
        }
        assert set(customers.values_list("discount_group__code", flat=True)) == {
            "LARGE",
            "SMALL",
            None,
        }

    def test_items_prices_and_discounts(self, loaded):
        before, _output = loaded
        items = bulk_rows(Item, before)
        prices = bulk_rows(SalesPrice, before)
        assert items.count() == ITEMS
        assert prices.count() == PRICES
        assert not prices.exclude(item__in=items).exists()
        by_type = dict(prices.values_list("sales_type").annotate(n=Count("id")))
        assert by_type[SalesType.CAMPAIGN] == PRICES // 10
        assert by_type[SalesType.CUSTOMER] == PRICES // 2
        assert by_type[SalesType.ALL_CUSTOMERS] == PRICES // 10
        assert by_type[SalesType.CUSTOMER_PRICE_GROUP] == PRICES - PRICES // 10 * 2 - PRICES // 2
        # Every sales code exists for its type; campaign rows carry the campaign's dates.
        assert not prices.filter(sales_type=SalesType.ALL_CUSTOMERS).exclude(sales_code="")
        customer_nos = set(Customer.objects.values_list("no", flat=True))
        assert set(
            prices.filter(sales_type=SalesType.CUSTOMER).values_list("sales_code", flat=True)
        ) <= (customer_nos)
        for campaign in Campaign.objects.all():
            rows = prices.filter(sales_type=SalesType.CAMPAIGN, sales_code=campaign.no)
            assert rows.exists()
            assert not rows.exclude(
                starting_date=campaign.starting_date, ending_date=campaign.ending_date
            ).exists()
        assert all(price.unit_price > 0 for price in prices)
        assert bulk_rows(SalesLineDiscount, before).count() > ITEMS // 10
        # The price engine finds a bulk price row for a bulk customer of a price group.
        customer = (
            Customer.objects.filter(price_group__code="WHOLESALE", id__gt=before[Customer])
            .select_related("price_group", "discount_group")
            .first()
        )
        group_price = prices.filter(
            sales_type=SalesType.CUSTOMER_PRICE_GROUP, sales_code="WHOLESALE"
        )
        item = group_price.first().item
        result = find_price(customer, PriceRequest(item=item, quantity=Decimal(1)))
        assert result.unit_price < item.unit_price
        assert isinstance(result.unit_price, Decimal)

    def test_no_history_rows_and_the_card_still_works(self, loaded, client):
        before, _output = loaded
        client.force_login(get_user_model().objects.get(username="manager"))  # a demo login
        contact = bulk_rows(Contact, before).filter(type=ContactType.COMPANY).first()
        assert not Contact.history.filter(id=contact.id).exists()
        response = client.get(contact.get_absolute_url())
        assert response.status_code == 200
        assert contact.name in response.content.decode()
        customer = bulk_rows(Customer, before).first()
        assert client.get(customer.get_absolute_url()).status_code == 200
        item = bulk_rows(Item, before).first()
        assert client.get(item.get_absolute_url()).status_code == 200

    def test_running_again_adds_nothing(self, loaded):
        counts = (Contact.objects.count(), Customer.objects.count(), SalesPrice.objects.count())
        output = bulk()
        assert "already loaded" in output
        assert counts == (
            Contact.objects.count(),
            Customer.objects.count(),
            SalesPrice.objects.count(),
        )


class TestGeneration:
    """Loads of their own on top of the demo data."""

    def test_indexes_and_foreign_keys_are_back_after_the_load(self, demo):
        def schema():
            with connection.cursor() as cursor:
                models = [*demo_bulk.BULK_TABLES, Item, SalesPrice, SalesLineDiscount]
                tables = [model._meta.db_table for model in models]
                indexes = {
                    name
                    for table in tables
                    for name in connection.introspection.get_constraints(cursor, table)
                }
            return indexes

        before = schema()
        bulk(n=100, items=5, prices=20)
        assert schema() == before

    @pytest.mark.parametrize(
        ("small", "large"), [(10, 100), pytest.param(500, 2000, marks=pytest.mark.bench)]
    )
    def test_number_of_queries_does_not_depend_on_n(self, demo, small, large):
        def queries(n):
            with transaction.atomic():
                with CaptureQueriesContext(connection) as captured:
                    bulk(n=n, items=n // 10, prices=n)
                assert Contact.objects.filter(id__gt=demo[Contact]).count() == n
                transaction.set_rollback(True)
            return len(captured)

        assert queries(small) == queries(large)

    def test_items_and_prices_scale_with_their_options(self, demo):
        bulk(n=90, items=7, prices=33)
        assert Item.objects.filter(id__gt=demo[Item]).count() == 7
        assert SalesPrice.objects.filter(id__gt=demo[SalesPrice]).count() == 33


def test_negative_sizes_are_refused_before_anything_is_loaded(db):
    with pytest.raises(CommandError, match="cannot be negative"):
        call_command("demo", contacts=-5, stdout=io.StringIO())
    assert not Contact.objects.exists()
