"""Consent on the contact card and the e-mail of an interaction (docs/mailings.md,
Consent on the contact card): the panel, Record opt-out, Clear opt-out and Unblock
address with their reasons and audit, and the interaction card's delivery panel."""

import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import InteractionLogEntry
from contacts.models import Contact
from core import roles
from core.models import AuditAction, AuditEntry
from mailings import consent
from mailings.models import (
    BlockedAddress,
    DeliveryEvent,
    DeliveryEventType,
    EmailDelivery,
    EmailOptOut,
    OptOutSource,
)
from tests.factories import PersonFactory, UserFactory
from tests.mailings.conftest import log_with_emails


@pytest.fixture
def staff_client(db):
    user = UserFactory(username="staffer", role=roles.MARKETING_STAFF)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def ann(db):
    return PersonFactory(name="Ann", email="Ann@Acme.example", language="en", company=None)


def url(name, contact):
    return reverse(f"mailings:contact_{name}", kwargs={"key": contact.no})


def panel(client, contact):
    response = client.get(contact.get_absolute_url())
    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    match = re.search(r'<section[^>]*id="email-consent".*?</section>', text, re.S)
    assert match, "the contact card has the marketing e-mail panel"
    return match.group(0)


# --- The panel ----------------------------------------------------------------------------


def test_the_panel_says_the_contact_receives_marketing_email(ann, staff_client):
    text = panel(staff_client, ann)
    assert 'data-consent="receives"' in text
    assert "Receives marketing e-mail" in text
    assert 'data-address="ok"' in text
    assert url("record_opt_out", ann) in text
    assert url("clear_opt_out", ann) not in text
    assert url("unblock_address", ann) not in text


def test_the_panel_shows_an_opt_out_a_block_and_what_was_cleared(ann, campaign, staff_client):
    first, _new = consent.record_opt_out(contact=ann, source=OptOutSource.STAFF)
    consent.clear_opt_out(contact=ann, reason="Asked by phone", user=staff_client.user)
    consent.record_opt_out(contact=ann, source=OptOutSource.UNSUBSCRIBE_LINK, campaign=campaign)
    consent.block_address(address=ann.email, reason="bounced", description="550 no such user")
    text = panel(staff_client, ann)
    assert 'data-consent="opted-out"' in text
    assert "Unsubscribe link" in text
    assert campaign.get_absolute_url() in text
    assert 'data-address="blocked"' in text
    assert "550 no such user" in text
    assert "Asked by phone" in text
    assert "staffer" in text
    assert url("record_opt_out", ann) not in text
    assert url("clear_opt_out", ann) in text
    assert url("unblock_address", ann) in text


def test_the_panel_lists_the_last_messages_and_events(
    world, campaign, email_template, django_capture_on_commit_callbacks, staff_client
):
    log_with_emails(
        world,
        campaign,
        email_template,
        names=("Ann",),
        callbacks=django_capture_on_commit_callbacks,
    )
    ann = Contact.objects.get(name="Ann")
    delivery = EmailDelivery.objects.get(interaction__contact=ann)
    DeliveryEvent.objects.create(
        delivery=delivery,
        address=delivery.address,
        event=DeliveryEventType.BOUNCED,
        occurred_at=timezone.now(),
        description="mailbox full",
    )
    text = panel(staff_client, ann)
    assert "Sent" in text
    assert delivery.interaction.get_absolute_url() in text
    assert "Bounced" in text
    assert "mailbox full" in text


def test_the_panel_runs_the_same_queries_for_one_message_and_many(
    world, campaign, email_template, django_capture_on_commit_callbacks, staff_client
):
    log_with_emails(
        world,
        campaign,
        email_template,
        names=("Ann",),
        callbacks=django_capture_on_commit_callbacks,
    )
    ann = Contact.objects.get(name="Ann")
    consent.record_opt_out(contact=ann, source=OptOutSource.STAFF)
    with CaptureQueriesContext(connection) as few:
        panel(staff_client, ann)
    consent.clear_opt_out(contact=ann, reason="Back", user=staff_client.user)
    for _round in range(4):
        log_with_emails(
            world,
            campaign,
            email_template,
            names=(),
            callbacks=django_capture_on_commit_callbacks,
            description="Again",
        )
    for delivery in EmailDelivery.objects.filter(interaction__contact=ann):
        DeliveryEvent.objects.create(
            delivery=delivery,
            address=delivery.address,
            event=DeliveryEventType.DELIVERED,
            occurred_at=timezone.now(),
        )
    consent.record_opt_out(contact=ann, source=OptOutSource.STAFF)
    assert EmailDelivery.objects.filter(interaction__contact=ann).count() >= 5
    with CaptureQueriesContext(connection) as many:
        panel(staff_client, ann)
    assert len(many) == len(few)


# --- Record, clear, unblock ---------------------------------------------------------------


def test_staff_record_an_opt_out_once(ann, staff_client):
    response = staff_client.post(url("record_opt_out", ann))
    assert response.status_code == 302
    opt_out = EmailOptOut.objects.get(contact=ann, cleared_at=None)
    assert opt_out.source == OptOutSource.STAFF
    assert AuditEntry.objects.filter(action=AuditAction.EMAIL_OPT_OUT, user=staff_client.user)
    again = staff_client.post(url("record_opt_out", ann), follow=True)
    assert "opted out on" in again.content.decode()
    assert EmailOptOut.objects.filter(contact=ann).count() == 1


