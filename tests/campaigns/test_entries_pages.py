"""Campaign entries: list, card, cancel / undo cancel, delete, and the batch
*Delete canceled campaign entries* page and command (docs/campaigns.md)."""

import datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import CampaignEntry, InteractionLogEntry
from salespeople.models import Salesperson
from tests.campaigns.conftest import DAY, make_entry, many_contacts
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

ENTRIES = reverse("campaigns:campaignentry_list")
BATCH = reverse("campaigns:campaignentry_delete_canceled")


def url(entry, name):
    return reverse(f"campaigns:campaignentry_{name}", kwargs={"key": entry.pk})


def queries(client, path, **params):
    with CaptureQueriesContext(connection) as context:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(context.captured_queries)


def states(entry):
    entry.refresh_from_db()
    return entry.canceled, set(entry.interactions.values_list("canceled", flat=True))


# Pages and permissions ------------------------------------------------------------------


def test_entry_pages_open_for_a_manager(manager_client, fair, ann):
    live = make_entry(fair, contacts=[ann])
    canceled = make_entry(fair, contacts=[ann], canceled=True)
    for path in [
        ENTRIES,
        live.get_absolute_url(),
        url(live, "cancel"),
        url(live, "delete"),
        url(canceled, "undo_cancel"),
        url(canceled, "delete"),
        BATCH,
    ]:
        assert manager_client.get(path).status_code == 200, path


def test_read_only_user_sees_entries_but_cannot_act(viewer_client, fair, ann):
    live = make_entry(fair, contacts=[ann])
    canceled = make_entry(fair, contacts=[ann], canceled=True)
    assert viewer_client.get(ENTRIES).status_code == 200
    page = viewer_client.get(live.get_absolute_url()).content.decode()
    assert url(live, "cancel") not in page
    assert url(live, "delete") not in page
    for path in [url(live, "cancel"), url(canceled, "undo_cancel"), url(canceled, "delete"), BATCH]:
        assert viewer_client.get(path).status_code == 403, path
        assert viewer_client.post(path, {"confirm": "1"}).status_code == 403, path
    assert states(live) == (False, {False})
    assert CampaignEntry.objects.count() == 2
    assert BATCH not in viewer_client.get(ENTRIES).content.decode()


def test_marketing_staff_may_cancel_but_not_delete(client, staff, fair, ann):
    client.force_login(staff)
    entry = make_entry(fair, contacts=[ann], canceled=True)
    page = client.get(entry.get_absolute_url()).content.decode()
    assert url(entry, "undo_cancel") in page
    assert url(entry, "delete") not in page
    assert client.post(url(entry, "delete")).status_code == 403
    assert client.get(BATCH).status_code == 403
    assert CampaignEntry.objects.filter(pk=entry.pk).exists()


def test_unknown_or_malformed_entry_key_is_a_404(manager_client):
    for key in ["999999", "abc", "99999999999999999999999"]:
        assert manager_client.get(f"{ENTRIES}{key}/").status_code == 404
        assert manager_client.post(f"{ENTRIES}{key}/cancel/").status_code == 404


def test_campaign_card_links_to_its_entries_and_interactions(manager_client, fair):
    page = manager_client.get(fair.get_absolute_url()).content.decode()
    assert f"{ENTRIES}?campaign={fair.no}" in page
    assert f"{reverse('campaigns:interactionlogentry_list')}?campaign={fair.no}" in page


# List ------------------------------------------------------------------------------------


def test_entry_list_shows_the_figures_of_each_entry(manager_client, fair, ann, acme):
    make_entry(fair, contacts=[ann, acme], cost="2.50", description="Letters")
    response = manager_client.get(ENTRIES)
    row = response.context["table"].rows[0].record
    assert (row.interaction_count, row.cost, row.duration) == (2, Decimal("5.00"), Decimal("12.0"))
    page = response.content.decode()
    assert "Letters" in page
    assert fair.no in page


def test_entry_list_filters(manager_client, fair, ann, rep):
    other_campaign = CampaignFactory()
    other_rep = Salesperson.objects.create(code="AL", name="Al")
    first = make_entry(fair, contacts=[ann], date=DAY, salesperson=rep, description="Mailing")
    second = make_entry(
        other_campaign,
        contacts=[ann],
        date=DAY + datetime.timedelta(days=10),
        canceled=True,
        salesperson=other_rep,
        description="Trade show",
    )

    def rows(**params):
        response = manager_client.get(ENTRIES, params)
        assert response.status_code == 200
        return {row.record.pk for row in response.context["table"].rows}

    assert rows() == {first.pk, second.pk}
    assert rows(campaign=fair.no) == {first.pk}
    assert rows(date_from="2026-03-20") == {second.pk}
    assert rows(date_to="2026-03-20") == {first.pk}
    assert rows(canceled="true") == {second.pk}
    assert rows(canceled="false") == {first.pk}
    assert rows(salesperson="AL") == {second.pk}
    assert rows(q="trade") == {second.pk}
    assert rows(campaign="CP9999", date_from="not a date") == set()


