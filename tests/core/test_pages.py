import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from core import roles
from core.models import NumberSeries

pytestmark = pytest.mark.django_db


def test_roles_exist_with_their_permissions():
    groups = {g.name: g for g in Group.objects.prefetch_related("permissions")}
    assert set(roles.ROLE_NAMES) <= set(groups)

    def codenames(name):
        return {p.codename for p in groups[name].permissions.all()}

    assert {"add_campaign", "delete_campaign", "add_salesperson"} <= codenames(
        roles.MARKETING_MANAGER
    )
    assert {"add_campaign", "change_campaign"} <= codenames(roles.MARKETING_STAFF)
    assert "add_salesperson" not in codenames(roles.MARKETING_STAFF)
    assert codenames(roles.READ_ONLY) == {c for c in codenames(roles.READ_ONLY) if "view" in c}
    assert "view_campaign" in codenames(roles.READ_ONLY)
    assert "change_campaign" not in codenames(roles.SALESPERSON)


def test_login_page_is_open_and_styled(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "bootstrap.min.css" in response.content.decode()


def test_login_with_the_right_password_reaches_home(client, manager):
    response = client.post(
        reverse("login"), {"username": "manager", "password": "pw-for-tests-1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Campaigns" in response.content.decode()


def test_home_menu_shows_only_what_the_user_may_open(client, viewer, manager):
    client.force_login(viewer)
    page = client.get(reverse("home")).content.decode()
    assert reverse("campaigns:campaign_list") in page
    client.force_login(manager)
    page = client.get(reverse("home")).content.decode()
    assert reverse("core:numberseries_list") in page


def test_home_lists_the_eleven_workflow_steps_with_links_the_user_may_open(
    client, manager, django_user_model
):
    from core.navigation import WORKFLOW

    client.force_login(manager)
    response = client.get(reverse("home"))
    steps = response.context["workflow"]
    assert len(steps) == 11
    assert all(step["url"] for step in steps)
    page = response.content.decode()
    assert page.count("<li>") >= 11
    assert f'href="{reverse("campaigns:campaignentry_list")}"' in page
    nobody = django_user_model.objects.create_user("nobody", password="pw-for-tests-1")
    client.force_login(nobody)
    steps = client.get(reverse("home")).context["workflow"]
    assert [step["text"] for step in steps] == [text for text, *_rest in WORKFLOW]
    assert not any(step["url"] for step in steps)


def test_user_without_any_role_gets_403_on_lists(client, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="pw-for-tests-1")
    client.force_login(user)
    assert client.get(reverse("campaigns:campaign_list")).status_code == 403
    page = client.get(reverse("campaigns:campaign_list")).content.decode()
    assert "permission" in page


def test_number_series_setup_page_edits_a_series(manager_client):
    series = NumberSeries.objects.get(code="CAMPAIGN")
    response = manager_client.post(
        series.get_url("edit"),
        {
            "code": "CAMPAIGN",
            "description": "Campaigns",
            "prefix": "CAMP-",
            "digits": 3,
            "last_number": 7,
            "allow_manual": "on",
        },
    )
    assert response.status_code == 302
    series.refresh_from_db()
    assert series.next_preview == "CAMP-008"


def test_number_series_digits_are_validated(manager_client):
    series = NumberSeries.objects.get(code="CAMPAIGN")
    response = manager_client.post(
        series.get_url("edit"),
        {"code": "CAMPAIGN", "prefix": "CP", "digits": 40, "last_number": -1},
    )
    assert {"digits", "last_number"} <= set(response.context["form"].errors)


def test_staff_cannot_edit_number_series(client, staff):
    client.force_login(staff)
    series = NumberSeries.objects.get(code="CAMPAIGN")
    assert client.get(series.get_url("edit")).status_code == 403


def test_language_can_be_switched_on_the_login_page(client):
    response = client.post(reverse("set_language"), {"language": "nl", "next": "/login/"})
    assert response.status_code == 302
    assert client.get(reverse("login")).content.decode().count('lang="nl"') == 1


def test_login_is_locked_after_repeated_failures(client, manager, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _attempt in range(3):
        response = client.post(reverse("login"), {"username": "manager", "password": "wrong"})
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    # Even the right password is refused while locked.
    response = client.post(reverse("login"), {"username": "manager", "password": "pw-for-tests-1"})
    assert response.status_code == 429


def test_pages_carry_a_content_security_policy(client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


def test_favicon_is_served_without_login(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.url.endswith("favicon.svg")
