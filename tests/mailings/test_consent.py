"""Unsubscribe (RFC 8058 one-click and the link), bounces and complaints from the
e-mail service's webhook, and responses recorded through a link (docs/mailings.md)."""

import base64
import json

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from campaigns.models import InteractionLogEntry
from contacts.models import Contact
from mailings import consent, tokens
from mailings.composing import response_url, unsubscribe_url
from mailings.models import BlockedAddress, DeliveryEvent, EmailOptOut, OptOutSource
from tests.mailings.conftest import log_again, log_with_emails


@pytest.fixture
def sent(world, campaign, email_template, mailoutbox, django_capture_on_commit_callbacks):
    """Ann (English) and Bram (Dutch) got the e-mail of a logged segment."""
    log_with_emails(
        world,
        campaign,
        email_template,
        names=("Ann", "Bram"),
        callbacks=django_capture_on_commit_callbacks,
    )
    return {m.to[0]: m for m in mailoutbox}


def interaction_of(name):
    return InteractionLogEntry.objects.get(contact__name=name, logged_segment__isnull=False)


def path_of(url):
    return url.split("testserver", 1)[-1] if "testserver" in url else "/" + url.split("/", 3)[3]


def test_a_cookie_less_one_click_post_unsubscribes_at_once(sent):
    link = sent["ann@acme.example"].extra_headers["List-Unsubscribe"].strip("<>")
    anonymous = Client(enforce_csrf_checks=True)  # no cookies, no login, no CSRF token
    response = anonymous.post(path_of(link), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not response.cookies
    opt_out = EmailOptOut.objects.get()
    assert (opt_out.contact.name, opt_out.source) == ("Ann", OptOutSource.ONE_CLICK)
    assert opt_out.campaign_id == interaction_of("Ann").campaign_id
    # A second POST keeps the first record.
    anonymous.post(path_of(link), {"List-Unsubscribe": "One-Click"})
    assert EmailOptOut.objects.count() == 1


def test_the_link_asks_first_in_the_contacts_language_and_the_button_unsubscribes(sent):
    url = path_of(unsubscribe_url(interaction_of("Bram").pk))
    page = Client().get(url)
    assert page.status_code == 200
    assert EmailOptOut.objects.count() == 0  # a GET (a mail scanner) changes nothing
    text = page.content.decode()
    assert "b***@acme.example" in text
    assert "bram@acme.example" not in text
    assert 'lang="nl"' in text
    response = Client(enforce_csrf_checks=True).post(url, {"confirm": "1"})
    assert response.status_code == 200
    assert EmailOptOut.objects.get().source == OptOutSource.UNSUBSCRIBE_LINK


def test_an_unsubscribed_contact_gets_no_further_marketing_email(
    sent, world, campaign, email_template, mailoutbox, django_capture_on_commit_callbacks
):
    link = sent["ann@acme.example"].extra_headers["List-Unsubscribe"].strip("<>")
    Client().post(path_of(link), {"List-Unsubscribe": "One-Click"})
    mailoutbox.clear()
    result = log_again(campaign, email_template, django_capture_on_commit_callbacks)
    assert [m.to[0] for m in mailoutbox] == ["bram@acme.example"]
    assert result.emails_skipped == 1


@pytest.mark.parametrize("token", ["nonsense", "x" * 300, "another purpose", "%00", "1:abc:def"])
def test_forged_tokens_get_a_clear_page_never_a_500(db, token):
    if token == "another purpose":  # signed by us, but for something else
        token = signing.dumps(1, salt="another.purpose")
    for url in (
        reverse("mailings:unsubscribe", kwargs={"token": token}),
        reverse("mailings:response", kwargs={"token": token}),
    ):
        for response in (Client().get(url), Client().post(url, {"List-Unsubscribe": "One-Click"})):
            assert response.status_code in (400, 404)
    assert EmailOptOut.objects.count() == 0


def test_an_expired_token_says_so(sent, settings):
    url = path_of(unsubscribe_url(interaction_of("Ann").pk))
    settings.MAIL_LINK_MAX_AGE_DAYS = -1
    response = Client().get(url)
    assert response.status_code == 400
    assert "expired" in response.content.decode()


def test_a_token_for_a_deleted_interaction_gets_the_clear_page(db):
    token = tokens.make_token(tokens.UNSUBSCRIBE, 999999)
    response = Client().post(reverse("mailings:unsubscribe", kwargs={"token": token}))
    assert response.status_code == 400


def test_staff_clear_an_opt_out_only_with_a_reason(sent, manager):
    from django.core.exceptions import ValidationError

    ann = Contact.objects.get(name="Ann")
    consent.record_opt_out(contact=ann, source=OptOutSource.STAFF, user=manager)
    with pytest.raises(ValidationError):
        consent.clear_opt_out(contact=ann, reason="  ", user=manager)
    cleared = consent.clear_opt_out(
        contact=ann, reason="Asked by phone to receive again", user=manager
    )
    assert (cleared.cleared_by, cleared.clear_reason) == (
        manager,
        "Asked by phone to receive again",
    )
    assert consent.active_opt_out(ann.pk) is None


# Webhooks ------------------------------------------------------------------------------

SECRET = "hook:s3cret"


def postmark(client, payload, auth=SECRET):
    headers = {}
    if auth:
        headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(auth.encode()).decode()
    return client.post(
        "/mail/webhooks/postmark/tracking/",
        data=json.dumps(payload),
        content_type="application/json",
        **headers,
    )


def bounce(address, message_id="", kind="HardBounce", event_id=42):
    return {
        "RecordType": "Bounce",
        "ID": event_id,
        "Type": kind,
        "TypeCode": 1,
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Email": address,
        "BouncedAt": "2026-12-06T10:00:00Z",
        "Description": "The server was unable to deliver your message",
        "Details": "smtp;550 5.1.1 The email account does not exist",
        "Headers": [{"Name": "Message-ID", "Value": message_id}] if message_id else [],
    }


def test_a_hard_bounce_blocks_the_address_and_later_messages_skip_it(
    sent, settings, world, campaign, email_template, mailoutbox, django_capture_on_commit_callbacks
):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    message_id = sent["ann@acme.example"].extra_headers["Message-ID"]
    response = postmark(Client(), bounce("ann@acme.example", message_id))
    assert response.status_code == 200
    assert BlockedAddress.objects.get().address == "ann@acme.example"
    event = DeliveryEvent.objects.get()
    assert event.delivery.interaction.contact.name == "Ann"
    # The same event delivered twice is kept once.
    postmark(Client(), bounce("ann@acme.example", message_id))
    assert DeliveryEvent.objects.count() == 1
    mailoutbox.clear()
    log_again(campaign, email_template, django_capture_on_commit_callbacks)
    assert [m.to[0] for m in mailoutbox] == ["bram@acme.example"]


def test_a_complaint_is_an_opt_out(sent, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    complaint = bounce("bram@acme.example", kind="SpamComplaint", event_id=43)
    complaint["RecordType"] = "SpamComplaint"
    assert postmark(Client(), complaint).status_code == 200
    opt_out = EmailOptOut.objects.get()
    assert (opt_out.contact.name, opt_out.source) == ("Bram", OptOutSource.COMPLAINT)


def test_the_webhook_refuses_calls_without_the_secret(sent, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    assert postmark(Client(), bounce("ann@acme.example"), auth="hook:wrong").status_code == 400
    assert postmark(Client(), bounce("ann@acme.example"), auth="").status_code == 400
    settings.ANYMAIL = {"WEBHOOK_SECRET": ""}
    assert postmark(Client(), bounce("ann@acme.example")).status_code == 403
    assert not BlockedAddress.objects.exists()


# Responses -----------------------------------------------------------------------------


def test_a_response_link_records_one_campaign_response_on_the_button_only(sent):
    interaction = interaction_of("Ann")
    url = path_of(response_url(interaction.pk))
    assert Client().get(url).status_code == 200
    responses = InteractionLogEntry.objects.filter(campaign_response=True, contact__name="Ann")
    assert not responses.exists()  # a mail scanner fetching the link is no response
    assert Client().post(url, {"respond": "1"}).status_code == 200
    assert Client().post(url, {"respond": "1"}).status_code == 200
    response = responses.get()
    assert response.campaign_id == interaction.campaign_id
    assert (response.information_flow, response.initiated_by) == ("inbound", "them")


def test_the_campaign_statistics_count_a_response_given_through_the_link(sent):
    from campaigns.statistics import campaign_statistics

    interaction = interaction_of("Bram")
    before = campaign_statistics(interaction.campaign).responded
    Client().post(path_of(response_url(interaction.pk)), {"respond": "1"})
    assert campaign_statistics(interaction.campaign).responded == before + 1
