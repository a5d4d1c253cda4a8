"""One format everywhere (docs/formats.md): amounts grouped with two decimals and dates in
the user's short format on cards, lists, statistics, traces and messages, in English and
Dutch; date fields that show and take the user's format; words of a price trace and an
audit detail in the reader's language, whatever the language they were made in."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from campaigns.models import CampaignEntry, InteractionLogEntry
from contacts.models import Contact, ContactType
from core import audit
from core.forms import DATE_INPUT
from core.models import AuditAction, AuditEntry
from opportunities.models import Opportunity
from pricing.models import SalesPrice, SalesType
from quotes import services as quote_services
from quotes.models import SalesQuote, SalesQuoteLine
from tests.factories import (
    CampaignFactory,
    OpportunityEntryFactory,
    OpportunityFactory,
    company,
    customer_of,
    item,
)

pytestmark = pytest.mark.django_db

NOV_27 = datetime.date(2026, 11, 27)
DEC_31 = datetime.date(2026, 12, 31)
ISO = re.compile(r"\b20\d\d-\d\d-\d\d\b")


def dutch(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    return client


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def visible(html: str) -> str:
    """The page without its scripts and the values of its form fields and links."""
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    return re.sub(r'(?:href|value|action|data-[\w-]+)="[^"]*"', "", html)


# --- Numbers ------------------------------------------------------------------------------


@pytest.fixture
def opportunity():
    opportunity = OpportunityFactory()
    OpportunityEntryFactory(opportunity=opportunity, estimated_value=Decimal("4300"))
    Opportunity.objects.filter(pk=opportunity.pk).update(
        estimated_value=Decimal("4300"), calculated_current_value=Decimal("1290")
    )
    return opportunity


def test_the_opportunity_card_shows_one_amount_format(manager_client, opportunity):
    """The figures and the entries of the card (the tester's '4,300.00' and '4300.00')."""
    html = visible(page(manager_client, opportunity.get_absolute_url()))
    assert "4,300.00" in html
    assert "1,290.00" in html
    assert "4300.00" not in html
    html = visible(page(dutch(manager_client), opportunity.get_absolute_url()))
    assert "4.300,00" in html
    assert "1.290,00" in html
    assert "4300,00" not in html
    assert "4300.00" not in html


def test_lists_and_statistics_group_thousands(manager_client):
    campaign = CampaignFactory()
    entry = CampaignEntry.objects.create(campaign=campaign, description="Mailing")
    contact = Contact.objects.create(type=ContactType.COMPANY, name="Acme")
    InteractionLogEntry.objects.create(
        campaign=campaign,
        campaign_entry=entry,
        contact=contact,
        contact_company=contact,
        date=NOV_27,
        cost=Decimal("4300"),
        campaign_target=True,
    )
    # The figures the opportunities app adds (their estimated value) are grouped too.
    OpportunityFactory(campaign=campaign, estimated_value=Decimal("38350"))
    statistics = reverse("campaigns:campaign_statistics", args=[campaign.no])
    english = page(manager_client, statistics)
    assert "4,300.00" in english
    assert "38,350.00" in english
    assert "4,300.00" in page(manager_client, reverse("campaigns:campaignentry_list"))
    dutch_page = page(dutch(manager_client), statistics)
    assert "4.300,00" in dutch_page
    assert "38.350,00" in dutch_page
    assert "38350" not in dutch_page


def test_template_filters_format_in_the_active_language():
    from core.templatetags.numbers import amount, count, number

    with translation.override("en"):
        assert (amount(Decimal("4300")), number(Decimal("12.50")), count(12345)) == (
            "4,300.00",
            "12.5",
            "12,345",
        )
    with translation.override("nl"):
        assert (amount(Decimal("4300")), number(Decimal("12.50")), count(12345)) == (
            "4.300,00",
            "12,5",
            "12.345",
        )
    assert amount(None) == ""


# --- Dates --------------------------------------------------------------------------------


@pytest.fixture
def traced_quote():
    """A quote line priced in English with a sales price that starts after its date."""
    customer = customer_of(company("Trace BV"))
    chair = item("4300.00")
    SalesPrice.objects.create(
        item=chair,
        sales_type=SalesType.ALL_CUSTOMERS,
        unit_price=Decimal("4000"),
        starting_date=DEC_31,
    )
    quote = SalesQuote.objects.create(customer=customer, order_date=NOV_27)
    with translation.override("en"):
        line = quote_services.save_quote_line(
            line=SalesQuoteLine(quote=quote, item=chair, quantity=Decimal("1"))
        )
    return quote, line


def trace_url(quote, line):
    return reverse("quotes:salesquoteline_trace", kwargs={"key": quote.no, "line_id": line.pk})


def test_the_price_trace_shows_dates_and_amounts_in_the_users_format(manager_client, traced_quote):
    quote, line = traced_quote
    html = visible(page(manager_client, trace_url(quote, line)))
    assert "starts on 31-12-2026" in html
    assert "31-12-2026" in html
    assert "4,300.00" in html
    assert not ISO.search(html), ISO.search(html)
    html = visible(page(dutch(manager_client), trace_url(quote, line)))
    assert "4.300,00" in html
    assert not ISO.search(html)


def test_a_price_trace_made_in_english_reads_in_dutch(manager_client, traced_quote):
    """The sales type, the reason and the price source are worded when shown."""
    quote, line = traced_quote
    with translation.override("nl"):
        all_customers = str(SalesType.ALL_CUSTOMERS.label)
        item_unit_price = str(translation.gettext("Item unit price"))
    html = page(dutch(manager_client), trace_url(quote, line))
    assert all_customers in html
    assert item_unit_price in html
    assert "Item unit price" not in html or item_unit_price == "Item unit price"
    assert "starts on" not in html
    card = page(dutch(manager_client), quote.get_absolute_url())
    assert item_unit_price in card


def test_cards_and_lists_show_the_same_short_date(manager_client):
    row = SalesPrice.objects.create(
        item=item("10.00"),
        sales_type=SalesType.ALL_CUSTOMERS,
        unit_price=Decimal("4300"),
        starting_date=NOV_27,
    )
    for client in (manager_client, dutch(manager_client)):
        card = visible(page(client, row.get_absolute_url()))
        listed = visible(page(client, reverse("pricing:salesprice_list")))
        assert "27-11-2026" in card
        assert "27-11-2026" in listed
    assert "4.300,00" in listed


# --- Date fields --------------------------------------------------------------------------


def test_a_date_field_shows_the_users_format_not_the_browsers_picker():
    with translation.override("nl"):
        html = DATE_INPUT.render("starting_date", NOV_27)
        assert 'type="text"' in html
        assert 'value="27-11-2026"' in html
        assert f'placeholder="{translation.gettext("dd-mm-yyyy")}"' in html
    with translation.override("en"):
        html = DATE_INPUT.render("starting_date", NOV_27)
        assert 'value="27-11-2026"' in html
        assert 'placeholder="dd-mm-yyyy"' in html
    assert 'type="date"' not in html


def price_form(row, starting_date):
    return {
        "item": row.item.no,
        "sales_type": SalesType.ALL_CUSTOMERS,
        "sales_code": "",
        "starting_date": starting_date,
        "minimum_quantity": "0",
        "unit_price": "10",
        "allow_line_discount": "on",
    }


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("nl", "31-12-2026"),
        ("nl", "31/12/2026"),
        ("en", "31-12-2026"),
        ("en", "31/12/2026"),
        ("en", "31.12.2026"),
        ("en", "2026-12-31"),  # ISO: a link, a pasted date
    ],
)
def test_a_date_typed_in_the_users_format_is_saved(manager_client, language, typed):
    row = SalesPrice.objects.create(
        item=item("10.00"), sales_type=SalesType.ALL_CUSTOMERS, unit_price=Decimal("10")
    )
    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    url = reverse("pricing:salesprice_edit", args=[row.pk])
    assert 'type="date"' not in page(manager_client, url)
    response = manager_client.post(url, price_form(row, typed))
    assert response.status_code == 302, response.context["form"].errors
    row.refresh_from_db()
    assert row.starting_date == DEC_31


