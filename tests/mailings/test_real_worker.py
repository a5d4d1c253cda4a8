"""The delivery ledger with real parts (docs/mailings.md): real ``manage.py db_worker``
processes on PostgreSQL sending to a real SMTP server on loopback (aiosmtpd).

Once a logged segment's e-mail job is done, its e-mail interactions = sent + failed +
uncertain + skipped, and no message reaches the SMTP server twice; a worker that loses
its database connection carries on, a killed worker's job is resumed by the next
worker without anyone pressing *Run again*, and two workers never send one message
twice. The server records the Message-ID of every message handed to it.
"""

import random
from collections import Counter

import pytest
from django.db import connection

from campaigns.models import InteractionLogEntry
from contacts.models import Contact, ContactType
from core.models import Job
from mailings import services as mailing_services
from mailings.models import DeliveryState, EmailDelivery
from segments import services
from segments.models import Segment
from segments.segment_logging import log_segment
from tests.worker_processes import WorkerPool, database_url, worker_env

pytestmark = pytest.mark.postgres

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_queue(transactional_db, settings):
    """Jobs go to the database queue of the test database, where the workers see them."""
    settings.TASKS = DATABASE_QUEUE


def logged_segment(campaign, template, *, lines: int, prefix: str):
    """Log a segment of ``lines`` new persons (No. ``prefix``…) with e-mail; returns the
    logged segment and its queued job."""
    company = Contact.objects.create(type=ContactType.COMPANY, name=f"Company {prefix}")
    Contact.objects.bulk_create(
        Contact(
            no=f"{prefix}{i:05d}",
            type=ContactType.PERSON,
            name=f"Person {prefix} {i}",
            company=company,
            email=f"person{i}@{prefix.lower()}.example",
            language="nl" if i % 4 == 0 else "en",
            city="Utrecht",
        )
        for i in range(lines)
    )
    segment = Segment(
        description=f"Mailing {prefix}", campaign=campaign, interaction_template=template
    )
    services.save_segment(segment=segment)
    services.add_contacts(segment=segment, filters={"type": "person", "no": f"{prefix}*"})
    assert segment.lines.count() == lines
    result = log_segment(segment=segment, send_attachments=True)
    assert result.job.state == Job.State.QUEUED
    return result.logged_segment, result.job


def ledger(logged) -> dict[str, set[str]]:
    """The Message-IDs of a logged segment's messages by state."""
    by_state: dict[str, set[str]] = {state: set() for state in DeliveryState.values}
    rows = EmailDelivery.objects.of_logged_segment(logged.pk).values_list("state", "message_id")
    for state, message_id in rows:
        by_state[state].add(message_id)
    return by_state


def assert_ledger_invariant(logged, received: set[str], output: str = "") -> dict[str, int]:
    """Every e-mail interaction is settled, and the ledger agrees with the server:
    what it calls sent was received, what was received is sent or uncertain."""
    counts = EmailDelivery.objects.of_logged_segment(logged.pk).counts()
    emails = InteractionLogEntry.objects.filter(
        logged_segment=logged, correspondence_type="email"
    ).count()
    settled = counts["sent"] + counts["failed"] + counts["uncertain"] + counts["skipped"]
    assert counts["total"] == emails == settled, (counts, emails, output)
    by_state = ledger(logged)
    mine = set().union(*by_state.values())
    received_here = received & mine
    assert by_state["sent"] <= received_here, ("sent but never received", output)
    assert received_here <= by_state["sent"] | by_state["uncertain"], (
        "received but neither sent nor uncertain",
        output,
    )
    return counts


def assert_no_message_twice(smtp, output: str = "") -> None:
    duplicates = smtp.duplicates()
    assert not duplicates, (f"{len(duplicates)} Message-IDs handed over twice", output)


def job_done(job) -> bool:
    job.refresh_from_db()
    return job.is_finished


def assert_done(job, pool) -> None:
    job.refresh_from_db()
    assert job.state == Job.State.DONE, (job.state, job.error, pool.output())
    assert job.processed == job.total, (job.processed, job.total, pool.output())


def recovering_env(smtp) -> dict[str, str]:
    return worker_env(
        database_url(),
        **smtp.env,
        JOB_RECOVERY_INTERVAL_SECONDS="0.5",
        JOB_LEASE_SECONDS="10",
    )


# --- One worker --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lines", [pytest.param(500, id="500"), pytest.param(5000, id="5000", marks=pytest.mark.bench)]
)
def test_one_worker_sends_every_message_of_a_logged_segment_exactly_once(
    lines, database_queue, campaign, email_template, smtp_server, tmp_path
):
    logged, job = logged_segment(campaign, email_template, lines=lines, prefix="A")
    with WorkerPool(worker_env(database_url(), **smtp_server.env), tmp_path) as pool:
        pool.start()
        pool.wait_for(lambda: job_done(job), timeout=30 + lines / 50, what="finished job")
        output = pool.output()
    assert_done(job, pool)
    assert job.total == lines
    received = smtp_server.accepted_ids()
    assert len(received) == lines, output
    assert_no_message_twice(smtp_server, output)
    counts = assert_ledger_invariant(logged, set(received), output)
    assert counts["sent"] == lines
    assert ledger(logged)["sent"] == set(received)
    assert {rcpt for _id, (rcpt,) in smtp_server.accepted} == {
        f"person{i}@a.example" for i in range(lines)
    }
    assert not InteractionLogEntry.objects.filter(
        logged_segment=logged, email_sent_at__isnull=True
    ).exists()


