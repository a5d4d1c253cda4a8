"""The test e-mail to oneself from the preview (docs/mailings.md, Preview and test
send): the previewed line's message, to the user's own address only, subject marked,
nothing recorded."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from campaigns.models import CampaignEntry, InteractionLogEntry
from core import roles
from core.models import AuditEntry, Job
from core.submit_once import FIELD
from mailings.models import EmailDelivery, EmailOptOut
from segments.models import LoggedSegment, Segment, SegmentLine
from tests.factories import SalespersonFactory, UserFactory, segment_to_log


@pytest.fixture
def segment(world, campaign, email_template):
    salesperson = SalespersonFactory(name="Jo Verkoper", email="jo@sales.example")
    return segment_to_log(world, campaign, email_template, salesperson=salesperson)


def client_of(email, role=roles.MARKETING_STAFF, username="tester"):
    user = UserFactory(username=username, role=role, email=email)
    client = Client()
    client.force_login(user)
    return client


def send_url(segment):
    return reverse("mailings:segment_send_test_email", kwargs={"key": segment.no})


def line_of(segment, name):
    return SegmentLine.objects.get(segment=segment, contact__name=name)


def recorded():
    """What a test e-mail must leave as it was."""
    return {
        model.__name__: model.objects.count()
        for model in (
            InteractionLogEntry,
            CampaignEntry,
            EmailDelivery,
            EmailOptOut,
            LoggedSegment,
            Job,
            AuditEntry,
            Segment,
            SegmentLine,
        )
    }


def texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_test_goes_to_the_users_own_address_only_and_records_nothing(segment, mailoutbox):
    client = client_of("me@office.example")
    before = recorded()
    bram = line_of(segment, "Bram")
    response = client.post(send_url(segment), {"line": bram.pk})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/email-preview/?line={bram.pk}")
    assert texts(response) == ["Test e-mail sent to me@office.example."]
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["me@office.example"]
    assert not message.cc
    assert not message.bcc
    assert message.subject == "[Test] Voorjaarsaanbieding voor Bram"
    assert "Beste Bram," in message.body
    assert "/mail/unsubscribe/preview/" in message.body
    assert message.reply_to == ["jo@sales.example"]
    assert "Jo Verkoper" in message.from_email
    assert "bram@acme.example" not in str(message.message())
    assert recorded() == before


def test_without_a_line_the_first_lines_message_is_sent(segment, mailoutbox):
    client = client_of("me@office.example")
    client.post(send_url(segment), {})
    assert [m.subject for m in mailoutbox] == ["[Test] Spring offer for Ann"]


def test_a_user_without_an_address_is_refused_clearly(segment, mailoutbox):
    client = client_of("")
    before = recorded()
    response = client.post(send_url(segment), {"line": line_of(segment, "Ann").pk})
    assert response.status_code == 302
    assert "Your user has no e-mail address" in texts(response)[0]
    assert mailoutbox == []
    assert recorded() == before
    page = client.get(send_url(segment)).content.decode()
    assert "Your user has no e-mail address" in page


def test_a_line_of_another_segment_is_refused(segment, world, campaign, email_template, mailoutbox):
    other = segment_to_log(world, campaign, email_template, names=("Zed",), description="Other")
    client = client_of("me@office.example")
    response = client.post(
        send_url(segment), {"line": SegmentLine.objects.filter(segment=other).first().pk}
    )
    assert "That line is no longer in the segment." in texts(response)
    assert mailoutbox == []


def test_a_double_submit_sends_one_test(segment, mailoutbox):
    client = client_of("me@office.example")
    preview = client.get(
        reverse("mailings:segment_email_preview", kwargs={"key": segment.no})
    ).content.decode()
    token = preview.split(f'name="{FIELD}" value="', 1)[1].split('"', 1)[0]
    data = {"line": line_of(segment, "Ann").pk, FIELD: token}
    client.post(send_url(segment), data)
    second = client.post(send_url(segment), data)
    assert "This form was already submitted." in texts(second)
    assert len(mailoutbox) == 1


def test_a_mail_server_that_refuses_is_a_message_not_an_error(segment, settings):
    settings.EMAIL_BACKEND = "tests.mailings.conftest.FailingForP3Backend"
    client = client_of("p3@acme.example")
    response = client.post(send_url(segment), {"line": line_of(segment, "Ann").pk})
    assert response.status_code == 302
    assert "The test e-mail could not be sent" in texts(response)[0]


def test_sending_a_test_needs_the_permission_to_log_segments(segment, mailoutbox):
    for role in (roles.SALESPERSON, roles.READ_ONLY):
        client = client_of("me@office.example", role=role, username=role)
        assert client.post(send_url(segment), {}).status_code == 403
    assert mailoutbox == []
