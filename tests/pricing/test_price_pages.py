import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from pricing.models import SalesLineDiscount, SalesPrice, SalesType
from tests.factories import campaign_with_segment, company, customer_of, item, price

pytestmark = pytest.mark.django_db


def price_data(chair, **overrides):
    data = {
        "item": chair.no,
        "sales_type": SalesType.ALL_CUSTOMERS,
        "sales_code": "",
        "unit_price": "90",
        "minimum_quantity": "0",
        "allow_line_discount": "on",
    }
    data.update(overrides)
    return data


def post_price(client, data):
    return client.post(reverse("pricing:salesprice_create"), data)


def test_create_price_for_all_customers(manager_client):
    chair = item()
    response = post_price(manager_client, price_data(chair, item=chair.no.lower()))
    assert response.status_code == 302
    assert SalesPrice.objects.get().unit_price == 90


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sales_code": "X"}, "sales_code"),  # all customers: code must be blank
        ({"sales_type": "customer", "sales_code": "NOPE"}, "sales_code"),
        ({"sales_type": "customer", "sales_code": ""}, "sales_code"),
        ({"sales_type": "campaign", "sales_code": "CP9999"}, "sales_code"),
        ({"unit_price": "-1"}, "unit_price"),
        ({"item": "NOPE"}, "item"),
        ({"starting_date": "2026-02-01", "ending_date": "2026-01-01"}, "starting_date"),
        ({"minimum_quantity": "-3"}, "minimum_quantity"),
        ({"starting_date": "not a date"}, "starting_date"),
    ],
)
def test_price_rules_give_field_errors(manager_client, overrides, field):
    chair = item()
    response = post_price(manager_client, price_data(chair, **overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not SalesPrice.objects.exists()


def test_an_unknown_item_is_named_with_its_kind_in_the_users_language(manager_client):
    chair = item()
    response = post_price(manager_client, price_data(chair, item="berlin"))
    assert "Item BERLIN does not exist." in response.content.decode()
    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    response = post_price(manager_client, price_data(chair, item="berlin"))
    assert "Artikel BERLIN bestaat niet." in response.content.decode()


def test_customer_price_needs_an_existing_customer(manager_client):
    chair = item()
    acme = customer_of(company("Acme"))
    response = post_price(
        manager_client, price_data(chair, sales_type="customer", sales_code=acme.no)
    )
    assert response.status_code == 302


def test_duplicate_price_is_a_form_error_not_a_500(manager_client):
    chair = item()
    post_price(manager_client, price_data(chair))
    response = post_price(manager_client, price_data(chair, unit_price="80"))
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert SalesPrice.objects.count() == 1


def test_campaign_rows_take_the_campaign_dates_and_refuse_others(manager_client):
    chair = item()
    campaign, _segment = campaign_with_segment()
    data = price_data(chair, sales_type="campaign", sales_code=campaign.no)
    response = post_price(manager_client, {**data, "starting_date": "2020-01-01"})
    assert response.status_code == 200
    assert "change them on the campaign card" in response.content.decode()
    response = post_price(manager_client, data)
    assert response.status_code == 302
    row = SalesPrice.objects.get()
    assert (row.starting_date, row.ending_date) == (campaign.starting_date, campaign.ending_date)


def test_a_date_refused_on_one_form_leaves_every_other_date_field_unmarked(manager_client):
    chair = item()
    response = post_price(manager_client, price_data(chair, starting_date="not a date"))
    assert "is-invalid" in response.content.decode()
    # The form's date fields once shared one widget with every list filter: crispy's
    # error mark stayed on it, and empty filters showed red for every user after.
    for page in ("campaigns:campaign_list", "pricing:salesprice_list", "pricing:salesprice_create"):
        assert "is-invalid" not in manager_client.get(reverse(page)).content.decode(), page


def test_a_rows_card_links_its_sales_code_to_the_campaign_or_customer(manager_client):
    chair = item()
    campaign, _segment = campaign_with_segment()
    acme = customer_of(company("Acme"))
    post_price(manager_client, price_data(chair, sales_type="campaign", sales_code=campaign.no))
    post_price(manager_client, price_data(chair, sales_type="customer", sales_code=acme.no))
    for sales_type, linked in ((SalesType.CAMPAIGN, campaign), (SalesType.CUSTOMER, acme)):
        row = SalesPrice.objects.get(sales_type=sales_type)
        page = manager_client.get(row.get_absolute_url()).content.decode()
        assert f'href="{linked.get_absolute_url()}"' in page


def test_lists_open_from_the_campaign_filtered_with_campaign_defaults(manager_client):
    chair = item()
    campaign, _segment = campaign_with_segment()
    price(chair, SalesType.CAMPAIGN, campaign.no, unit_price="77")
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="99")
    card = manager_client.get(campaign.get_absolute_url()).content.decode()
    url = f"{reverse('pricing:salesprice_list')}?sales_type=campaign&amp;sales_code={campaign.no}"
    assert url in card
    page = manager_client.get(
        reverse("pricing:salesprice_list"), {"sales_type": "campaign", "sales_code": campaign.no}
    )
    body = page.content.decode()
    assert "77.00" in body
    assert "99.00" not in body
    create = manager_client.get(
        reverse("pricing:salesprice_create"), {"sales_type": "campaign", "sales_code": campaign.no}
    )
    form = create.context["form"]
    assert form.initial["sales_type"] == "campaign"
    assert form.initial["starting_date"] == campaign.starting_date


def test_valid_on_filter(manager_client):
    chair = item()
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="11", ending_date=datetime.date(2026, 1, 31))
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="22", starting_date=datetime.date(2026, 2, 1))
    body = manager_client.get(
        reverse("pricing:salesprice_list"), {"valid_on": "2026-02-15"}
    ).content.decode()
    assert "22.00" in body
    assert "11.00" not in body


