"""Dutch (docs/architecture.md, Languages): dates and numbers in the Dutch format in lists, cards,
statistics and quotes; Dutch date and decimal input; the language remembered per user."""

import datetime
import importlib
import inspect
import re
from decimal import Decimal

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format, number_format

from campaigns.models import CampaignEntry, InteractionLogEntry
from contacts.models import Contact, ContactType
from core.models import UserPreference
from pricing.models import SalesPrice, SalesType
from quotes import services as quote_services
from quotes.models import SalesQuote, SalesQuoteLine
from tests.factories import CampaignFactory, UserFactory, company, customer_of, item

pytestmark = pytest.mark.django_db

NOV_27 = datetime.date(2026, 11, 27)
MAY_3 = datetime.date(2026, 5, 3)
PASSWORD = "pw-for-tests-1"


def dutch(client):
    """The client's pages in Dutch, as the language switcher leaves them."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    return client


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# --- Formats ------------------------------------------------------------------------------


def test_dutch_dates_and_numbers():
    with translation.override("nl"):
        assert date_format(NOV_27, "SHORT_DATE_FORMAT") == "27-11-2026"
        assert date_format(MAY_3, "SHORT_DATE_FORMAT") == "03-05-2026"  # columns line up
        # One format for every date shown (docs/formats.md): cards as lists.
        assert date_format(NOV_27) == "27-11-2026"
        assert date_format(MAY_3) == "03-05-2026"
        assert number_format(Decimal("1234.56"), 2, force_grouping=True) == "1.234,56"
    with translation.override("en"):
        assert date_format(NOV_27, "SHORT_DATE_FORMAT") == "27-11-2026"
        assert date_format(NOV_27) == "27-11-2026"
        assert number_format(Decimal("1234.56"), 2, force_grouping=True) == "1,234.56"


def test_ids_and_page_numbers_are_never_grouped():
    """USE_THOUSAND_SEPARATOR stays off: 1234 as a key must not print as 1.234."""
    assert settings.USE_THOUSAND_SEPARATOR is False
    with translation.override("nl"):
        assert number_format(12345) == "12345"


@pytest.fixture
def price_row():
    return SalesPrice.objects.create(
        item=item("10.00"),
        sales_type=SalesType.ALL_CUSTOMERS,
        unit_price=Decimal("1234.56"),
        starting_date=NOV_27,
    )


def test_list_tables_show_dutch_dates_and_grouped_decimals(manager_client, price_row):
    html = page(dutch(manager_client), reverse("pricing:salesprice_list"))
    assert "1.234,56" in html
    assert "27-11-2026" in html
    response = manager_client.get(reverse("pricing:salesprice_list") + "?_export=csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    # The CSV export is for Dutch Excel: a byte-order mark, ";" between the cells, a
    # decimal comma without grouping, ISO dates (which Excel reads in any language).
    assert body.startswith("\ufeffArtikelnr.;")
    assert ";1234,56;" in body
    assert "1.234,56" not in body
    assert "2026-11-27" in body
    # A date stays on one line (it wrapped at its hyphens).
    # (Its column also has a priority class: col-pN, docs/lists.md.)
    assert re.search(r'<td class="text-nowrap[^"]*">27-11-2026</td>', html)


def test_list_tables_in_english_group_with_commas(manager_client, price_row):
    html = page(manager_client, reverse("pricing:salesprice_list"))
    assert "1,234.56" in html
    assert "27-11-2026" in html


def test_cards_show_dutch_dates_and_grouped_decimals(manager_client, price_row):
    html = page(dutch(manager_client), price_row.get_absolute_url())
    assert "1.234,56" in html
    assert "27-11-2026" in html


def test_statistics_and_campaign_entries_in_dutch(manager_client):
    campaign = CampaignFactory()
    entry = CampaignEntry.objects.create(campaign=campaign, description="Mailing")
    contact = Contact.objects.create(type=ContactType.COMPANY, name="Acme")
    for cost in ("1000.25", "234.25"):
        InteractionLogEntry.objects.create(
            campaign=campaign,
            campaign_entry=entry,
            contact=contact,
            contact_company=contact,
            date=NOV_27,
            cost=Decimal(cost),
            duration=Decimal("1500.5"),
            campaign_target=True,
        )
    client = dutch(manager_client)
    assert "1.234,50" in page(client, campaign.get_absolute_url())  # the side panel
    statistics = page(client, reverse("campaigns:campaign_statistics", args=[campaign.no]))
    assert "1.234,50" in statistics
    assert "3.001,0" in statistics  # duration, one decimal
    entries = page(client, reverse("campaigns:campaignentry_list"))
    assert "1.234,50" in entries
    assert "3.001,0" in entries


def test_quotes_in_dutch(manager_client):
    customer = customer_of(company("Quote BV"))
    quote = SalesQuote.objects.create(customer=customer, order_date=NOV_27)
    line = SalesQuoteLine(quote=quote, item=item("617.28"), quantity=Decimal("2"))
    quote_services.save_quote_line(line=line)
    client = dutch(manager_client)
    card = page(client, quote.get_absolute_url())
    assert "1.234,56" in card  # the total
    assert "617,28" in card
    listed = page(client, reverse("quotes:salesquote_list"))
    assert "1.234,56" in listed
    assert "27-11-2026" in listed


# --- Input --------------------------------------------------------------------------------


def price_form_data(price_row, unit_price, starting_date):
    return {
        "item": price_row.item.no,
        "sales_type": SalesType.ALL_CUSTOMERS,
        "sales_code": "",
        "starting_date": starting_date,
        "minimum_quantity": "0",
        "unit_price": unit_price,
        "allow_line_discount": "on",
    }


def test_dutch_date_and_decimal_input_is_accepted(manager_client, price_row):
    client = dutch(manager_client)
    url = reverse("pricing:salesprice_edit", args=[price_row.pk])
    form = client.get(url).content.decode()
    assert 'value="1234,56"' in form  # shown as it is typed in Dutch
    response = client.post(url, price_form_data(price_row, "12,50", "01-12-2026"))
    assert response.status_code == 302
    price_row.refresh_from_db()
    assert price_row.unit_price == Decimal("12.50")
    assert price_row.starting_date == datetime.date(2026, 12, 1)
    # ISO (a link, a pasted date) is accepted in every language.
    client.post(url, price_form_data(price_row, "1234,5", "2026-11-27"))
    price_row.refresh_from_db()
    assert (price_row.unit_price, price_row.starting_date) == (Decimal("1234.50"), NOV_27)


def test_english_input_takes_a_decimal_point_and_refuses_a_comma(manager_client, price_row):
    url = reverse("pricing:salesprice_edit", args=[price_row.pk])
    response = manager_client.post(url, price_form_data(price_row, "12,50", "2026-11-27"))
    assert response.status_code == 200  # an error, never 1250
    assert response.context["form"].errors["unit_price"]
    manager_client.post(url, price_form_data(price_row, "12.50", "27-11-2026"))
    price_row.refresh_from_db()
    assert price_row.unit_price == Decimal("12.50")


def project_form_classes():
    for config in apps.get_app_configs():
        if not config.path.startswith(str(settings.BASE_DIR)):
            continue
        for module_name in ("forms",):
            try:
                module = importlib.import_module(f"{config.name}.{module_name}")
            except ModuleNotFoundError:
                continue
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                    yield cls


def test_every_decimal_field_of_every_form_takes_dutch_input():
    found = 0
    for cls in project_form_classes():
        for name, field in cls.base_fields.items():
            if isinstance(field, forms.DecimalField):
                found += 1
                assert field.localize, f"{cls.__module__}.{cls.__name__}.{name}: localize it"
                assert not isinstance(field.widget, forms.NumberInput)
    assert found >= 20


# --- The language is remembered per user ------------------------------------------------


def log_in(client, username):
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def is_dutch(response) -> bool:
    return response.headers.get("Content-Language") == "nl" and 'lang="nl"' in (
        response.content.decode()
    )


def test_the_chosen_language_follows_the_user_to_a_fresh_browser(manager):
    first = log_in(Client(), "manager")
    first.post(reverse("set_language"), {"language": "nl", "next": "/"})
    assert UserPreference.objects.get(user=manager).language == "nl"
    assert is_dutch(first.get("/"))
    first.post(reverse("logout"))

    fresh = Client()  # another browser: no language cookie
    assert not is_dutch(fresh.get(reverse("login")))
    log_in(fresh, "manager")
    response = fresh.get("/")
    assert is_dutch(response)
    assert "Campagnes" in response.content.decode()
    assert fresh.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nl"

    # Back to English there: the next login anywhere is in English.
    fresh.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert not is_dutch(fresh.get("/"))
    assert not is_dutch(log_in(Client(), "manager").get("/"))


def test_the_language_stays_after_logging_out(manager):
    client = log_in(Client(), "manager")
    client.post(reverse("set_language"), {"language": "nl", "next": "/"})
    client.post(reverse("logout"))
    assert is_dutch(client.get(reverse("login")))


def test_a_language_chosen_on_the_login_page_becomes_the_users(manager):
    UserPreference.objects.create(user=manager, language="en")
    client = Client()
    client.post(reverse("set_language"), {"language": "nl", "next": "/login/"})
    log_in(client, "manager")
    assert is_dutch(client.get("/"))
    assert UserPreference.objects.get(user=manager).language == "nl"


def test_a_user_without_a_saved_language_keeps_the_browsers(manager):
    client = Client(headers={"accept-language": "nl"})
    log_in(client, "manager")
    assert is_dutch(client.get("/"))
    assert not UserPreference.objects.filter(user=manager).exists()
    english = log_in(Client(), "manager")
    assert not is_dutch(english.get("/"))


def test_the_remembered_language_costs_no_query_per_page(manager):
    UserPreference.objects.create(user=manager, language="nl")
    other = UserFactory(username="other")
    other.groups.set(manager.groups.all())
    counts = []
    for username in ("manager", "other"):
        client = log_in(Client(), username)
        client.get("/")
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("campaigns:campaign_list"))
        counts.append(len(queries))
    assert counts[0] == counts[1]