@pytest.mark.parametrize("typed", ["12-31-2026", "31-13-2026", "tomorrow"])
def test_a_bad_date_is_a_clear_form_error(manager_client, typed):
    row = SalesPrice.objects.create(
        item=item("10.00"), sales_type=SalesType.ALL_CUSTOMERS, unit_price=Decimal("10")
    )
    url = reverse("pricing:salesprice_edit", args=[row.pk])
    response = manager_client.post(url, price_form(row, typed))
    assert response.status_code == 200
    assert response.context["form"].errors["starting_date"] == ["Enter a valid date."]


# --- Audit details ------------------------------------------------------------------------


def test_an_audit_detail_made_in_english_reads_in_dutch(manager_client, manager):
    campaign = CampaignFactory()
    with translation.override("en"):
        audit.record(
            manager,
            AuditAction.CAMPAIGN_ACTIVATED,
            campaign,
            1,
            audit.message(
                "Sales prices: %(prices)d, sales line discounts: %(discounts)d",
                prices=1234,
                discounts=2,
            ),
        )
    entry = AuditEntry.objects.get()
    assert entry.detail.startswith("{")  # stored in no language
    with translation.override("nl"):
        dutch_text = translation.gettext(
            "Sales prices: %(prices)d, sales line discounts: %(discounts)d"
        ) % {"prices": 1234, "discounts": 2}
        assert audit.detail_text(entry) == dutch_text
    with translation.override("en"):
        assert audit.detail_text(entry) == "Sales prices: 1234, sales line discounts: 2"
    html = page(dutch(manager_client), reverse("core:auditentry_list"))
    assert dutch_text in html
    assert "Sales prices:" not in html