def test_discount_over_100_and_unknown_code_are_refused(manager_client):
    chair = item()
    response = manager_client.post(
        reverse("pricing:saleslinediscount_create"),
        {
            "type": "item",
            "code": chair.no,
            "sales_type": "all_customers",
            "line_discount_percent": "150",
            "minimum_quantity": "0",
        },
    )
    assert "line_discount_percent" in response.context["form"].errors
    response = manager_client.post(
        reverse("pricing:saleslinediscount_create"),
        {
            "type": "item_discount_group",
            "code": "NOPE",
            "sales_type": "all_customers",
            "line_discount_percent": "5",
            "minimum_quantity": "0",
        },
    )
    assert "code" in response.context["form"].errors
    assert not SalesLineDiscount.objects.exists()


def test_price_edit_is_recorded_in_history(manager_client, manager):
    chair = item()
    row = price(chair, SalesType.ALL_CUSTOMERS, unit_price="90")
    manager_client.post(row.get_url("edit"), price_data(chair, unit_price="85"))
    page = manager_client.get(row.get_absolute_url()).content.decode()
    assert "90.00 → 85.00" in page


def test_activate_from_the_card_with_confirmation_and_message(manager_client):
    a = company("A")
    campaign, _segment = campaign_with_segment(a, targets=[a])
    url = reverse("pricing:campaign_activate", kwargs={"key": campaign.no})
    question = manager_client.get(url).content.decode()
    assert "has no sales prices and no sales line discounts" in question
    response = manager_client.post(url, follow=True)
    assert f"Campaign {campaign.no} is now activated (1 target)." in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.activated
    response = manager_client.post(
        reverse("pricing:campaign_deactivate", kwargs={"key": campaign.no}), follow=True
    )
    assert "deactivated" in response.content.decode()


def test_activation_refusal_is_shown_on_the_card(manager_client):
    campaign, _segment = campaign_with_segment()
    url = reverse("pricing:campaign_activate", kwargs={"key": campaign.no})
    response = manager_client.post(url, follow=True)
    assert "mark them as campaign target" in response.content.decode()


def test_staff_may_not_activate(client, staff):
    campaign, _segment = campaign_with_segment()
    client.force_login(staff)
    url = reverse("pricing:campaign_activate", kwargs={"key": campaign.no})
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    card = client.get(campaign.get_absolute_url()).content.decode()
    assert "Activate sales prices" not in card


def test_price_list_query_count_is_constant(manager_client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (3, 40):
        chair = item()
        for index in range(size):
            price(
                chair, SalesType.ALL_CUSTOMERS, unit_price=str(10 + index), minimum_quantity=index
            )
        with CaptureQueriesContext(connection) as queries:
            manager_client.get(reverse("pricing:salesprice_list"), {"item": chair.no})
        counts.append(len(queries))
    assert counts[0] == counts[1]


# The card offers Activate / Deactivate where they work (docs/pricing.md) ---------------


def _card_buttons(client, campaign):
    page = client.get(campaign.get_absolute_url()).content.decode()
    activate = reverse("pricing:campaign_activate", kwargs={"key": campaign.no})
    deactivate = reverse("pricing:campaign_deactivate", kwargs={"key": campaign.no})
    return f'href="{activate}"' in page, f'href="{deactivate}"' in page


def _with_status(campaign, stage):
    from campaigns.models import Campaign, CampaignStatus

    status = CampaignStatus.objects.create(code=f"S-{stage or 'OPEN'}".upper(), stage=stage)
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    campaign.refresh_from_db()
    return campaign


def test_card_offers_activate_on_a_campaign_that_is_not_activated(manager_client):
    campaign, _segment = campaign_with_segment()
    assert _card_buttons(manager_client, campaign) == (True, False)


def test_card_offers_only_deactivate_on_an_activated_campaign(manager_client):
    from campaigns.models import Campaign

    campaign, _segment = campaign_with_segment()
    Campaign.objects.filter(pk=campaign.pk).update(activated=True)
    assert _card_buttons(manager_client, campaign) == (False, True)


@pytest.mark.parametrize("stage", ["done", "canceled"])
def test_activating_a_campaign_that_is_over_warns_first(manager_client, stage):
    a = company("A")
    campaign, _segment = campaign_with_segment(a, targets=[a])
    campaign = _with_status(campaign, stage)
    assert _card_buttons(manager_client, campaign) == (True, False)
    url = reverse("pricing:campaign_activate", kwargs={"key": campaign.no})
    question = manager_client.get(url).context["question"]
    assert question.startswith(
        f"Warning: campaign {campaign.no} has status {campaign.status.code} ({stage}); "
        "activating it gives its target group its prices again although the campaign is over."
    )
    assert "Activate it anyway?" in question
    assert not campaign.activated  # only the yes activates


def test_activating_an_open_campaign_has_no_warning(manager_client):
    campaign = _with_status(campaign_with_segment()[0], "")
    url = reverse("pricing:campaign_activate", kwargs={"key": campaign.no})
    assert "Warning" not in manager_client.get(url).context["question"]
