"""Sending a logged segment's e-mails through the delivery ledger (docs/mailings.md)."""

import socket

import pytest
from django.urls import reverse

from campaigns.models import InteractionLogEntry
from core.jobs import recover_stalled_jobs, requeue_job
from core.models import Job
from mailings import consent, services
from mailings.models import DeliveryState, EmailDelivery, OptOutSource, SkipReason
from mailings.sending import claim_batch
from segments.models import LoggedSegment
from tests.mailings.conftest import NAMES, WorkerKilled, log_with_emails, recipients

BACKENDS = "tests.mailings.conftest"
DEAD_PID = 2**22 + 1  # above Linux's largest pid: no such process


def counts(logged):
    return EmailDelivery.objects.of_logged_segment(logged.pk).counts()


def assert_invariant(logged):
    """Every e-mail interaction has one settled ledger row once the job is done."""
    c = counts(logged)
    emails = InteractionLogEntry.objects.filter(logged_segment=logged, correspondence_type="email")
    assert c["total"] == emails.count()
    assert c["sent"] + c["failed"] + c["uncertain"] + c["skipped"] == c["total"]


def test_logging_queues_one_job_that_sends_each_message_once(
    world, campaign, email_template, mailoutbox, django_capture_on_commit_callbacks
):
    result = log_with_emails(
        world, campaign, email_template, callbacks=django_capture_on_commit_callbacks
    )
    job = Job.objects.get()
    assert result.job.pk == job.pk
    assert job.kind == Job.Kind.SEGMENT_EMAILS
    assert (job.state, job.processed, job.total, job.error) == (Job.State.DONE, 10, 10, "")
    assert job.lease_expires_at is None
    assert job.worker
    assert recipients(mailoutbox) == sorted(f"{name.lower()}@acme.example" for name in NAMES)
    logged = result.logged_segment
    assert counts(logged)["sent"] == 10
    assert_invariant(logged)
    assert not InteractionLogEntry.objects.filter(email_sent_at__isnull=True).exists()
    # Running the job again (a second delivery, a restart) sends nothing more.
    Job.objects.filter(pk=job.pk).update(state=Job.State.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        requeue_job(Job.objects.get())
    assert len(mailoutbox) == 10
    assert Job.objects.get().state == Job.State.DONE


def test_each_message_has_its_message_id_and_the_one_click_unsubscribe_headers(
    world, campaign, email_template, mailoutbox, django_capture_on_commit_callbacks
):
    log_with_emails(
        world,
        campaign,
        email_template,
        names=("Ann",),
        callbacks=django_capture_on_commit_callbacks,
    )
    (message,) = mailoutbox
    delivery = EmailDelivery.objects.get()
    headers = message.extra_headers
    assert (
        headers["Message-ID"] == delivery.message_id == (f"<interaction-{delivery.pk}@example.com>")
    )
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = headers["List-Unsubscribe"].strip("<>")
    assert link.startswith("http://testserver/mail/unsubscribe/") or "/mail/unsubscribe/" in link
    assert link in message.body  # the visible opt-out link
    # The serialised message carries them too.
    raw = message.message().as_string()
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw
    assert f"Message-ID: {delivery.message_id}" in raw


def test_the_sender_is_the_lines_salesperson_and_replies_go_to_them(
    world, campaign, email_template, mailoutbox, django_capture_on_commit_callbacks
):
    from tests.factories import SalespersonFactory

    seller = SalespersonFactory(name="Sara Seller", email="sara@seller.example")
    log_with_emails(
        world,
        campaign,
        email_template,
        names=("Ann",),
        callbacks=django_capture_on_commit_callbacks,
        salesperson=seller,
    )
    (message,) = mailoutbox
    assert message.from_email == "Sara Seller <marketing@example.com>"
    assert message.reply_to == ["sara@seller.example"]


def test_opted_out_and_bounced_contacts_are_skipped_and_counted(
    world, campaign, email_template, mailoutbox, django_capture_on_commit_callbacks
):
    from contacts.models import Contact
    from tests.factories import segment_to_log

    segment = segment_to_log(world, campaign, email_template, names=NAMES)
    consent.record_opt_out(contact=Contact.objects.get(name="P1"), source=OptOutSource.STAFF)
    consent.block_address(address="P2@Acme.example", reason="bounced")
    from segments.segment_logging import log_segment

    with django_capture_on_commit_callbacks(execute=True):
        result = log_segment(segment=segment, send_attachments=True)
    assert result.emails_skipped == 2
    logged = result.logged_segment
    reasons = dict(
        EmailDelivery.objects.filter(state=DeliveryState.SKIPPED).values_list(
            "interaction__contact__name", "skip_reason"
        )
    )
    assert reasons == {"P1": SkipReason.OPTED_OUT, "P2": SkipReason.BOUNCED}
    assert len(mailoutbox) == 8
    assert {"p1@acme.example", "p2@acme.example"}.isdisjoint(recipients(mailoutbox))
    assert_invariant(logged)


def test_an_opt_out_after_logging_is_honoured_when_the_message_is_sent(
    world, campaign, email_template, mailoutbox, django_capture_on_commit_callbacks
):
    from contacts.models import Contact
    from segments.segment_logging import log_segment
    from tests.factories import segment_to_log

    segment = segment_to_log(world, campaign, email_template, names=NAMES)
    result = log_segment(segment=segment, send_attachments=True)  # job not run yet
    consent.record_opt_out(contact=Contact.objects.get(name="P5"), source=OptOutSource.ONE_CLICK)
    with django_capture_on_commit_callbacks(execute=True):
        requeue_job(result.job)
    assert "p5@acme.example" not in recipients(mailoutbox)
    assert EmailDelivery.objects.get(interaction__contact__name="P5").skip_reason == (
        SkipReason.OPTED_OUT
    )
    assert_invariant(result.logged_segment)


def test_a_refused_message_fails_and_the_retry_sends_only_that_one(
    world, campaign, email_template, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{BACKENDS}.FailingForP3Backend"
    result = log_with_emails(
        world, campaign, email_template, callbacks=django_capture_on_commit_callbacks
    )
    job = Job.objects.get()
    assert (job.state, job.processed, job.total) == (Job.State.DONE, 10, 10)
    assert "1 e-mail could not be sent" in job.error
    failed = InteractionLogEntry.objects.get(attempt_failed=True)
    assert failed.contact.email == "p3@acme.example"
    assert failed.email_sent_at is None
    assert EmailDelivery.objects.get(pk=failed.pk).state == DeliveryState.FAILED
    assert "mailbox unavailable" in EmailDelivery.objects.get(pk=failed.pk).error
    assert len(mailoutbox) == 9

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.retry_failed_emails(logged_segment=result.logged_segment) == 1
    retry = Job.objects.first()
    assert retry.kind == Job.Kind.SEGMENT_EMAIL_RETRY
    assert retry.state == Job.State.DONE
    assert recipients(mailoutbox) == ["p3@acme.example"]
    assert counts(result.logged_segment)["sent"] == 10
    assert not InteractionLogEntry.objects.filter(attempt_failed=True).exists()


def test_a_connection_that_breaks_during_the_hand_over_makes_the_message_uncertain(
    world, campaign, email_template, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{BACKENDS}.DisconnectingForP4Backend"
    result = log_with_emails(
        world, campaign, email_template, callbacks=django_capture_on_commit_callbacks
    )
    c = counts(result.logged_segment)
    assert (c["sent"], c["uncertain"], c["failed"]) == (9, 1, 0)
    assert "may or may not have gone out" in Job.objects.get().error
    assert_invariant(result.logged_segment)


def test_a_worker_killed_midway_leaves_one_uncertain_message_and_the_rest_resumes(
    world, campaign, email_template, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{BACKENDS}.KilledAtSixthBackend"
    log_with_emails(world, campaign, email_template, callbacks=django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert job.state == Job.State.RUNNING  # the worker died: the job never finished
    logged = LoggedSegment.objects.get()
    c = counts(logged)
    # Five accepted, the sixth in the hand-over, four never handed over.
    assert (c["sent"], c["uncertain"], c["queued"], c["sending"]) == (5, 1, 4, 0)

    # The killed worker's process is gone: the next recovery round takes the job over.
    Job.objects.filter(pk=job.pk).update(worker=f"{socket.gethostname()}:{DEAD_PID}:x")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert recover_stalled_jobs() == [job.pk]
    job.refresh_from_db()
    assert (job.state, job.processed, job.total, job.attempts) == (Job.State.DONE, 10, 10, 2)
    assert len(mailoutbox) == 9  # 5 + 4: the uncertain one was not sent again
    assert len(set(recipients(mailoutbox))) == 9
    assert_invariant(logged)


def test_messages_left_sending_by_a_dead_worker_become_uncertain_never_sent(
    world, campaign, email_template, mailoutbox, django_capture_on_commit_callbacks
):
    from segments.segment_logging import log_segment
    from tests.factories import segment_to_log

    segment = segment_to_log(world, campaign, email_template, names=NAMES)
    result = log_segment(segment=segment, send_attachments=True)
    logged = result.logged_segment
    # A worker (gone now) had claimed three messages and held the job.
    assert len(claim_batch(logged.pk, "dead-run", 3)) == 3
    Job.objects.filter(pk=result.job.pk).update(
        state=Job.State.RUNNING, worker="otherhost:1:dead", lease_expires_at=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert recover_stalled_jobs() == [result.job.pk]
    c = counts(logged)
    assert (c["sent"], c["uncertain"]) == (7, 3)
    assert len(mailoutbox) == 7
    assert Job.objects.get().state == Job.State.DONE
    assert_invariant(logged)


def test_two_runs_claim_disjoint_batches(world, campaign, email_template):
    from segments.segment_logging import log_segment
    from tests.factories import segment_to_log

    segment = segment_to_log(world, campaign, email_template, names=NAMES)
    logged = log_segment(segment=segment, send_attachments=True).logged_segment
    first = claim_batch(logged.pk, "run-a", 6)
    second = claim_batch(logged.pk, "run-b", 6)
    assert len(first) == 6
    assert len(second) == 4
    assert set(first).isdisjoint(second)
    assert claim_batch(logged.pk, "run-c", 6) == []


def test_uncertain_messages_are_sent_again_or_marked_sent_by_a_user_choice(
    world, campaign, email_template, mailoutbox, settings, django_capture_on_commit_callbacks,
    manager, manager_client,
):  # fmt: skip
    settings.EMAIL_BACKEND = f"{BACKENDS}.DisconnectingForP4Backend"
    result = log_with_emails(
        world, campaign, email_template, callbacks=django_capture_on_commit_callbacks
    )
    logged = result.logged_segment
    card = manager_client.get(logged.get_absolute_url()).content.decode()
    resend_url = reverse("mailings:resend_uncertain", kwargs={"key": logged.pk})
    mark_url = reverse("mailings:mark_uncertain_sent", kwargs={"key": logged.pk})
    assert resend_url in card
    assert mark_url in card
    assert (
        "may arrive twice" in card
        or "arrive twice" in manager_client.get(resend_url).content.decode()
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(resend_url)
    assert response.status_code == 302
    assert recipients(mailoutbox) == ["p4@acme.example"]
    delivery = EmailDelivery.objects.get(interaction__contact__name="P4")
    assert (delivery.state, delivery.decided_by) == (DeliveryState.SENT, manager)
    # Nothing uncertain any more: both actions refuse with a message.
    page = manager_client.post(mark_url, follow=True).content.decode()
    assert "No e-mail of this logged segment is uncertain." in page


def test_marking_uncertain_messages_sent_sends_nothing(
    world, campaign, email_template, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{BACKENDS}.DisconnectingForP4Backend"
    result = log_with_emails(
        world, campaign, email_template, callbacks=django_capture_on_commit_callbacks
    )
    mailoutbox.clear()
    assert services.mark_uncertain_emails_sent(logged_segment=result.logged_segment) == 1
    assert mailoutbox == []
    assert counts(result.logged_segment)["sent"] == 10


def test_decisions_are_refused_while_the_job_runs_and_for_a_canceled_logged_segment(
    world, campaign, email_template
):
    from django.core.exceptions import ValidationError

    from segments.segment_logging import cancel_logged_segment, log_segment
    from tests.factories import segment_to_log

    segment = segment_to_log(world, campaign, email_template, names=NAMES)
    logged = log_segment(segment=segment, send_attachments=True).logged_segment  # queued
    with pytest.raises(ValidationError, match="still being sent"):
        services.retry_failed_emails(logged_segment=logged)
    Job.objects.update(state=Job.State.DONE)
    cancel_logged_segment(logged_segment=logged)
    with pytest.raises(ValidationError, match="is canceled"):
        services.resend_uncertain_emails(logged_segment=logged)


def test_the_decision_actions_need_the_log_permission(viewer_client, db):
    logged = LoggedSegment.objects.create(segment_no="SEG1", description="x", date="2026-01-01")
    for name in ("retry_failed", "resend_uncertain", "mark_uncertain_sent"):
        url = reverse(f"mailings:{name}", kwargs={"key": logged.pk})
        assert viewer_client.post(url).status_code == 403


def test_the_card_shows_the_ledger_counts_and_the_job_progress(
    manager_client, world, campaign, email_template, mailoutbox
):
    from tests.factories import segment_to_log

    segment = segment_to_log(world, campaign, email_template)
    response = manager_client.post(
        reverse("segments:segment_log", kwargs={"key": segment.no}), {"send_attachments": "on"}
    )
    logged = LoggedSegment.objects.get()
    assert response.url == logged.get_absolute_url()
    job = Job.objects.get()
    page = manager_client.get(logged.get_absolute_url()).content.decode()
    assert 'id="email-delivery"' in page
    assert f'id="job-{job.pk}"' in page
    # The test transaction never commits, so the job is still queued: the panel polls.
    assert 'hx-trigger="every 1s"' in page
    assert '<dd data-state="queued">3</dd>' in page


def test_sending_runs_a_few_queries_per_batch_never_per_message(
    world, campaign, email_template, mailoutbox, settings, django_assert_max_num_queries
):
    from contacts.models import Contact, ContactType
    from mailings.sending import send_logged_segment_emails
    from segments.segment_logging import log_segment
    from tests.factories import segment_to_log

    settings.EMAIL_BATCH_SIZE = 50
    segment = segment_to_log(world, campaign, email_template, names=("Ann",))
    company = Contact.objects.get(name="Acme")
    Contact.objects.bulk_create(
        Contact(no=f"B{i:04d}", type=ContactType.PERSON, name=f"B{i}", company=company,
                email=f"b{i}@acme.example", language="en")
        for i in range(200)
    )  # fmt: skip
    from segments import services as segment_services

    segment_services.add_contacts(segment=segment, filters={"type": "person"})
    logged = log_segment(segment=segment, send_attachments=True).logged_segment
    batches = -(-201 // 50)
    # A fixed number per batch of 50 (claim, check, load, record, savepoints).
    with django_assert_max_num_queries(8 + 12 * batches):
        outcome = send_logged_segment_emails(logged.pk)
    assert outcome.sent == 201
    assert len(mailoutbox) == 201


def test_a_worker_stopped_while_loading_its_batch_puts_the_batch_back_in_the_queue(
    world, campaign, email_template, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    from mailings import sending
    from segments.segment_logging import log_segment
    from tests.factories import segment_to_log

    segment = segment_to_log(world, campaign, email_template, names=NAMES)
    logged = log_segment(segment=segment, send_attachments=True).logged_segment

    def stopped(ids, claim):
        raise WorkerKilled

    monkeypatch.setattr(sending, "load_batch", stopped)
    with pytest.raises(WorkerKilled):
        sending.send_logged_segment_emails(logged.pk)
    c = counts(logged)
    assert (c["queued"], c["sending"], c["uncertain"]) == (10, 0, 0)
    assert mailoutbox == []
