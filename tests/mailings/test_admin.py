"""Marketing e-mail in the Django admin: the ledger and events read only, opt-outs and
blocked addresses added and cleared through the consent services."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

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
def admin_client(db):
    user = UserFactory(username="root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def admin_url(model, view, *args):
    return reverse(f"admin:mailings_{model._meta.model_name}_{view}", args=args)


def test_the_ledger_and_the_events_are_read_only(
    world, campaign, email_template, django_capture_on_commit_callbacks, admin_client
):
    log_with_emails(
        world,
        campaign,
        email_template,
        names=("Ann",),
        callbacks=django_capture_on_commit_callbacks,
    )
    delivery = EmailDelivery.objects.get()
    event = DeliveryEvent.objects.create(
        delivery=delivery,
        address=delivery.address,
        event=DeliveryEventType.BOUNCED,
        occurred_at=timezone.now(),
    )
    listing = admin_client.get(admin_url(EmailDelivery, "changelist"), {"q": "ann@"})
    assert listing.status_code == 200
    assert "ann@acme.example" in listing.content.decode()
    filtered = admin_client.get(admin_url(EmailDelivery, "changelist"), {"state__exact": "sent"})
    assert filtered.status_code == 200
    assert admin_client.get(admin_url(EmailDelivery, "change", delivery.pk)).status_code == 200
    assert admin_client.get(admin_url(EmailDelivery, "add")).status_code == 403
    assert admin_client.post(admin_url(EmailDelivery, "delete", delivery.pk)).status_code == 403
    assert admin_client.get(admin_url(DeliveryEvent, "changelist")).status_code == 200
    assert admin_client.get(admin_url(DeliveryEvent, "change", event.pk)).status_code == 200
    assert admin_client.get(admin_url(DeliveryEvent, "add")).status_code == 403


def test_an_opt_out_added_and_cleared_in_the_admin_goes_through_the_services(admin_client):
    ann = PersonFactory(name="Ann", email="ann@acme.example")
    response = admin_client.post(
        admin_url(EmailOptOut, "add"), {"contact": ann.pk, "source": OptOutSource.STAFF}
    )
    assert response.status_code == 302
    opt_out = EmailOptOut.objects.get()
    assert AuditEntry.objects.filter(action=AuditAction.EMAIL_OPT_OUT).count() == 1
    change = admin_url(EmailOptOut, "change", opt_out.pk)
    page = admin_client.get(change)
    assert page.status_code == 200
    # Without a reason nothing is cleared.
    admin_client.post(change, {"clear_reason": ""})
    assert EmailOptOut.objects.get().cleared_at is None
    admin_client.post(change, {"clear_reason": "Asked by phone"})
    opt_out.refresh_from_db()
    assert opt_out.cleared_at is not None
    assert opt_out.cleared_by == admin_client.user
    assert AuditEntry.objects.filter(action=AuditAction.EMAIL_OPT_OUT_CLEARED).count() == 1
    # Cleared: history, shown but not changed, and never deleted.
    assert admin_client.post(change, {"clear_reason": "Other"}).status_code == 403
    assert admin_client.post(admin_url(EmailOptOut, "delete", opt_out.pk)).status_code == 403
    assert EmailOptOut.objects.get().clear_reason == "Asked by phone"


def test_a_second_opt_out_is_refused_in_the_admin(admin_client):
    ann = PersonFactory(name="Ann", email="ann@acme.example")
    consent.record_opt_out(contact=ann, source=OptOutSource.COMPLAINT)
    admin_client.post(
        admin_url(EmailOptOut, "add"), {"contact": ann.pk, "source": OptOutSource.STAFF}
    )
    assert EmailOptOut.objects.count() == 1


def test_a_blocked_address_added_and_unblocked_in_the_admin(admin_client):
    response = admin_client.post(
        admin_url(BlockedAddress, "add"),
        {"address": "Bounced@Example.com", "reason": "rejected", "description": "by hand"},
    )
    assert response.status_code == 302
    block = BlockedAddress.objects.get()
    assert block.address == "bounced@example.com"
    assert admin_client.get(admin_url(BlockedAddress, "changelist")).status_code == 200
    change = admin_url(BlockedAddress, "change", block.pk)
    admin_client.post(change, {"clear_reason": "Works again"})
    block.refresh_from_db()
    assert (block.clear_reason, block.cleared_by) == ("Works again", admin_client.user)
    assert AuditEntry.objects.filter(action=AuditAction.EMAIL_ADDRESS_UNBLOCKED).count() == 1
