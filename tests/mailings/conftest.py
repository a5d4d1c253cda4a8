import pytest
from django.core.mail.backends.locmem import EmailBackend

from contacts.models import CorrespondenceType
from segments.segment_logging import log_segment
from tests.factories import CampaignFactory, World, make_template, segment_to_log

NAMES = tuple(f"P{i}" for i in range(10))


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def campaign(db):
    return CampaignFactory()


@pytest.fixture
def email_template(db):
    return make_template("EMAIL", CorrespondenceType.EMAIL)


def recipients(mailoutbox):
    return sorted(message.to[0] for message in mailoutbox)


def log_with_emails(world, campaign, template, names=NAMES, callbacks=None, **header):
    """Log a segment of ``names`` (persons of Acme) with e-mails; the job runs at commit."""
    segment = segment_to_log(world, campaign, template, names=names, **header)
    with callbacks(execute=True):
        return log_segment(segment=segment, send_attachments=True)


def log_again(campaign, template, callbacks):
    """Log a new segment of every person there is (the same contacts again)."""
    from segments import services
    from segments.models import Segment

    segment = Segment(description="Again", campaign=campaign, interaction_template=template)
    services.save_segment(segment=segment)
    services.add_contacts(segment=segment, filters={"type": "person"})
    with callbacks(execute=True):
        return log_segment(segment=segment, send_attachments=True)


class FailingForP3Backend(EmailBackend):
    """The mail server refuses the address of P3."""

    def send_messages(self, messages):
        from smtplib import SMTPRecipientsRefused

        if any(address.startswith("p3@") for m in messages for address in m.to):
            raise SMTPRecipientsRefused({"p3@acme.example": (550, b"mailbox unavailable")})
        return super().send_messages(messages)


class WorkerKilled(BaseException):
    """Stands for the worker process being stopped in the middle of a job."""


class KilledAtSixthBackend(EmailBackend):
    """The worker stops while it hands over the sixth message."""

    def send_messages(self, messages):
        from django.core import mail

        if len(mail.outbox) >= 5:
            raise WorkerKilled
        return super().send_messages(messages)


class DisconnectingForP4Backend(EmailBackend):
    """The connection breaks while the message to P4 is handed over."""

    def send_messages(self, messages):
        from smtplib import SMTPServerDisconnected

        if any(address.startswith("p4@") for m in messages for address in m.to):
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)
