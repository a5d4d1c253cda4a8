"""Lists that remember and saved views (docs/lists.md): the last query comes back,
Clear clears, per user and per list; saved views private or shared with the team, only
the owner changes them; the column chooser; the job-responsibility filter."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import ContactJobResponsibility, JobResponsibility
from core import remembered_lists, roles
from core.models import ListState, SavedView
from tests.factories import (
    IndustryGroupFactory,
    JobResponsibilityFactory,
    PersonFactory,
    SalespersonFactory,
    TeamFactory,
    TeamMemberFactory,
    UserFactory,
)

CONTACTS = "contacts:contact_list"
CONTACTS_URL = "/contacts/"
CAMPAIGNS_URL = reverse("campaigns:campaign_list")


def login(client, user):
    client.force_login(user)
    return client


def team_mates():
    """Two salespeople's logins in one team, and a third login outside it."""
    team = TeamFactory(code="NORTH")
    users = []
    for code in ("AN", "BO"):
        user = UserFactory(username=code.lower(), role=roles.SALESPERSON)
        TeamMemberFactory(team=team, salesperson=SalespersonFactory(code=code, user=user))
        users.append(user)
    outsider = UserFactory(username="out", role=roles.SALESPERSON)
    SalespersonFactory(code="OUT", user=outsider)
    return team, users[0], users[1], outsider


# --- Lists that remember ---------------------------------------------------------------


def test_the_last_query_comes_back_without_the_page(manager_client):
    manager_client.get(CONTACTS_URL, {"type": "person", "sort": "-name", "cursor": "abc"})
    response = manager_client.get(CONTACTS_URL)
    assert response.status_code == 302
    assert response["Location"] == f"{CONTACTS_URL}?type=person&sort=-name"


def test_unknown_parameters_and_empty_values_are_not_remembered(manager_client):
    manager_client.get(CONTACTS_URL, {"q": "", "type": "company", "nope": "1", "sort": "bad"})
    assert ListState.objects.get().query == "type=company"


def test_clear_clears_and_is_remembered(manager_client):
    manager_client.get(CONTACTS_URL, {"q": "Jansen"})
    response = manager_client.get(CONTACTS_URL, {"_clear": "1"})
    assert response.status_code == 302
    assert response["Location"] == CONTACTS_URL
    response = manager_client.get(CONTACTS_URL)
    assert response.status_code == 200
    assert ListState.objects.get().query == ""
    assert 'href="/contacts/?_clear=1"' in response.content.decode()


def test_the_state_is_per_user_and_per_list(client, manager, staff):
    login(client, manager).get(CONTACTS_URL, {"type": "person"})
    assert client.get(CAMPAIGNS_URL).status_code == 200  # another list: nothing remembered
    login(client, staff)
    assert client.get(CONTACTS_URL).status_code == 200  # another user: nothing remembered
    login(client, manager)
    assert client.get(CONTACTS_URL)["Location"] == f"{CONTACTS_URL}?type=person"