# --- Two workers -------------------------------------------------------------------------


def test_two_workers_on_one_queue_never_send_a_message_twice(
    database_queue, campaign, email_template, smtp_server, tmp_path
):
    first, first_job = logged_segment(campaign, email_template, lines=200, prefix="B")
    second, second_job = logged_segment(campaign, email_template, lines=200, prefix="C")
    # A second job on the first ledger, as when a job is taken over while its first
    # worker still runs: the two may claim from the same queued messages at once.
    extra_job = mailing_services.queue_emails(logged=first)
    jobs = [first_job, second_job, extra_job]
    with WorkerPool(worker_env(database_url(), **smtp_server.env), tmp_path) as pool:
        pool.start()
        pool.start()
        pool.wait_for(lambda: all(job_done(job) for job in jobs), timeout=60, what="three jobs")
        output = pool.output()
    for job in jobs:
        assert_done(job, pool)
    assert len({job.worker.rsplit(":", 2)[1] for job in jobs}) == 2, (
        "both workers ran jobs",
        [job.worker for job in jobs],
    )
    received = smtp_server.accepted_ids()
    assert_no_message_twice(smtp_server, output)
    assert len(received) == 400, output
    for logged in (first, second):
        counts = assert_ledger_invariant(logged, set(received), output)
        assert counts["sent"] == 200, (counts, output)


# --- A terminated database connection ----------------------------------------------------


def terminate_other_connections() -> int:
    """End every other session on the test database (the workers'), as a database
    restart or a fail-over does."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_a_worker_whose_database_connection_is_terminated_reconnects_and_finishes_the_job(
    database_queue, campaign, email_template, smtp_server, tmp_path
):
    logged, job = logged_segment(campaign, email_template, lines=400, prefix="D")
    with WorkerPool(recovering_env(smtp_server), tmp_path) as pool:
        worker = pool.start()
        for received in (80, 240):
            pool.wait_for(lambda n=received: smtp_server.count >= n, timeout=30, what="sending")
            assert terminate_other_connections() >= 1
        pool.wait_for(lambda: job_done(job), timeout=60, what="finished job")
        assert worker.alive, pool.output()
        output = pool.output()
    assert "lost its database connection" in output, output
    assert_done(job, pool)
    assert job.attempts >= 2, output  # taken back after the reconnect
    received = set(smtp_server.accepted_ids())
    assert_no_message_twice(smtp_server, output)
    counts = assert_ledger_invariant(logged, received, output)
    # Only the messages of a batch in flight when the connection went may be uncertain.
    assert counts["sent"] + counts["uncertain"] == 400, (counts, output)
    assert counts["sent"] >= 400 - 2 * 100, (counts, output)


# --- Killed workers ----------------------------------------------------------------------


@pytest.mark.bench
def test_a_killed_worker_s_job_is_resumed_by_the_next_worker_without_a_click(
    database_queue, campaign, email_template, smtp_server, tmp_path
):
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    env = recovering_env(smtp_server)
    lines = 800
    for round_no in range(10):
        logged, job = logged_segment(campaign, email_template, lines=lines, prefix=f"K{round_no}")
        before = smtp_server.count
        kill_after = rng.randrange(1, lines - 50)
        logs = tmp_path / f"round-{round_no}"
        logs.mkdir()
        with WorkerPool(env, logs) as pool:
            doomed = pool.start()
            pool.wait_for(
                lambda n=before + kill_after: smtp_server.count >= n,
                timeout=60,
                what=f"message {kill_after} of round {round_no} (seed {seed})",
            )
            doomed.kill()
            job.refresh_from_db()
            killed_state = job.state
            pool.start()  # a fresh worker; nobody presses Run again
            pool.wait_for(
                lambda job=job: job_done(job), timeout=60, what=f"round {round_no} finished"
            )
            output = f"seed {seed}, round {round_no}, killed at {kill_after}\n{pool.output()}"
        assert killed_state == Job.State.RUNNING, output
        assert_done(job, pool)
        assert job.attempts == 2, output
        assert_no_message_twice(smtp_server, output)
        counts = assert_ledger_invariant(logged, set(smtp_server.accepted_ids()), output)
        assert counts["failed"] == 0, (counts, output)
        assert counts["sent"] + counts["uncertain"] == lines, (counts, output)
    per_id = Counter(smtp_server.handed_over_ids())
    assert max(per_id.values()) == 1
