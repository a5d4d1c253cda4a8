"""The audit log (docs/operations.md): one summary entry per bulk operation, written in
the operation's transaction, shown on the audit log page and on the campaign and
segment cards; and the change history (who, when) on the cards of campaigns, sales
prices, line discounts, contacts and tasks."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, ActivityStep, Task
from campaigns.models import CampaignEntry, InteractionLogEntry
from campaigns.services import set_entry_canceled
from contacts.importing import import_contacts
from contacts.models import Contact, ContactType, CorrespondenceType
from core import audit
from core.models import AuditAction, AuditEntry
from pricing import services as pricing_services
from pricing.models import DiscountSalesType, SalesLineDiscount, SalesType
from segments import services as segment_services
from segments.models import Segment
from segments.segment_logging import log_segment
from tests.factories import (
    CampaignFactory,
    SalespersonFactory,
    TaskFactory,
    World,
    campaign_with_segment,
    company,
    item,
    make_template,
    price,
    segment_to_log,
)

pytestmark = pytest.mark.django_db


def new_entries(before: set) -> list[AuditEntry]:
    return list(AuditEntry.objects.exclude(pk__in=before).select_related("user", "content_type"))


def entry_ids() -> set:
    return set(AuditEntry.objects.values_list("pk", flat=True))


def assert_entry(entry, *, action, user, obj, count):
    assert entry.action == action
    assert entry.user == user
    assert entry.count == count
    if obj is None:
        assert entry.content_type is None
        assert entry.object_id == ""
    else:
        assert entry.content_type.model_class() is type(obj)
        assert entry.object_id == str(obj.pk)
        assert entry.object_repr == str(obj)


def audit_inserts(queries) -> list[str]:
    table = AuditEntry._meta.db_table
    return [q["sql"] for q in queries if q["sql"].startswith("INSERT") and table in q["sql"]]


# --- The services write one entry each ---------------------------------------------------


@pytest.fixture
def activatable():
    """A campaign with a price and a segment of three companies, two of them targets."""
    a, b, c = company("Alpha"), company("Beta"), company("Gamma", customer=False)
    campaign, segment = campaign_with_segment(a, b, c, targets=[a, c])
    price(item("100.00"), SalesType.CAMPAIGN, campaign.no, unit_price="80.00")
    return campaign, segment


def test_activation_from_the_card_writes_one_audit_entry_with_user_campaign_and_targets(
    manager_client, manager, activatable
):
    campaign, _segment = activatable
    before = entry_ids()
    with CaptureQueriesContext(connection) as queries:
        response = manager_client.post(reverse("pricing:campaign_activate", args=[campaign.no]))
    assert response.status_code == 302

    [entry] = new_entries(before)
    assert_entry(entry, action=AuditAction.CAMPAIGN_ACTIVATED, user=manager, obj=campaign, count=2)
    assert entry.object_key == campaign.no
    assert "1" in audit.detail_text(entry)  # one sales price
    assert len(audit_inserts(queries)) == 1

    before = entry_ids()
    manager_client.post(reverse("pricing:campaign_deactivate", args=[campaign.no]))
    [entry] = new_entries(before)
    assert_entry(
        entry, action=AuditAction.CAMPAIGN_DEACTIVATED, user=manager, obj=campaign, count=2
    )


def test_a_refused_activation_writes_no_audit_entry(manager_client):
    campaign = CampaignFactory()
    before = entry_ids()
    manager_client.post(reverse("pricing:campaign_activate", args=[campaign.no]))
    assert new_entries(before) == []


def test_the_entry_is_rolled_back_with_the_operation(manager, activatable):
    campaign, _segment = activatable
    before = entry_ids()

    def activate_then_fail():
        with transaction.atomic():
            pricing_services.activate_campaign(campaign=campaign, user=manager)
            raise RuntimeError("the user's transaction fails after the activation")

    with pytest.raises(RuntimeError):
        activate_then_fail()
    assert new_entries(before) == []


def test_a_command_without_user_is_recorded_as_the_system(activatable):
    campaign, _segment = activatable
    before = entry_ids()
    pricing_services.activate_campaign(campaign=campaign)
    [entry] = new_entries(before)
    assert entry.user is None
    assert "system" in audit.sentence(entry)


@pytest.fixture
def world(db):
    return World()


def people_segment(world, count=3, prefix="P"):
    acme = world.company(f"{prefix} Acme")
    for index in range(count):
        world.person(f"{prefix}{index}", acme)
    return Segment.objects.create(description="Audit segment", campaign=CampaignFactory())


def test_criteria_actions_and_go_back_write_one_entry_each(world, manager):
    segment = people_segment(world, prefix="Q")
    before = entry_ids()
    with CaptureQueriesContext(connection) as queries:
        segment_services.add_contacts(segment=segment, filters={"name": "Q*"}, user=manager)
    [added] = new_entries(before)
    assert len(audit_inserts(queries)) == 1
    assert_entry(
        added, action=AuditAction.SEGMENT_CONTACTS_ADDED, user=manager, obj=segment, count=3
    )  # the persons; their company is left out (no *allow related companies*)
    assert "Q*" in audit.detail_text(added)  # the criteria, as the card lists them

    before = entry_ids()
    segment_services.reduce_contacts(segment=segment, filters={"name": "Q0"}, user=manager)
    [reduced] = new_entries(before)
    assert_entry(reduced, action=AuditAction.SEGMENT_REDUCED, user=manager, obj=segment, count=1)

    before = entry_ids()
    segment_services.refine_contacts(segment=segment, filters={"name": "Q1"}, user=manager)
    [refined] = new_entries(before)
    assert_entry(refined, action=AuditAction.SEGMENT_REFINED, user=manager, obj=segment, count=1)

    before = entry_ids()
    segment_services.go_back(segment=segment, user=manager)  # the refine comes undone
    [back] = new_entries(before)
    assert_entry(back, action=AuditAction.SEGMENT_WENT_BACK, user=manager, obj=segment, count=1)
    assert segment.lines.count() == 2


def test_add_contacts_and_go_back_from_the_card_record_the_user(manager_client, manager, world):
    segment = people_segment(world, count=5, prefix="W")
    before = entry_ids()
    response = manager_client.post(
        reverse("segments:segment_add_contacts", args=[segment.no]), {"type": "person"}
    )
    assert response.status_code == 302
    [added] = new_entries(before)
    assert_entry(
        added, action=AuditAction.SEGMENT_CONTACTS_ADDED, user=manager, obj=segment, count=5
    )

    before = entry_ids()
    response = manager_client.post(reverse("segments:segment_go_back", args=[segment.no]))
    assert response.status_code == 302
    [back] = new_entries(before)
    assert_entry(back, action=AuditAction.SEGMENT_WENT_BACK, user=manager, obj=segment, count=5)
    assert segment.lines.count() == 0


def test_logging_a_segment_from_the_card_writes_one_entry_for_the_logged_segment(
    manager_client, manager, world
):
    template = make_template("AUDIT", CorrespondenceType.HARD_COPY)
    segment = segment_to_log(world, CampaignFactory(), template)
    before = entry_ids()
    with CaptureQueriesContext(connection) as queries:
        response = manager_client.post(reverse("segments:segment_log", args=[segment.no]), {})
    assert response.status_code == 302
    [entry] = new_entries(before)
    logged = entry.content_type.get_object_for_this_type(pk=entry.object_id)
    assert_entry(entry, action=AuditAction.SEGMENT_LOGGED, user=manager, obj=logged, count=3)
    assert logged.segment_no == segment.no
    assert segment.no in audit.detail_text(entry)
    assert len(audit_inserts(queries)) == 1


def test_canceling_a_logged_segment_writes_one_entry(manager, world):
    template = make_template("AUDIT", CorrespondenceType.HARD_COPY)
    logged = log_segment(
        segment=segment_to_log(world, CampaignFactory(), template), user=manager
    ).logged_segment
    before = entry_ids()
    from segments.segment_logging import cancel_logged_segment

    cancel_logged_segment(logged_segment=logged, user=manager)
    [entry] = new_entries(before)
    assert_entry(
        entry, action=AuditAction.LOGGED_SEGMENT_CANCELED, user=manager, obj=logged, count=3
    )


@pytest.fixture
def canceled_entries(world):
    """Two logged segments of one campaign, both canceled: two canceled entries."""
    campaign = CampaignFactory()
    template = make_template("AUDIT", CorrespondenceType.HARD_COPY)
    for index in range(2):
        log_segment(
            segment=segment_to_log(world, campaign, template, names=(f"N{index}a", f"N{index}b"))
        )
    for entry in CampaignEntry.objects.filter(campaign=campaign):
        set_entry_canceled(entry=entry, canceled=True)
    assert CampaignEntry.objects.filter(campaign=campaign, canceled=True).count() == 2
    return campaign


def test_batch_delete_of_canceled_entries_writes_one_entry_with_the_count(
    manager_client, manager, canceled_entries
):
    campaign = canceled_entries
    interactions = InteractionLogEntry.objects.filter(campaign=campaign).count()
    assert interactions > 2
    before = entry_ids()
    with CaptureQueriesContext(connection) as queries:
        response = manager_client.post(
            reverse("campaigns:campaignentry_delete_canceled"),
            {"campaign": campaign.no, "confirm": "yes"},
        )
    assert response.status_code == 302
    assert not CampaignEntry.objects.filter(campaign=campaign).exists()
    [entry] = new_entries(before)
    assert_entry(
        entry,
        action=AuditAction.CAMPAIGN_ENTRIES_DELETED,
        user=manager,
        obj=campaign,
        count=2,
    )
    # The interaction log entries that went with them.
    assert audit.detail_text(entry).endswith(f": {interactions}")
    assert len(audit_inserts(queries)) == 1


def test_deleting_one_canceled_entry_is_recorded_on_its_campaign(manager, canceled_entries):
    from campaigns.services import delete_campaign_entry

    entry = CampaignEntry.objects.filter(campaign=canceled_entries).first()
    before = entry_ids()
    delete_campaign_entry(entry=entry, user=manager)
    [audit_entry] = new_entries(before)
    assert_entry(
        audit_entry,
        action=AuditAction.CAMPAIGN_ENTRIES_DELETED,
        user=manager,
        obj=canceled_entries,
        count=1,
    )
    assert not InteractionLogEntry.objects.filter(campaign_entry_id=entry.pk).exists()


@pytest.fixture
def two_step_activity(db):
    activity = Activity.objects.create(code="AUDIT", description="Audit follow-up")
    for step_no in (1, 2):
        ActivityStep.objects.create(
            activity=activity, step_no=step_no, description=f"Step {step_no}"
        )
    return activity


def test_assigning_an_activity_for_a_segment_writes_one_entry_with_the_tasks(
    manager_client, manager, world, two_step_activity
):
    segment = people_segment(world, count=4, prefix="T")
    segment_services.add_contacts(segment=segment, filters={"type": "person"})
    salesperson = SalespersonFactory(code="AUD")
    before = entry_ids()
    with CaptureQueriesContext(connection) as queries:
        response = manager_client.post(
            reverse("activities:segment_assign_activity", args=[segment.no]),
            {
                "activity": two_step_activity.pk,
                "start_date": "2026-11-27",
                "salesperson": salesperson.pk,
                "confirm": "yes",
            },
        )
    assert response.status_code == 302
    assert Task.objects.filter(segment=segment).count() == 8
    [entry] = new_entries(before)
    assert_entry(entry, action=AuditAction.ACTIVITIES_ASSIGNED, user=manager, obj=segment, count=8)
    assert "AUDIT" in audit.detail_text(entry)
    assert len(audit_inserts(queries)) == 1


def test_a_contact_import_writes_one_entry_whatever_the_rows(manager):
    rows = "".join(f"IMP{n:03d},company,Imported {n}\n" for n in range(30))
    before = entry_ids()
    with CaptureQueriesContext(connection) as queries:
        result = import_contacts(data=f"no,type,name\n{rows}".encode(), user=manager)
    assert result.contacts == 30
    [entry] = new_entries(before)
    assert_entry(entry, action=AuditAction.CONTACTS_IMPORTED, user=manager, obj=None, count=30)
    assert len(audit_inserts(queries)) == 1
    assert Contact.objects.filter(no__startswith="IMP", type=ContactType.COMPANY).count() == 30


def test_record_is_one_insert_and_keeps_the_record_text_after_it_is_gone(manager):
    campaign = CampaignFactory(description="Gone soon")
    label = str(campaign)
    with CaptureQueriesContext(connection) as queries:
        entry = audit.record(manager, AuditAction.CAMPAIGN_ACTIVATED, campaign, 1234)
    assert len(queries) == 1
    assert entry.content_type.model == "campaign"  # read back when asked
    campaign.delete()
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.object_repr == label
    assert entry.count == 1234


# --- The audit log page and the card panels ----------------------------------------------


def make_entries(count, user, campaign):
    for index in range(count):
        audit.record(user, AuditAction.CAMPAIGN_ACTIVATED, campaign, index)


def list_url(**query):
    from urllib.parse import urlencode

    return (
        f"{reverse('core:auditentry_list')}?{urlencode(query)}"
        if query
        else reverse("core:auditentry_list")
    )


def test_the_audit_log_lists_newest_first_and_filters(manager_client, manager, staff):
    campaign = CampaignFactory()
    audit.record(manager, AuditAction.CAMPAIGN_ACTIVATED, campaign, 5)
    audit.record(staff, AuditAction.CONTACTS_IMPORTED, None, 7)
    old = audit.record(manager, AuditAction.CAMPAIGN_DEACTIVATED, campaign, 5)
    AuditEntry.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=10)
    )

    def shown(**query):
        response = manager_client.get(list_url(**query))
        assert response.status_code == 200
        return [row.record.action for row in response.context["table"].page.object_list]

    assert shown() == [
        AuditAction.CAMPAIGN_DEACTIVATED,
        AuditAction.CONTACTS_IMPORTED,
        AuditAction.CAMPAIGN_ACTIVATED,
    ]
    assert shown(action=AuditAction.CONTACTS_IMPORTED) == [AuditAction.CONTACTS_IMPORTED]
    assert shown(user=staff.pk) == [AuditAction.CONTACTS_IMPORTED]
    today = timezone.localdate()
    assert AuditAction.CAMPAIGN_DEACTIVATED not in shown(date_from=today.isoformat())
    assert shown(date_to=(today - datetime.timedelta(days=5)).isoformat()) == [
        AuditAction.CAMPAIGN_DEACTIVATED
    ]
    assert len(shown(q=campaign.no)) == 2

    # Opened again, the list comes back with the last search (docs/lists.md).
    page = manager_client.get(list_url(), follow=True).content.decode()
    assert reverse("campaigns:campaign_card", args=[campaign.no]) in page  # a link to it
    assert "create_url" not in manager_client.get(list_url(), follow=True).context


def test_the_audit_log_page_runs_a_constant_number_of_queries(manager_client, manager):
    campaign = CampaignFactory()
    counts = []
    for size in (2, 40):
        make_entries(size, manager, campaign)
        with CaptureQueriesContext(connection) as queries:
            assert manager_client.get(list_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_only_the_manager_and_the_read_only_role_read_the_audit_log(
    client, manager, staff, salesperson_user, viewer
):
    for user, allowed in [
        (manager, True),
        (viewer, True),
        (staff, False),
        (salesperson_user, False),
    ]:
        assert user.has_perm("core.view_auditentry") is allowed, user
        assert not user.has_perm("core.add_auditentry")
        assert not user.has_perm("core.change_auditentry")
        assert not user.has_perm("core.delete_auditentry")
        client.force_login(user)
        assert client.get(list_url()).status_code == (200 if allowed else 403)
        menu = [item["label"] for menu in client.get("/").context["menu"] for item in menu["items"]]
        assert ("Audit log" in menu) is allowed


def test_the_campaign_card_shows_who_activated_it_with_how_many_targets(
    manager_client, manager, activatable, staff
):
    campaign, _segment = activatable
    manager_client.post(reverse("pricing:campaign_activate", args=[campaign.no]))
    entry = AuditEntry.objects.get(action=AuditAction.CAMPAIGN_ACTIVATED)
    when = timezone.localtime(entry.created_at).strftime("%d-%m-%Y %H:%M")

    page = manager_client.get(campaign.get_absolute_url()).content.decode()
    assert f"Activated by manager on {when} with 2 targets" in page

    manager_client.force_login(staff)  # no core.view_auditentry: no panel
    page = manager_client.get(campaign.get_absolute_url()).content.decode()
    assert "Activated by" not in page


def test_the_segment_card_shows_its_last_criteria_actions(manager_client, manager, world):
    segment = people_segment(world, count=2, prefix="V")
    segment_services.add_contacts(segment=segment, filters={"name": "V*"}, user=manager)
    page = manager_client.get(segment.get_absolute_url()).content.decode()
    assert "Contacts added by manager on" in page
    assert "2 lines added" in page


def test_a_card_with_the_audit_panel_runs_a_constant_number_of_queries(manager_client, manager):
    campaign = CampaignFactory()
    counts = []
    for size in (1, 12):
        make_entries(size, manager, campaign)
        with CaptureQueriesContext(connection) as queries:
            assert manager_client.get(campaign.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_counts_in_the_panel_are_grouped_in_the_users_language(manager, client):
    campaign = CampaignFactory()
    audit.record(manager, AuditAction.CAMPAIGN_ACTIVATED, campaign, 1234)
    client.force_login(manager)
    assert "with 1,234 targets" in client.get(campaign.get_absolute_url()).content.decode()
    client.post(reverse("set_language"), {"language": "nl"})
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert "1.234" in page


def test_the_admin_shows_the_audit_log_read_only(admin_client, manager):
    entry = audit.record(manager, AuditAction.CONTACTS_IMPORTED, None, 3)
    assert admin_client.get(reverse("admin:core_auditentry_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:core_auditentry_add")).status_code == 403
    change = admin_client.post(
        reverse("admin:core_auditentry_change", args=[entry.pk]), {"count": 4}
    )
    assert change.status_code == 403
    entry.refresh_from_db()
    assert entry.count == 3
    delete = admin_client.post(
        reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


# --- Change history on the cards (item 4.1) ----------------------------------------------


def history_table(page: str) -> str:
    start = page.index('id="history"')
    return page[start : page.index("</section>", start)]


def changed_by(client, user, obj, change):
    """Change ``obj`` as ``user`` through a request (so the history knows who)."""
    client.force_login(user)
    change(obj)


@pytest.fixture
def campaign_discount():
    campaign = CampaignFactory()
    return SalesLineDiscount.objects.create(
        type="item",
        code=item("10.00").no,
        sales_type=DiscountSalesType.CAMPAIGN,
        sales_code=campaign.no,
        line_discount_percent=5,
    )


@pytest.mark.parametrize("kind", ["campaign", "salesprice", "saleslinediscount", "contact", "task"])
def test_cards_show_the_change_history_with_who_and_when(
    kind, manager_client, manager, campaign_discount
):
    if kind == "campaign":
        obj = CampaignFactory()
        url = reverse("campaigns:campaign_edit", args=[obj.no])
        data = {
            "description": "Renamed by the manager",
            "status": obj.status_id,
            "salesperson": obj.salesperson_id,
            "no": obj.no,
        }
    elif kind == "salesprice":
        obj = price(item("10.00"), SalesType.ALL_CUSTOMERS, unit_price="9.00")
        url = reverse("pricing:salesprice_edit", args=[obj.pk])
        data = {
            "item": obj.item.no,
            "sales_type": obj.sales_type,
            "sales_code": "",
            "minimum_quantity": "0",
            "unit_price": "8.50",
            "allow_line_discount": "on",
        }
    elif kind == "saleslinediscount":
        obj = campaign_discount
        url = reverse("pricing:saleslinediscount_edit", args=[obj.pk])
        data = {
            "type": obj.type,
            "code": obj.code,
            "sales_type": obj.sales_type,
            "sales_code": obj.sales_code,
            "minimum_quantity": "0",
            "line_discount_percent": "7.5",
        }
    elif kind == "contact":
        obj = Contact.objects.create(type=ContactType.COMPANY, name="History Co")
        url = reverse("contacts:contact_edit", args=[obj.no])
        data = {"type": "company", "name": "History Company", "language": "en", "no": obj.no}
    else:
        obj = TaskFactory()
        url = reverse("activities:task_edit", args=[obj.no])
        data = {
            "no": obj.no,
            "description": "Changed task",
            "date": obj.date.isoformat(),
            "priority": obj.priority,
            "status": obj.status,
            "salesperson": obj.salesperson_id,
            "type": "",
        }
    response = manager_client.post(url, data)
    assert response.status_code == 302, getattr(response, "context", None) and [
        f.errors for f in [response.context.get("form")] if f
    ]
    record = obj.history.order_by("-history_id").first()
    assert record.history_user == manager
    assert record.history_type == "~"

    page = manager_client.get(obj.get_absolute_url()).content.decode()
    history = history_table(page)
    assert "manager" in history
    assert timezone.localtime(record.history_date).strftime("%d-%m-%Y %H:%M") in history
    assert "Changed" in history


def test_an_audit_entry_is_written_whatever_characters_the_objects_hold_in_memory(db):
    campaign = CampaignFactory()
    campaign.description = "Spring\x00sale"  # not saved: only the object holds it
    entry = audit.record(None, AuditAction.CAMPAIGN_ACTIVATED, campaign, 1, "code\x00X")
    entry.refresh_from_db()
    assert "\x00" not in entry.object_repr + entry.detail
    assert entry.detail == "code\ufffdX"
