"""The e-mails of a logged segment go through the job queue (docs/segments.md, Logging a
segment)."""

import os
import subprocess
import sys
import time
from pathlib import Path
from smtplib import SMTPException

import pytest
from django.conf import settings as django_settings
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.urls import reverse

from campaigns.models import InteractionLogEntry
from contacts.models import Contact, ContactType
from core.jobs import requeue_job
from core.models import Job
from segments import services
from segments.models import LoggedSegment, Segment
from segments.segment_logging import log_segment
from tests.factories import segment_to_log

NAMES = tuple(f"P{i}" for i in range(10))


def recipients(mailoutbox):
    return sorted(message.to[0] for message in mailoutbox)


def log_with_emails(world, campaign, template, names=NAMES, callbacks=None):
    segment = segment_to_log(world, campaign, template, names=names)
    with callbacks(execute=True):
        return log_segment(segment=segment, send_attachments=True)


class FailingForP3Backend(EmailBackend):
    def send_messages(self, messages):
        if any(address.startswith("p3@") for m in messages for address in m.to):
            raise SMTPException("550 mailbox unavailable")
        return super().send_messages(messages)


class WorkerKilled(BaseException):
    """Stands for the worker process being stopped in the middle of a job."""


class KilledAfterFiveBackend(EmailBackend):
    def send_messages(self, messages):
        from django.core import mail

        if len(mail.outbox) >= 5:
            raise WorkerKilled
        return super().send_messages(messages)


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
    assert job.started_at <= job.finished_at
    assert job.task_result_id
    assert job.result_url == result.logged_segment.get_absolute_url()
    assert recipients(mailoutbox) == sorted(f"{name.lower()}@acme.example" for name in NAMES)
    assert not InteractionLogEntry.objects.filter(email_sent_at__isnull=True).exists()
    # Running the job again (a second delivery, a restart) sends nothing more.
    Job.objects.filter(pk=job.pk).update(state=Job.State.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        requeue_job(Job.objects.get())
    assert len(mailoutbox) == 10
    assert Job.objects.get().state == Job.State.DONE


def test_a_failed_message_marks_its_interaction_and_the_retry_sends_only_that_one(
    world, campaign, email_template, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.FailingForP3Backend"
    result = log_with_emails(
        world, campaign, email_template, callbacks=django_capture_on_commit_callbacks
    )
    job = Job.objects.get()
    assert (job.state, job.processed, job.total) == (Job.State.DONE, 10, 10)
    assert "1 e-mail could not be sent" in job.error
    failed = InteractionLogEntry.objects.get(attempt_failed=True)
    assert failed.contact.email == "p3@acme.example"
    assert failed.email_sent_at is None
    assert len(mailoutbox) == 9

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mailoutbox.clear()
    from segments.segment_logging import queue_logged_segment_emails

    with django_capture_on_commit_callbacks(execute=True):
        retry = queue_logged_segment_emails(logged=result.logged_segment, retry=True)
    retry.refresh_from_db()
    assert retry.kind == Job.Kind.SEGMENT_EMAIL_RETRY
    assert (retry.state, retry.processed, retry.total) == (Job.State.DONE, 1, 1)
    assert recipients(mailoutbox) == ["p3@acme.example"]
    assert not InteractionLogEntry.objects.filter(attempt_failed=True).exists()
    assert not InteractionLogEntry.objects.filter(email_sent_at__isnull=True).exists()


def test_a_job_killed_midway_resumes_without_sending_a_message_twice(
    world, campaign, email_template, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.KilledAfterFiveBackend"
    log_with_emails(world, campaign, email_template, callbacks=django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert job.state == Job.State.RUNNING  # the worker died: the job never finished
    assert len(mailoutbox) == 5
    assert InteractionLogEntry.objects.filter(email_sent_at__isnull=False).count() == 5
    assert not InteractionLogEntry.objects.filter(attempt_failed=True).exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        requeue_job(job)
    job.refresh_from_db()
    assert (job.state, job.processed, job.total, job.attempts) == (Job.State.DONE, 10, 10, 2)
    assert recipients(mailoutbox) == sorted(f"{name.lower()}@acme.example" for name in NAMES)


def test_the_log_page_redirects_to_the_card_with_the_progress_panel(
    manager_client, world, campaign, email_template, mailoutbox
):
    segment = segment_to_log(world, campaign, email_template)
    response = manager_client.post(
        reverse("segments:segment_log", kwargs={"key": segment.no}), {"send_attachments": "on"}
    )
    logged = LoggedSegment.objects.get()
    assert response.url == logged.get_absolute_url()
    job = Job.objects.get()
    page = manager_client.get(logged.get_absolute_url()).content.decode()
    assert f'id="job-{job.pk}"' in page
    assert reverse("core:job_card", kwargs={"key": job.pk}) in page
    # The test transaction never commits, so the job is still queued: the panel polls.
    assert 'hx-trigger="every 1s"' in page


def test_the_retry_action_queues_only_the_failed_emails(
    manager_client, world, campaign, email_template, mailoutbox, settings,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.EMAIL_BACKEND = f"{__name__}.FailingForP3Backend"
    result = log_with_emails(
        world, campaign, email_template, callbacks=django_capture_on_commit_callbacks
    )
    logged = result.logged_segment
    card = manager_client.get(logged.get_absolute_url()).content.decode()
    url = reverse("segments:loggedsegment_retry_emails", kwargs={"key": logged.pk})
    assert url in card
    assert "Retry failed e-mails" in card
    assert "1 e-mail" in manager_client.get(url).content.decode()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(url)
    assert response.url == logged.get_absolute_url()
    assert recipients(mailoutbox) == ["p3@acme.example"]
    # Nothing failed any more: the action refuses with a message.
    response = manager_client.post(url, follow=True)
    assert "No e-mail of this logged segment has failed." in response.content.decode()
    assert len(mailoutbox) == 1


def test_the_retry_action_needs_the_log_permission(viewer_client, world, campaign, email_template):
    logged = LoggedSegment.objects.create(segment_no="SEG1", description="x", date="2026-01-01")
    url = reverse("segments:loggedsegment_retry_emails", kwargs={"key": logged.pk})
    assert viewer_client.post(url).status_code == 403


# Integration: a real worker process on PostgreSQL -------------------------------------

LINES = 500


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@pytest.mark.postgres
def test_a_real_db_worker_sends_the_500_emails_of_a_logged_segment_exactly_once(
    transactional_db, campaign, email_template, settings, tmp_path
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    company = Contact.objects.create(type=ContactType.COMPANY, name="Acme", city="Utrecht")
    Contact.objects.bulk_create(
        Contact(
            no=f"W{i:05d}",
            type=ContactType.PERSON,
            name=f"Person {i}",
            company=company,
            email=f"person{i}@acme.example",
        )
        for i in range(LINES)
    )
    segment = Segment(
        description="Worker test", campaign=campaign, interaction_template=email_template
    )
    services.save_segment(segment=segment)
    services.add_contacts(segment=segment, filters={"type": "person"})
    assert segment.lines.count() == LINES

    result = log_segment(segment=segment, send_attachments=True)
    job = result.job
    assert Job.objects.get(pk=job.pk).state == Job.State.QUEUED

    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_TASKS_BACKEND": "database",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    worker = subprocess.Popen(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay",
         "--interval", "0.2"],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.is_finished:
                break
            assert worker.poll() is None, worker.stdout.read().decode()
            time.sleep(0.2)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode()
    assert job.state == Job.State.DONE, (job.state, job.error, output)
    assert (job.processed, job.total) == (LINES, LINES)

    sent = [
        line[len("To: ") :]
        for path in Path(mail_dir).iterdir()
        for line in path.read_text().splitlines()
        if line.startswith("To: ")
    ]
    assert len(sent) == LINES
    assert len(set(sent)) == LINES
    assert not InteractionLogEntry.objects.filter(
        logged_segment=result.logged_segment, email_sent_at__isnull=True
    ).exists()
