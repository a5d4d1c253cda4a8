"""manage.py log_segment NO [--send] [--follow-up] (docs/operations.md)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from campaigns.models import InteractionLogEntry
from segments.models import LoggedSegment, Segment, SegmentLine
from tests.factories import segment_to_log

pytestmark = pytest.mark.django_db


def run(*args, verbosity=1):
    out, err = StringIO(), StringIO()
    call_command("log_segment", *args, stdout=out, stderr=err, verbosity=verbosity)
    return out.getvalue(), err.getvalue()


def test_command_logs_the_segment_and_says_what_it_did(
    world, campaign, email_template, mailoutbox, django_capture_on_commit_callbacks
):
    segment = segment_to_log(world, campaign, email_template)
    with django_capture_on_commit_callbacks(execute=True):
        out, _err = run(segment.no.lower(), "--send", "--follow-up")
    logged = LoggedSegment.objects.get()
    follow_up = Segment.objects.get()
    assert f"Segment {segment.no} logged as logged segment {logged.pk}." in out
    assert "3 interactions created." in out
    assert "1 campaign entry." in out
    # The test's transaction commits after the command: the job was queued, not yet run.
    assert "3 e-mails queued; a worker sends them (job " in out
    assert f"Follow-up segment {follow_up.no} created with 3 lines." in out
    assert len(mailoutbox) == 3


def test_command_without_send_sends_nothing(
    world, campaign, email_template, mailoutbox, django_capture_on_commit_callbacks
):
    segment = segment_to_log(world, campaign, email_template)
    with django_capture_on_commit_callbacks(execute=True):
        out, _err = run(segment.no)
    assert "e-mail" not in out
    assert mailoutbox == []
    assert not Segment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_command_reports_failed_messages(world, campaign, email_template, mailoutbox, settings):
    # A real commit: the e-mails go out before log_segment returns, as in production.
    settings.EMAIL_BACKEND = "tests.segments.test_logging.FailingForOneAddressBackend"
    segment = segment_to_log(world, campaign, email_template)
    out, err = run(segment.no, "--send")
    assert "2 e-mails sent." in out
    assert "1 e-mail could not be sent" in err
    assert InteractionLogEntry.objects.filter(attempt_failed=True).count() == 1


def test_command_is_quiet_with_verbosity_0_and_tells_more_with_2(world, campaign, letter_template):
    segment = segment_to_log(world, campaign, letter_template)
    out, err = run(segment.no, verbosity=0)
    assert (out, err) == ("", "")
    assert LoggedSegment.objects.count() == 1
    other = segment_to_log(world, campaign, letter_template, names=("Dora",))
    lines = other.lines.count()
    out, err = run(other.no, verbosity=2)
    assert f"Logging segment {other.no} ({lines} lines)…" in err


def test_command_refusal_is_a_command_error_with_the_message(world, campaign, letter_template):
    segment = segment_to_log(world, campaign, letter_template)
    SegmentLine.objects.update(interaction_template=None)
    with pytest.raises(CommandError, match="has no interaction template"):
        run(segment.no)
    assert not LoggedSegment.objects.exists()


def test_command_unknown_segment_is_a_command_error(db):
    with pytest.raises(CommandError, match="Segment SEG99999 does not exist"):
        run("SEG99999")
