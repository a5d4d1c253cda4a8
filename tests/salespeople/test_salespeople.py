import pytest
from django.urls import reverse

from salespeople.forms import TeamForm
from salespeople.models import Salesperson, Team, TeamMember
from tests.factories import CampaignFactory, SalespersonFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_code_is_upper_cased_and_unique(manager_client):
    url = reverse("salespeople:salesperson_create")
    response = manager_client.post(url, {"code": "jd", "name": "John Doe", "commission_percent": 0})
    assert response.status_code == 302
    assert Salesperson.objects.get().code == "JD"
    response = manager_client.post(url, {"code": "JD", "name": "Jane", "commission_percent": 0})
    assert response.status_code == 200
    assert "code" in response.context["form"].errors


def test_commission_over_100_is_refused(manager_client):
    response = manager_client.post(
        reverse("salespeople:salesperson_create"),
        {"code": "JD", "name": "John", "commission_percent": "150"},
    )
    assert "commission_percent" in response.context["form"].errors
    assert not Salesperson.objects.exists()


def test_code_with_a_slash_is_refused(manager_client):
    response = manager_client.post(
        reverse("salespeople:salesperson_create"),
        {"code": "A/B", "name": "John", "commission_percent": "0"},
    )
    assert "code" in response.context["form"].errors


def test_salesperson_on_a_campaign_cannot_be_deleted_and_the_page_says_why(manager_client):
    campaign = CampaignFactory()
    salesperson = campaign.salesperson
    response = manager_client.post(salesperson.get_url("delete"), follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert "cannot be deleted" in page
    assert campaign.no in page
    assert Salesperson.objects.filter(pk=salesperson.pk).exists()


def test_team_member_cannot_be_deleted(manager_client):
    team = TeamFactory(code="FAIR")
    member = SalespersonFactory()
    TeamMember.objects.create(team=team, salesperson=member)
    response = manager_client.post(member.get_url("delete"), follow=True)
    assert "FAIR" in response.content.decode()
    assert Salesperson.objects.filter(pk=member.pk).exists()


def test_unreferenced_salesperson_is_deleted(manager_client):
    salesperson = SalespersonFactory()
    manager_client.post(salesperson.get_url("delete"))
    assert not Salesperson.objects.exists()


def test_team_form_saves_members_and_offers_no_blocked_salesperson():
    active = SalespersonFactory()
    blocked = SalespersonFactory(blocked=True)
    form = TeamForm(data={"code": "fair", "name": "Fair", "members": [active.pk]})
    assert form.is_valid(), form.errors
    team = form.save()
    assert list(team.members.all()) == [active]
    assert blocked not in TeamForm().fields["members"].queryset
    refused = TeamForm(data={"code": "X", "name": "X", "members": [blocked.pk]})
    assert not refused.is_valid()


def test_team_card_lists_members(manager_client):
    team = TeamFactory()
    member = SalespersonFactory(name="Annette Hill")
    TeamMember.objects.create(team=team, salesperson=member)
    page = manager_client.get(team.get_absolute_url()).content.decode()
    assert "Annette Hill" in page


def test_deleting_a_team_keeps_its_salespeople(manager_client):
    team = TeamFactory()
    member = SalespersonFactory()
    TeamMember.objects.create(team=team, salesperson=member)
    manager_client.post(team.get_url("delete"))
    assert not Team.objects.exists()
    assert Salesperson.objects.filter(pk=member.pk).exists()


def test_marketing_staff_cannot_change_salespeople(client, staff):
    client.force_login(staff)
    assert client.get(reverse("salespeople:salesperson_list")).status_code == 200
    assert client.get(reverse("salespeople:salesperson_create")).status_code == 403