def test_clearing_an_opt_out_needs_a_reason_which_is_kept(ann, staff_client):
    consent.record_opt_out(contact=ann, source=OptOutSource.COMPLAINT)
    page = staff_client.get(url("clear_opt_out", ann)).content.decode()
    assert "Spam complaint" in page
    for blank in ("", "   "):
        response = staff_client.post(url("clear_opt_out", ann), {"reason": blank})
        assert response.status_code == 200
        assert response.context["form"].errors
        assert EmailOptOut.objects.get(contact=ann).cleared_at is None
    response = staff_client.post(url("clear_opt_out", ann), {"reason": "Asked us to by letter"})
    assert response.status_code == 302
    assert response["Location"].endswith("#email-consent")
    opt_out = EmailOptOut.objects.get(contact=ann)
    assert opt_out.cleared_at is not None
    assert opt_out.cleared_by == staff_client.user
    assert opt_out.clear_reason == "Asked us to by letter"
    entry = AuditEntry.objects.get(action=AuditAction.EMAIL_OPT_OUT_CLEARED)
    assert (entry.user, entry.detail) == (staff_client.user, "Asked us to by letter")


def test_clearing_without_an_opt_out_is_refused_on_the_form(ann, staff_client):
    response = staff_client.post(url("clear_opt_out", ann), {"reason": "Why not"})
    assert response.status_code == 200
    assert "has not opted out" in response.content.decode()
    assert not AuditEntry.objects.exists()


def test_unblocking_an_address_needs_a_reason_which_is_kept(ann, staff_client):
    consent.block_address(address=ann.email, reason="bounced", description="550 unknown user")
    page = staff_client.get(url("unblock_address", ann)).content.decode()
    assert "ann@acme.example" in page
    response = staff_client.post(url("unblock_address", ann), {"reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert BlockedAddress.objects.get().cleared_at is None
    response = staff_client.post(url("unblock_address", ann), {"reason": "Mailbox works again"})
    assert response.status_code == 302
    block = BlockedAddress.objects.get()
    assert (block.cleared_by, block.clear_reason) == (staff_client.user, "Mailbox works again")
    entry = AuditEntry.objects.get(action=AuditAction.EMAIL_ADDRESS_UNBLOCKED)
    assert entry.detail == "Mailbox works again"
    assert entry.object_repr == "ann@acme.example"
    # Blocked again later: a new block, the old one stays as it was.
    consent.block_address(address="ANN@acme.example", reason="rejected")
    assert BlockedAddress.objects.filter(cleared_at=None).count() == 1


def test_unblocking_an_address_that_is_not_blocked_is_refused_on_the_form(ann, staff_client):
    response = staff_client.post(url("unblock_address", ann), {"reason": "Why not"})
    assert response.status_code == 200
    assert "is not blocked" in response.content.decode()


def test_the_unblock_service_checks_its_arguments(ann):
    consent.block_address(address=ann.email, reason="bounced")
    for reason in ("", "  ", "x" * 201, "a\x00b"):
        with pytest.raises(ValidationError):
            consent.unblock_address(address=ann.email, reason=reason)
    for address in ("", "nobody@example.com", None):
        with pytest.raises(ValidationError):
            consent.unblock_address(address=address, reason="Works")
    block = consent.unblock_address(address="ANN@ACME.EXAMPLE", reason="Works")
    assert block.cleared_at is not None
    assert block.cleared_by is None


def test_consent_actions_need_the_permission_to_change_contacts(ann, db):
    consent.record_opt_out(contact=ann, source=OptOutSource.STAFF)
    for role in (roles.SALESPERSON, roles.READ_ONLY):
        client = Client()
        client.force_login(UserFactory(username=role, role=role))
        text = panel(client, ann)
        assert url("clear_opt_out", ann) not in text
        for name in ("record_opt_out", "clear_opt_out", "unblock_address"):
            assert client.get(url(name, ann)).status_code == 403
            assert client.post(url(name, ann), {"reason": "x"}).status_code == 403
    assert EmailOptOut.objects.get().cleared_at is None


# --- The interaction card -----------------------------------------------------------------


def test_the_interaction_card_shows_its_email_and_events(
    world, campaign, email_template, django_capture_on_commit_callbacks, staff_client
):
    consent.record_opt_out(
        contact=world.person("Bob", email="bob@acme.example"), source=OptOutSource.STAFF
    )
    log_with_emails(
        world,
        campaign,
        email_template,
        names=("Ann",),
        callbacks=django_capture_on_commit_callbacks,
    )
    sent = EmailDelivery.objects.get(interaction__contact__name="Ann")
    DeliveryEvent.objects.create(
        delivery=sent,
        address=sent.address,
        event=DeliveryEventType.DEFERRED,
        occurred_at=timezone.now(),
        description="greylisted",
    )
    text = html.unescape(staff_client.get(sent.interaction.get_absolute_url()).content.decode())
    assert 'data-state="sent"' in text
    assert sent.message_id in text
    assert "Deferred" in text
    assert "greylisted" in text

    skipped = EmailDelivery.objects.get(interaction__contact__name="Bob")
    text = staff_client.get(skipped.interaction.get_absolute_url()).content.decode()
    assert 'data-state="skipped"' in text
    assert "Opted out of marketing e-mail" in text


def test_an_interaction_without_an_email_has_no_email_panel(staff_client, db):
    from tests.factories import InteractionLogEntryFactory

    entry = InteractionLogEntryFactory()
    text = staff_client.get(entry.get_absolute_url()).content.decode()
    assert 'id="interaction-email-title"' not in text
    assert InteractionLogEntry.objects.count() == 1
