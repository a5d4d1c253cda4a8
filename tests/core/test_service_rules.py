"""The rules that lived only in pages, now in the services (docs/services.md): a
command, the admin or the API keeps them too.

Each test calls the service directly, the way a command or the API would.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from activities import services as activity_services
from activities.models import Task, TaskStatus
from campaigns.models import Campaign, InteractionLogEntry
from campaigns.services import log_interaction
from contacts import importing
from contacts.models import Customer
from core import roles
from pricing.engine import PriceRequest, find_price
from quotes import services as quote_services
from quotes.models import SalesQuote, SalesQuoteLine
from salespeople.models import TeamMember
from tests.factories import (
    ActivityFactory,
    ActivityStepFactory,
    CampaignFactory,
    CompanyFactory,
    SalespersonFactory,
    TeamFactory,
    UserFactory,
    company,
    item,
)

# --- Sales quotes ----------------------------------------------------------------------


@pytest.fixture
def quote(db):
    customer = Customer.objects.get(contact=company("Adatum"))
    return SalesQuote.objects.create(customer=customer, order_date=datetime.date(2026, 6, 1))


def _line(quote, chair, quantity):
    return SalesQuoteLine(quote=quote, item=chair, quantity=quantity)


@pytest.mark.parametrize(
    "quantity",
    [Decimal("-1"), Decimal("0"), Decimal("NaN"), Decimal("Infinity"), Decimal("1E+12"), "abc"],
)
def test_a_quote_line_with_an_impossible_quantity_is_refused(quote, quantity):
    chair = item("0.00")
    with pytest.raises(ValidationError):
        quote_services.save_quote_line(line=_line(quote, chair, quantity))
    assert not SalesQuoteLine.objects.exists()


def test_find_price_refuses_a_negative_quantity(quote):
    chair = item("10.00")
    with pytest.raises(ValidationError):
        find_price(quote.customer, PriceRequest(item=chair, quantity=Decimal("-5")))


def test_a_quote_for_a_blocked_customer_is_not_priced(quote):
    chair = item("10.00")
    quote_services.save_quote_line(line=_line(quote, chair, Decimal("2")))
    Customer.objects.filter(pk=quote.customer_id).update(blocked=True)
    with pytest.raises(ValidationError, match="blocked"):
        quote_services.save_quote_line(line=_line(quote, chair, Decimal("1")))
    with pytest.raises(ValidationError, match="blocked"):
        quote_services.recalculate_quote(quote=quote)
    assert quote.lines.count() == 1


def test_a_blocked_customer_cannot_be_chosen_for_a_new_quote(db):
    customer = Customer.objects.get(contact=company("Blocked Ltd"))
    Customer.objects.filter(pk=customer.pk).update(blocked=True)
    customer.refresh_from_db()
    with pytest.raises(ValidationError, match="blocked"):
        quote_services.save_quote(quote=SalesQuote(customer=customer))
    assert not SalesQuote.objects.exists()


def test_changing_the_order_date_of_a_quote_prices_its_lines_again(quote):
    chair = item("10.00")
    quote_services.save_quote_line(line=_line(quote, chair, Decimal("2")))
    SalesQuoteLine.objects.update(unit_price=Decimal("1.00"))  # as if priced long ago
    quote.order_date = datetime.date(2026, 7, 1)
    saved = quote_services.save_quote(quote=quote)
    assert saved.lines == 1
    assert saved.repriced_fields == ["order_date"]
    assert SalesQuoteLine.objects.get().unit_price == Decimal("10.00")


# --- Logged segments ---------------------------------------------------------------------


@pytest.fixture
def logged(db):
    from campaigns.models import InteractionTemplate
    from segments.models import Segment
    from segments.segment_logging import log_segment
    from segments.services import add_contacts

    template = InteractionTemplate.objects.create(code="LETTER", description="Letter")
    segment = Segment.objects.create(description="Mailing", interaction_template=template)
    add_contacts(segment=segment, filters={"no": CompanyFactory().no})
    return log_segment(segment=segment).logged_segment


def test_a_logged_segment_is_canceled_once(logged):
    from segments.segment_logging import cancel_logged_segment

    assert cancel_logged_segment(logged_segment=logged) == 1
    with pytest.raises(ValidationError, match="already canceled"):
        cancel_logged_segment(logged_segment=logged)


def test_retrying_e_mails_is_refused_when_none_failed_and_when_canceled(logged):
    from mailings.services import retry_failed_emails
    from segments.segment_logging import cancel_logged_segment

    with pytest.raises(ValidationError, match="No e-mail"):
        retry_failed_emails(logged_segment=logged)
    cancel_logged_segment(logged_segment=logged)
    with pytest.raises(ValidationError, match="canceled"):
        retry_failed_emails(logged_segment=logged)


def test_reusing_a_logged_segment_makes_a_segment_of_its_contacts(logged):
    from segments.services import reuse_logged_segment

    segment, added = reuse_logged_segment(logged_segment=logged)
    assert added == 1
    assert segment.lines.count() == 1


# --- Contact import ----------------------------------------------------------------------


def test_a_large_import_is_queued_and_a_small_one_runs_now(db, monkeypatch):
    data = b"no,type,name\n,company,Alpha\n,company,Beta\n"
    started = importing.start_contact_import(data=data)
    assert started.result is not None
    assert started.result.contacts == 2
    assert started.job is None
    monkeypatch.setattr(importing.jobs, "QUEUE_THRESHOLD", 1)
    data = b"no,type,name\n,company,Gamma\n,company,Delta\n"
    started = importing.start_contact_import(data=data)
    assert started.job is not None
    assert started.rows == 2


# --- Team tasks --------------------------------------------------------------------------


@pytest.fixture
def team_world(db):
    """A team of Jo and Ann with a team task; Jo's login is a salesperson's."""
    jo_user = UserFactory(username="jo", role=roles.SALESPERSON)
    jo = SalespersonFactory(code="JO", user=jo_user)
    ann = SalespersonFactory(code="ANN", user=UserFactory(username="ann", role=roles.SALESPERSON))
    team = TeamFactory(code="FAIR")
    TeamMember.objects.create(team=team, salesperson=jo)
    TeamMember.objects.create(team=team, salesperson=ann)
    activity = ActivityFactory()
    ActivityStepFactory(activity=activity)
    activity_services.assign_activity(
        activity=activity, start_date=datetime.date(2026, 6, 1), team=team
    )
    team_task = Task.objects.get(team=team, salesperson__isnull=True)
    anns_task = Task.objects.get(team_task=team_task, salesperson=ann)
    return jo_user, jo, team_task, anns_task


def test_a_salesperson_cannot_cancel_or_change_a_team_task(team_world):
    jo_user, _jo, team_task, _anns = team_world
    with pytest.raises(PermissionDenied):
        activity_services.cancel_task(task=team_task, user=jo_user)
    with pytest.raises(PermissionDenied):
        activity_services.delete_task(task=team_task, user=jo_user)
    team_task.description = "Changed"
    with pytest.raises(PermissionDenied):
        activity_services.save_task(task=team_task, user=jo_user)
    assert not Task.objects.filter(canceled=True).exists()


def test_a_salesperson_cannot_change_a_team_mates_task(team_world):
    jo_user, _jo, _team_task, anns_task = team_world
    with pytest.raises(PermissionDenied):
        activity_services.cancel_task(task=anns_task, user=jo_user)
    with pytest.raises(PermissionDenied):
        activity_services.complete_task(task=anns_task, user=jo_user)


def test_a_team_member_completes_the_team_task_naming_who_did_it(team_world):
    jo_user, jo, team_task, _anns = team_world
    done = activity_services.complete_task(task=team_task, user=jo_user, completed_by=jo)
    assert done.status == TaskStatus.COMPLETED
    assert not Task.objects.filter(team_task=team_task, closed=False).exists()


def test_completed_by_must_be_a_member_of_the_team(team_world):
    jo_user, _jo, team_task, _anns = team_world
    outsider = SalespersonFactory(code="OUT")
    with pytest.raises(ValidationError, match="not a member"):
        activity_services.complete_task(task=team_task, user=jo_user, completed_by=outsider)


def test_a_text_with_a_nul_character_is_a_field_error_not_a_database_error(db):
    from contacts import services as contact_services
    from tests.factories import CompanyFactory

    contact = CompanyFactory(name="Acme")
    contact.name = "Ac\x00me"  # a caller that did not come through a page
    with pytest.raises(ValidationError) as refused:
        contact_services.save_contact(contact=contact)
    assert refused.value.message_dict == {"name": ["Null characters are not allowed."]}
    contact.refresh_from_db()
    assert contact.name == "Acme"


@pytest.mark.django_db
def test_a_related_record_deleted_since_it_was_chosen_is_named_in_words():
    campaign = CampaignFactory()
    interaction = InteractionLogEntry(contact=CompanyFactory(), campaign=campaign)
    Campaign.objects.filter(pk=campaign.pk).delete()
    with pytest.raises(ValidationError) as refused:
        log_interaction(interaction=interaction)
    assert refused.value.message_dict["campaign"] == [
        f"Campaign {campaign} no longer exists; another user may have deleted it."
    ]