def test_segment_criteria_in_the_audit_log_are_worded_when_read():
    from contacts.models import BusinessRelation

    BusinessRelation.objects.create(code="PROS", description="Prospect")
    detail = audit.described(
        "segment_criteria", sequence=2, filters={"business_relations": ["PROS"]}, renewed=0
    )
    entry = AuditEntry(detail=audit._stored(detail))
    with translation.override("en"):
        assert audit.detail_text(entry) == "2: business relation = PROS"
    with translation.override("nl"):
        text = audit.detail_text(entry)
        assert text.startswith("2: ")
        assert text.endswith(" = PROS")
        assert "business relation" not in text


def test_an_old_text_detail_is_shown_as_it_was_stored():
    assert audit.detail_text(AuditEntry(detail="Reason typed by a user")) == (
        "Reason typed by a user"
    )


def test_a_records_name_and_a_choice_in_an_audit_detail_are_worded_for_the_reader():
    """An export's audit line names the records, an opt-out its source, in the reader's
    language (core.audit.model_name, core.audit.choice)."""
    from django.utils.text import capfirst

    from mailings.models import EmailOptOut

    source = EmailOptOut._meta.get_field("source").choices[0][0]
    detail = audit.message(
        "%(things)s (%(format)s): %(selection)s",
        things=audit.model_name(Contact, plural=True),
        format="csv",
        selection=audit.choice(EmailOptOut, "source", source),
    )
    entry = AuditEntry(detail=audit._stored(detail))
    for language in ("en", "nl"):
        with translation.override(language):
            things = capfirst(Contact._meta.verbose_name_plural)
            label = str(dict(EmailOptOut._meta.get_field("source").flatchoices)[source])
            assert audit.detail_text(entry) == f"{things} (csv): {label}"


def test_the_change_history_shows_amounts_in_the_users_format(manager_client):
    from campaigns.services import save_campaign

    campaign = CampaignFactory()
    campaign.budget_cost = Decimal("1800")
    save_campaign(campaign=campaign)
    card = reverse("campaigns:campaign_card", args=[campaign.no])
    assert "0.00 → 1,800.00" in page(manager_client, card)
    assert "0,00 → 1.800,00" in page(dutch(manager_client), card)