def test_an_htmx_request_is_remembered_and_answered_with_the_partial(manager_client):
    response = manager_client.get(CONTACTS_URL, {"q": "abc"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert ListState.objects.get().query == "q=abc"


def test_an_export_is_not_remembered_and_follows_the_query(manager_client):
    PersonFactory(name="Anna Export")
    manager_client.get(CONTACTS_URL, {"type": "company"})
    response = manager_client.get(CONTACTS_URL, {"type": "person", "_export": "csv"})
    assert response.status_code == 200
    assert "Anna Export" in b"".join(response.streaming_content).decode("utf-8-sig")
    assert ListState.objects.get().query == "type=company"


def test_a_stale_remembered_filter_is_a_form_error_not_a_500(manager_client):
    group = IndustryGroupFactory(code="GONE")
    manager_client.get(CONTACTS_URL, {"industry_group": group.pk})
    group.delete()
    response = manager_client.get(CONTACTS_URL, follow=True)
    assert response.status_code == 200
    assert response.context["filter"].errors
    # Shown once: the list opens without it the next time.
    assert manager_client.get(CONTACTS_URL).status_code == 200


def test_a_refused_filter_value_is_shown_once_and_not_remembered(manager_client):
    manager_client.get(CONTACTS_URL, {"type": "person"})
    response = manager_client.get(CONTACTS_URL, {"type": "person", "industry_group": "999999"})
    assert response.context["filter"].errors
    assert ListState.objects.get().query == "type=person"
    assert manager_client.get(CONTACTS_URL)["Location"] == f"{CONTACTS_URL}?type=person"


# --- Saved views: the services ---------------------------------------------------------


def test_a_view_is_saved_with_its_query_and_columns(manager):
    view = remembered_lists.save_view(
        user=manager,
        list_key=CONTACTS,
        name="  Persons  ",
        query="type=person&sort=-name&cursor=x",
        columns=["name", "city"],
        team=None,
    )
    assert (view.name, view.query) == ("Persons", "type=person&sort=-name")
    assert view.columns == ["no", "name", "city"]  # the key column is always kept


@pytest.mark.parametrize(
    ("query", "columns", "field"),
    [
        ("nope=1", None, "query"),
        ("sort=phone;drop", None, "query"),
        ("q=" + "x" * 300, None, "query"),
        ("bad\x00", None, "query"),
        ("", ["name", "secret"], "columns"),
        ("", "name", "columns"),
        ("", [1], "columns"),
    ],
)
def test_hostile_queries_and_columns_are_refused(manager, query, columns, field):
    with pytest.raises(ValidationError) as refused:
        remembered_lists.save_view(
            user=manager, list_key=CONTACTS, name="X", query=query, columns=columns, team=None
        )
    assert field in refused.value.message_dict
    assert not SavedView.objects.exists()


@pytest.mark.parametrize("list_key", ["contacts:contact_card", "admin:index", "nope", "", None])
def test_only_a_list_has_views(manager, list_key):
    with pytest.raises(ValidationError):
        remembered_lists.save_view(
            user=manager, list_key=list_key, name="X", query="", columns=None, team=None
        )


def test_names_are_unique_per_user_and_list_and_limited(manager, staff):
    remembered_lists.save_view(
        user=manager, list_key=CONTACTS, name="Mine", query="", columns=None, team=None
    )
    for name in ("mine", "", "x" * 61):
        with pytest.raises(ValidationError):
            remembered_lists.save_view(
                user=manager, list_key=CONTACTS, name=name, query="", columns=None, team=None
            )
    # Another user, another list: the same name is free.
    remembered_lists.save_view(
        user=staff, list_key=CONTACTS, name="Mine", query="", columns=None, team=None
    )
    remembered_lists.save_view(
        user=manager,
        list_key="campaigns:campaign_list",
        name="Mine",
        query="",
        columns=None,
        team=None,
    )


def test_only_the_owner_renames_or_deletes(manager, staff):
    view = remembered_lists.save_view(
        user=manager, list_key=CONTACTS, name="Mine", query="", columns=None, team=None
    )
    with pytest.raises(PermissionDenied):
        remembered_lists.rename_view(user=staff, view=view, name="Theirs")
    with pytest.raises(PermissionDenied):
        remembered_lists.delete_view(user=staff, view=view)
    # What the caller holds in memory does not count: the stored owner does.
    view.user = staff
    with pytest.raises(PermissionDenied):
        remembered_lists.delete_view(user=staff, view=view)
    remembered_lists.rename_view(user=manager, view=view, name="Renamed")
    assert SavedView.objects.get().name == "Renamed"
    remembered_lists.delete_view(user=manager, view=view)
    assert not SavedView.objects.exists()


def test_a_view_is_shared_only_with_a_team_of_the_owner(db):
    team, ann, bo, outsider = team_mates()
    other_team = TeamFactory(code="SOUTH")
    with pytest.raises(ValidationError):
        remembered_lists.save_view(
            user=ann, list_key=CONTACTS, name="X", query="", columns=None, team=other_team
        )
    view = remembered_lists.save_view(
        user=ann, list_key=CONTACTS, name="Team", query="type=person", columns=None, team=team
    )
    assert list(remembered_lists.visible_views(bo, CONTACTS)) == [view]
    assert list(remembered_lists.visible_views(outsider, CONTACTS)) == []
    # The team-mate opens it but may not change it.
    assert remembered_lists.open_view(user=bo, view=view) == f"{CONTACTS_URL}?type=person"
    with pytest.raises(PermissionDenied):
        remembered_lists.rename_view(user=bo, view=view, name="Mine now")
    with pytest.raises(PermissionDenied):
        remembered_lists.open_view(user=outsider, view=view)


def test_a_user_without_the_lists_permission_cannot_keep_its_views(db):
    nobody = UserFactory(username="nobody")
    with pytest.raises(PermissionDenied):
        remembered_lists.remember_query(user=nobody, list_key=CONTACTS, query="")
    with pytest.raises(PermissionDenied):
        remembered_lists.save_view(
            user=nobody, list_key=CONTACTS, name="X", query="", columns=None, team=None
        )


# --- Saved views: the pages ------------------------------------------------------------


def test_save_a_view_from_the_page_and_open_it_from_the_views_menu(manager_client, manager):
    manager_client.get(CONTACTS_URL, {"type": "person"})
    url = reverse("core:savedview_create", kwargs={"list_key": CONTACTS})
    page = manager_client.get(url)
    assert page.status_code == 200
    assert "type=person" in page.content.decode()
    assert "Share with team" not in page.content.decode()  # no salesperson: no team
    response = manager_client.post(
        url, {"name": "Persons", "query": "type=person", "columns": "no,name"}
    )
    assert response.status_code == 302
    view = SavedView.objects.get()
    assert (view.user, view.query, view.columns) == (manager, "type=person", ["no", "name"])
    manager_client.get(CONTACTS_URL, {"_clear": "1"})
    menu = manager_client.get(CONTACTS_URL).content.decode()
    open_url = reverse("core:savedview_open", kwargs={"pk": view.pk})
    assert open_url in menu
    response = manager_client.get(open_url)
    assert response["Location"] == f"{CONTACTS_URL}?type=person"
    table = manager_client.get(response["Location"]).context["table"]
    names = {column.name for column in table.columns}
    assert {"no", "name"} <= names
    assert not {"city", "email", "type"} & names


def test_a_hostile_post_is_a_form_error(manager_client):
    url = reverse("core:savedview_create", kwargs={"list_key": CONTACTS})
    for data in (
        {"name": "X", "query": "nope=1<script>"},
        {"name": "X", "columns": "no,password"},
        {"name": "", "query": ""},
    ):
        response = manager_client.post(url, data)
        assert response.status_code == 200, data
        assert response.context["form"].errors, data
    assert not SavedView.objects.exists()
    assert manager_client.get("/views/new/nope:nothing/").status_code == 404


def test_shared_views_show_in_the_team_mates_menu_only(client, db):
    team, ann, bo, outsider = team_mates()
    login(client, ann)
    url = reverse("core:savedview_create", kwargs={"list_key": CONTACTS})
    assert "Share with team" in client.get(url).content.decode()
    client.post(url, {"name": "North persons", "query": "type=person", "team": team.pk})
    view = SavedView.objects.get()
    assert view.shared_with_team == team
    login(client, bo)
    assert "North persons" in client.get(CONTACTS_URL, {"q": "x"}).content.decode()
    rename = reverse("core:savedview_rename", kwargs={"pk": view.pk})
    delete = reverse("core:savedview_delete", kwargs={"pk": view.pk})
    assert client.get(rename).status_code == 404
    assert client.post(delete).status_code == 404
    login(client, outsider)
    assert "North persons" not in client.get(CONTACTS_URL, {"q": "x"}).content.decode()
    assert client.get(reverse("core:savedview_open", kwargs={"pk": view.pk})).status_code == 404
    login(client, ann)
    assert client.post(rename, {"name": "North"}).status_code == 302
    assert client.post(delete).status_code == 302
    assert not SavedView.objects.exists()


# --- Column chooser --------------------------------------------------------------------


def test_a_hidden_column_is_not_rendered_nor_exported(manager_client):
    PersonFactory(name="Anna", city="Utrecht")
    columns = reverse("core:list_columns")
    response = manager_client.post(columns, {"list": CONTACTS, "columns": ["name", "type"]})
    assert response.status_code == 302
    response = manager_client.get(CONTACTS_URL, {"q": "Anna"})
    names = [column.name for column in response.context["table"].columns]
    assert "city" not in names
    assert {"no", "name", "type"} <= set(names)
    assert "Utrecht" not in response.content.decode()
    export = manager_client.get(CONTACTS_URL, {"q": "Anna", "_export": "csv"})
    header = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()[0]
    assert "City" not in header
    assert "Name" in header
    # All columns again.
    manager_client.post(columns, {"list": CONTACTS, "reset": "1"})
    response = manager_client.get(CONTACTS_URL, {"q": "Anna"})
    assert "Utrecht" in response.content.decode()


def test_the_key_column_cannot_be_hidden_and_bad_names_are_refused(manager_client, manager):
    columns = reverse("core:list_columns")
    manager_client.post(columns, {"list": CONTACTS, "columns": ["city"]})
    assert ListState.objects.get().columns == ["no", "city"]
    response = manager_client.post(
        columns, {"list": CONTACTS, "columns": ["name", "__class__"]}, follow=True
    )
    assert response.status_code == 200
    assert "is not a column of this list" in response.content.decode()
    assert ListState.objects.get().columns == ["no", "city"]
    assert manager_client.post(columns, {"list": "nope"}).status_code == 404


# --- The job-responsibility filter -----------------------------------------------------


def test_contacts_filter_by_job_responsibility_without_duplicates(manager_client):
    buyer, boss = JobResponsibilityFactory(code="BUYER"), JobResponsibilityFactory(code="BOSS")
    both = PersonFactory(name="Both", job_responsibilities=[buyer, boss])
    only = PersonFactory(name="Buyer only", job_responsibilities=[buyer])
    PersonFactory(name="Boss only", job_responsibilities=[boss])
    PersonFactory(name="None")
    response = manager_client.get(CONTACTS_URL, {"job_responsibility": buyer.pk})
    rows = [contact.pk for contact in response.context["list_page"].object_list]
    assert sorted(rows) == sorted([both.pk, only.pk])
    assert response.context["list_page"].count.value == 2


def _queries(client, params):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(CONTACTS_URL, params).status_code == 200
    return len(queries)


def test_the_job_responsibility_filter_has_constant_queries(manager_client):
    buyer = JobResponsibilityFactory(code="BUYER")
    params = {"job_responsibility": buyer.pk}
    PersonFactory(job_responsibilities=[buyer])
    manager_client.get(CONTACTS_URL, params)
    few = _queries(manager_client, params)
    persons = PersonFactory.create_batch(30)
    ContactJobResponsibility.objects.bulk_create(
        ContactJobResponsibility(contact=person, job_responsibility=buyer) for person in persons
    )
    assert _queries(manager_client, params) == few
    assert JobResponsibility.objects.count() == 1


def test_the_job_responsibility_filter_reads_in_order_on_a_large_list(manager_client, monkeypatch):
    """Above the exact count the filter is an EXISTS per contact read in the list's
    order (docs/lists.md): still each contact once."""
    from contacts.views import ContactList

    monkeypatch.setattr(ContactList, "count_limit", 2)
    buyer, boss = JobResponsibilityFactory(code="BUYER"), JobResponsibilityFactory(code="BOSS")
    holders = [PersonFactory(job_responsibilities=[buyer, boss]) for _ in range(4)]
    PersonFactory(job_responsibilities=[boss])
    response = manager_client.get(CONTACTS_URL, {"job_responsibility": buyer.pk})
    assert response.context["list_page"].count.large
    rows = [contact.pk for contact in response.context["list_page"].object_list]
    assert sorted(rows) == sorted(holder.pk for holder in holders)
