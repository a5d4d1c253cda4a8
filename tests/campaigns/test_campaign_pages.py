import pytest
from django.urls import reverse

from campaigns.models import Campaign, CampaignStatus
from tests.factories import CampaignFactory, CampaignStatusFactory

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client):
    campaign = CampaignFactory()
    for url in [reverse("campaigns:campaign_list"), campaign.get_absolute_url(), reverse("home")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_read_only_user_sees_but_cannot_create_edit_or_delete(viewer_client):
    campaign = CampaignFactory()
    assert viewer_client.get(reverse("campaigns:campaign_list")).status_code == 200
    assert viewer_client.get(campaign.get_absolute_url()).status_code == 200
    for name in ["campaign_edit", "campaign_delete"]:
        url = reverse(f"campaigns:{name}", kwargs={"key": campaign.no})
        assert viewer_client.get(url).status_code == 403
        assert viewer_client.post(url).status_code == 403
    create = reverse("campaigns:campaign_create")
    assert viewer_client.get(create).status_code == 403
    assert viewer_client.post(create, {"description": "x"}).status_code == 403
    assert Campaign.objects.count() == 1


def test_card_of_a_read_only_user_shows_no_edit_button(viewer_client):
    campaign = CampaignFactory()
    page = viewer_client.get(campaign.get_absolute_url()).content.decode()
    assert campaign.get_url("edit") not in page


def test_manager_creates_a_campaign_and_sees_it_on_its_card(manager_client):
    status = CampaignStatusFactory(code="1-PLAN")
    response = manager_client.post(
        reverse("campaigns:campaign_create"),
        {
            "description": "Trade show 2026",
            "status": status.pk,
            "starting_date": "2026-03-01",
            "ending_date": "2026-03-31",
        },
        follow=True,
    )
    assert response.status_code == 200
    campaign = Campaign.objects.get()
    assert response.redirect_chain[-1][0] == campaign.get_absolute_url()
    assert "Trade show 2026" in response.content.decode()
    assert "created" in response.content.decode()


def test_reversed_dates_show_a_field_error_and_save_nothing(manager_client):
    response = manager_client.post(
        reverse("campaigns:campaign_create"),
        {"description": "Bad", "starting_date": "2026-03-31", "ending_date": "2026-03-01"},
    )
    assert response.status_code == 200
    assert "may not be after the ending date" in response.content.decode()
    assert not Campaign.objects.exists()


def test_malformed_input_gives_field_errors_not_a_server_error(manager_client):
    response = manager_client.post(
        reverse("campaigns:campaign_create"),
        {"description": "x" * 500, "starting_date": "31-31-2026", "status": "999999"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert {"description", "starting_date", "status"} <= set(form.errors)


def test_edit_changes_the_card_and_records_history(manager_client, manager):
    campaign = CampaignFactory(description="Before")
    response = manager_client.post(
        campaign.get_url("edit"),
        {"description": "After", "status": campaign.status.pk},
        follow=True,
    )
    page = response.content.decode()
    assert "After" in page
    history = campaign.history.order_by("-history_id").first()
    assert history.history_user == manager
    assert history.description == "After"
    # The card's history section names the changed field and both values.
    assert "Before" in page
    assert "After" in page


def test_deleting_a_status_in_use_is_refused_with_a_message(manager_client):
    status = CampaignStatusFactory(code="2-ACTIVE")
    campaign = CampaignFactory(status=status)
    response = manager_client.post(status.get_url("delete"), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "cannot be deleted" in page
    assert campaign.no in page
    assert CampaignStatus.objects.filter(pk=status.pk).exists()


def test_delete_campaign_after_confirmation(manager_client):
    campaign = CampaignFactory()
    confirm = manager_client.get(campaign.get_url("delete"))
    assert "Yes, delete" in confirm.content.decode()
    response = manager_client.post(campaign.get_url("delete"))
    assert response.status_code == 302
    assert not Campaign.objects.exists()


def test_unknown_campaign_is_a_friendly_404(manager_client):
    response = manager_client.get(reverse("campaigns:campaign_card", kwargs={"key": "CP9999"}))
    assert response.status_code == 404
    assert "does not exist" in response.content.decode()


def test_list_filters_and_search(manager_client):
    plan = CampaignStatusFactory(code="1-PLAN")
    CampaignFactory(description="Spring fair", status=plan)
    CampaignFactory(description="Autumn mailing")
    url = reverse("campaigns:campaign_list")
    page = manager_client.get(url, {"q": "spring"}).content.decode()
    assert "Spring fair" in page
    assert "Autumn mailing" not in page
    page = manager_client.get(url, {"status": plan.pk}).content.decode()
    assert "Spring fair" in page
    assert "Autumn mailing" not in page


def test_list_exports_the_filtered_rows_as_csv(manager_client):
    CampaignFactory(description="Spring fair")
    CampaignFactory(description="Autumn mailing")
    response = manager_client.get(
        reverse("campaigns:campaign_list"), {"q": "spring", "_export": "csv"}
    )
    assert response["Content-Type"].startswith("text/csv")
    body = response.getvalue().decode()
    assert "Spring fair" in body
    assert "Autumn mailing" not in body


def test_htmx_list_request_gets_only_the_table(manager_client):
    CampaignFactory(description="Spring fair")
    response = manager_client.get(reverse("campaigns:campaign_list"), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "Spring fair" in page
    assert "<nav" not in page


@pytest.mark.parametrize("count", [5, 50])
def test_campaign_list_query_count_does_not_grow(manager_client, count, django_assert_num_queries):
    CampaignFactory.create_batch(count)
    # session, user, permissions (2), status and salesperson filter choices, count, rows,
    # the remembered state and the Views menu (docs/lists.md)
    with django_assert_num_queries(10):
        response = manager_client.get(reverse("campaigns:campaign_list"))
    assert response.status_code == 200


def test_dutch_pages_use_the_nav_terms(manager_client):
    CampaignFactory()
    manager_client.post(reverse("set_language"), {"language": "nl", "next": "/"})
    page = manager_client.get(reverse("campaigns:campaign_list")).content.decode()
    assert "Campagnes" in page
    assert "Campagnestatus" in page
    assert "Verkopers" in page