def test_entry_list_exports_csv(manager_client, fair, ann):
    make_entry(fair, contacts=[ann], description="Mailing")
    response = manager_client.get(ENTRIES, {"_export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "Mailing" in response.getvalue().decode()


def test_entry_list_query_count_does_not_grow(manager_client, fair, ann):
    for _n in range(3):
        make_entry(fair, contacts=[ann])
    three = queries(manager_client, ENTRIES)
    for _n in range(27):
        make_entry(fair, contacts=[ann])
    assert queries(manager_client, ENTRIES) == three


def test_entry_card_query_count_does_not_grow(manager_client, fair):
    small = make_entry(fair, contacts=many_contacts(3, "A"))
    large = make_entry(fair, contacts=many_contacts(30, "B"))
    assert queries(manager_client, small.get_absolute_url()) == queries(
        manager_client, large.get_absolute_url()
    )


def test_entry_card_pages_its_interactions(manager_client, fair):
    entry = make_entry(fair, contacts=many_contacts(55))
    first = manager_client.get(entry.get_absolute_url())
    page = first.context["interactions_page"]
    assert len(page) == 50
    assert "1–50 of 55" in first.content.decode()
    cursor = parse_qs(urlsplit(page.next_url).query)["cursor"][0]  # keyset pages
    second = manager_client.get(entry.get_absolute_url(), {"cursor": cursor})
    assert len(second.context["interactions_page"]) == 5
    assert "51–55 of 55" in second.content.decode()
    assert manager_client.get(entry.get_absolute_url(), {"cursor": "x"}).status_code == 200


# Cancel and undo cancel --------------------------------------------------------------------


def test_cancel_asks_first_naming_the_interactions(manager_client, fair, ann, acme):
    entry = make_entry(fair, contacts=[ann, acme])
    page = manager_client.get(url(entry, "cancel")).content.decode()
    assert "2 interaction log entries" in page
    assert states(entry) == (False, {False})  # a GET changes nothing


def test_cancel_cascades_to_the_interactions_and_undo_restores(manager_client, fair, ann, acme):
    entry = make_entry(fair, contacts=[ann, acme])
    other = make_entry(fair, contacts=[ann])
    response = manager_client.post(url(entry, "cancel"), follow=True)
    assert response.redirect_chain[-1][0] == entry.get_absolute_url()
    assert "canceled with 2 interaction log entries" in response.content.decode()
    assert states(entry) == (True, {True})
    assert states(other) == (False, {False})
    figures = CampaignEntry.objects.with_figures().get(pk=entry.pk)
    assert figures.interaction_count == 2  # counted over the canceled interactions

    response = manager_client.post(url(entry, "undo_cancel"), follow=True)
    assert "undone with 2 interaction log entries" in response.content.decode()
    assert states(entry) == (False, {False})


def test_canceling_a_canceled_entry_is_refused(manager_client, fair, ann):
    entry = make_entry(fair, contacts=[ann], canceled=True)
    page = manager_client.get(url(entry, "cancel")).content.decode()
    assert "already canceled" in page
    assert "Yes, cancel" not in page
    response = manager_client.post(url(entry, "cancel"), follow=True)
    assert "already canceled" in response.content.decode()
    response = manager_client.post(
        url(make_entry(fair, contacts=[ann]), "undo_cancel"), follow=True
    )
    assert "is not canceled" in response.content.decode()


# Delete ------------------------------------------------------------------------------------------


def test_entry_that_is_not_canceled_cannot_be_deleted(manager_client, fair, ann):
    entry = make_entry(fair, contacts=[ann])
    page = manager_client.get(url(entry, "delete")).content.decode()
    assert "Cancel it before deleting it" in page
    assert "Yes, delete" not in page
    response = manager_client.post(url(entry, "delete"), follow=True)
    assert response.redirect_chain[-1][0] == entry.get_absolute_url()
    assert "Cancel it before deleting it" in response.content.decode()
    assert CampaignEntry.objects.filter(pk=entry.pk).exists()
    assert InteractionLogEntry.objects.count() == 1


def test_canceled_entry_is_deleted_with_its_interactions(manager_client, fair, ann, acme):
    entry = make_entry(fair, contacts=[ann, acme])
    keep = make_entry(fair, contacts=[ann], canceled=True)
    manager_client.post(url(entry, "cancel"))
    page = manager_client.get(url(entry, "delete")).content.decode()
    assert "2 interaction log entries" in page
    response = manager_client.post(url(entry, "delete"), follow=True)
    assert response.status_code == 200
    assert "deleted" in response.content.decode()
    assert not CampaignEntry.objects.filter(pk=entry.pk).exists()
    assert set(InteractionLogEntry.objects.values_list("campaign_entry", flat=True)) == {keep.pk}


# Delete canceled campaign entries (batch page and command) -------------------------------------


@pytest.fixture
def entries(fair, ann, rep):
    """Four entries: two canceled of the fair (March 1 by JO, March 20), one canceled
    of another campaign, one live of the fair."""
    other = CampaignFactory()
    return {
        "march_1": make_entry(
            fair, contacts=[ann], canceled=True, date=DAY.replace(day=1), salesperson=rep
        ),
        "march_20": make_entry(fair, contacts=[ann], canceled=True, date=DAY.replace(day=20)),
        "other": make_entry(other, contacts=[ann], canceled=True),
        "live": make_entry(fair, contacts=[ann]),
    }


def remaining(entries):
    left = set(CampaignEntry.objects.values_list("pk", flat=True))
    return {name for name, entry in entries.items() if entry.pk in left}


def test_entries_list_links_to_the_batch_page(manager_client, fair):
    page = manager_client.get(ENTRIES, {"campaign": fair.no}).content.decode()
    assert f"{BATCH}?campaign={fair.no}" in page
    response = manager_client.get(BATCH, {"campaign": fair.no, "date_from": "junk"})
    assert response.context["form"].initial["campaign"] == fair


def test_batch_page_confirms_then_deletes_and_reports(manager_client, entries, fair):
    data = {"campaign": fair.no, "date_from": "", "date_to": "", "salesperson": ""}
    response = manager_client.post(BATCH, data)
    page = response.content.decode()
    assert "Delete 2 canceled campaign entries with 2 interaction log entries?" in page
    assert remaining(entries) == set(entries)  # nothing deleted before Yes
    response = manager_client.post(BATCH, {**data, "confirm": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == ENTRIES
    assert "2 canceled campaign entries deleted." in response.content.decode()
    assert remaining(entries) == {"other", "live"}
    assert InteractionLogEntry.objects.count() == 2


def test_batch_page_respects_the_date_and_salesperson_filters(manager_client, entries, rep):
    data = {"date_from": "2026-03-10", "date_to": "2026-03-31", "confirm": "1"}
    response = manager_client.post(BATCH, data, follow=True)
    assert "2 canceled campaign entries deleted." in response.content.decode()
    assert remaining(entries) == {"march_1", "live"}
    response = manager_client.post(BATCH, {"salesperson": rep.code, "confirm": "1"}, follow=True)
    assert "1 canceled campaign entry deleted." in response.content.decode()
    assert remaining(entries) == {"live"}


def test_batch_page_bad_input_and_nothing_to_delete(manager_client, entries):
    response = manager_client.post(
        BATCH, {"date_from": "2026-03-31", "date_to": "2026-03-01", "campaign": "CP9999"}
    )
    assert response.status_code == 200
    assert {"date_to", "campaign"} <= set(response.context["form"].errors)
    response = manager_client.post(BATCH, {"date_from": "2030-01-01"})
    assert "No canceled campaign entries match these filters." in response.content.decode()
    assert remaining(entries) == set(entries)


def test_command_deletes_canceled_entries_and_prints_the_count(entries, capsys):
    call_command(
        "delete_canceled_campaign_entries", "--campaign", entries["live"].campaign.no.lower()
    )
    assert "2 canceled campaign entries deleted." in capsys.readouterr().out
    assert remaining(entries) == {"other", "live"}


def test_command_filters_on_dates_and_salesperson(entries, rep, capsys):
    # --before / --after exclude the date itself.
    call_command("delete_canceled_campaign_entries", "--before", "2026-03-01")
    assert "0 canceled campaign entries deleted." in capsys.readouterr().out
    call_command(
        "delete_canceled_campaign_entries", "--after", "2026-03-16", "--before", "2026-04-01"
    )
    assert "1 canceled campaign entry deleted." in capsys.readouterr().out
    assert remaining(entries) == {"march_1", "other", "live"}
    call_command("delete_canceled_campaign_entries", "--salesperson", rep.code)
    assert remaining(entries) == {"other", "live"}


def test_command_verbosity(entries, capsys):
    call_command("delete_canceled_campaign_entries", "--before", "2026-03-02", verbosity=0)
    assert capsys.readouterr().out == ""
    assert remaining(entries) == {"march_20", "other", "live"}
    call_command("delete_canceled_campaign_entries", verbosity=2)
    captured = capsys.readouterr()
    out = captured.out
    assert "all of them" in captured.err
    assert "2 canceled campaign entries deleted." in out
    assert remaining(entries) == {"live"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--campaign", "CP9999"], "Campaign CP9999 does not exist"),
        (["--salesperson", "NOBODY"], "Salesperson NOBODY does not exist"),
        (["--before", "31-12-2026"], "is not a date"),
        (["--after", "2026-02-30"], "is not a date"),
        (["--after", "2026-03-10", "--before", "2026-03-11"], "--after must be"),
    ],
)
def test_command_refuses_bad_input(entries, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("delete_canceled_campaign_entries", *args)
    assert remaining(entries) == set(entries)


def test_admin_lists_open(admin_client, fair, ann, call_template):
    entry = make_entry(fair, contacts=[ann])
    for model in ["interactiontemplate", "campaignentry", "interactionlogentry"]:
        response = admin_client.get(reverse(f"admin:campaigns_{model}_changelist"))
        assert response.status_code == 200, model
    response = admin_client.get(reverse("admin:campaigns_campaignentry_changelist"))
    assert response.context["cl"].result_list[0].interaction_count == 1
    change = reverse(
        "admin:campaigns_interactionlogentry_change", args=[entry.interactions.get().pk]
    )
    assert admin_client.get(change).status_code == 200
