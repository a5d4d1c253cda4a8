"""Archiving old interactions (docs/archiving.md): the dry run counts, the real run
writes a readable file and deletes in batches, the rows that must stay stay, the sums
per day follow, bad arguments are clear refusals, a batch is a fixed number of queries
and a run stopped in the middle leaves whole batches done."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns import archiving
from campaigns.models import InteractionDay, InteractionLogEntry
from campaigns.statistics import refresh_interaction_days
from core.models import AuditEntry
from mailings.models import DeliveryEvent, EmailDelivery, EmailOptOut
from tests.factories import CampaignFactory, InteractionLogEntryFactory, PersonFactory
from tests.factories.segments import LoggedSegmentFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
CUTOFF = TODAY - datetime.timedelta(days=365)
OLD = CUTOFF - datetime.timedelta(days=30)
ENDED = CUTOFF - datetime.timedelta(days=1)


def interaction(date=OLD, **fields):
    return InteractionLogEntryFactory(date=date, cost=Decimal("2.00"), **fields)


def delivery(entry, state):
    return EmailDelivery.objects.create(
        interaction=entry,
        logged_segment=LoggedSegmentFactory(),
        address="ann@example.com",
        state=state,
        message_id=f"<{entry.pk}@example.com>",
    )


@pytest.fixture
def world():
    ended = CampaignFactory(ending_date=ENDED)
    running = CampaignFactory(ending_date=None)
    activated = CampaignFactory(ending_date=ENDED, activated=True)
    goes = {
        "plain": interaction(),
        "older": interaction(date=OLD - datetime.timedelta(days=400)),
        "ended": interaction(campaign=ended, campaign_target=True),
        "sent": interaction(campaign=ended),
    }
    sent = delivery(goes["sent"], "sent")
    DeliveryEvent.objects.create(delivery=sent, event="delivered", occurred_at=timezone.now())
    EmailOptOut.objects.create(
        contact=goes["sent"].contact,
        opted_out_at=timezone.now(),
        source="link",
        interaction=goes["sent"],
    )
    stays = {
        "running": interaction(campaign=running),
        "activated": interaction(campaign=activated),
        "postponed": interaction(postponed=True),
        "queued": interaction(campaign=ended),
        "recent": interaction(date=CUTOFF),
        "recent_ended": interaction(date=CUTOFF, campaign=ended),
    }
    delivery(stays["queued"], "queued")
    refresh_interaction_days({ended.pk, running.pk, activated.pk})
    return {"goes": goes, "stays": stays, "ended": ended}


def run_json(*args):
    out = io.StringIO()
    call_command("archive_interactions", *args, "--json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def test_the_dry_run_counts_and_changes_nothing(world, tmp_path):
    path = tmp_path / "old.csv.gz"
    preview = run_json("--before", CUTOFF.isoformat(), "--to", str(path), "--dry-run")
    assert preview["archived"] == 4
    assert preview["kept"] == 4  # running, activated, postponed, e-mail queued
    assert InteractionLogEntry.objects.count() == 10
    assert not path.exists()


def test_old_rows_go_to_a_readable_file_and_the_rest_stays(world, tmp_path):
    path = tmp_path / "old.csv.gz"
    summary = run_json("--before", CUTOFF.isoformat(), "--to", str(path), "--batch-size", "1")
    assert summary["archived"] == 4
    assert summary["kept"] == 4
    assert set(InteractionLogEntry.objects.values_list("pk", flat=True)) == {
        entry.pk for entry in world["stays"].values()
    }
    rows = archiving.read_archive(str(path))
    assert {int(row["id"]) for row in rows} == {entry.pk for entry in world["goes"].values()}
    assert list(rows[0]) == archiving.columns()
    # Oldest day first, then by id.
    assert rows[0]["id"] == str(world["goes"]["older"].pk)
    sent = next(row for row in rows if row["id"] == str(world["goes"]["sent"].pk))
    assert sent["contact__no"] == world["goes"]["sent"].contact.no
    assert sent["campaign__no"] == world["ended"].no
    assert sent["delivery__state"] == "sent"
    assert sent["delivery__message_id"] == f"<{world['goes']['sent'].pk}@example.com>"
    assert sent["date"] == OLD.isoformat()
    assert sent["cost"] == "2.00"
    # The e-mail's ledger row and events go with it; the opt-out stays, unlinked.
    assert not EmailDelivery.objects.filter(interaction_id=world["goes"]["sent"].pk).exists()
    assert DeliveryEvent.objects.count() == 0
    assert EmailOptOut.objects.get().interaction_id is None


def test_the_sums_per_day_follow_and_the_run_is_audited(world, tmp_path):
    ended = world["ended"]
    assert InteractionDay.objects.filter(campaign=ended, date=OLD).get().interactions == 3
    call_command(
        "archive_interactions", "--before", CUTOFF.isoformat(), "--delete-only", verbosity=0
    )
    # Only the interaction whose e-mail is still queued is left on that day.
    day = InteractionDay.objects.get(campaign=ended, date=OLD)
    assert (day.interactions, day.contacted, day.cost) == (1, 0, Decimal("2.00"))
    assert InteractionDay.objects.get(campaign=ended, date=CUTOFF).interactions == 1
    entry = AuditEntry.objects.get(action="interactions_archived")
    assert entry.count == 4


def test_nothing_to_archive_writes_a_header_and_no_audit(tmp_path):
    interaction(date=TODAY)
    path = tmp_path / "none.csv.gz"
    summary = run_json("--before", CUTOFF.isoformat(), "--to", str(path))
    assert summary["archived"] == 0
    assert archiving.read_archive(str(path)) == []
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--delete-only"], "--before"),
        (["--before", "2020-02-30", "--delete-only"], "not a date"),
        (["--before", (TODAY + datetime.timedelta(days=1)).isoformat(), "--delete-only"], "future"),
        (["--before", "2020-01-01"], "--to"),
        (["--before", "2020-01-01", "--to", "archive.csv"], ".csv.gz"),
        (["--before", "2020-01-01", "--delete-only", "--batch-size", "0"], "--batch-size"),
        (["--before", "2020-01-01", "--delete-only", "--batch-size", "50001"], "--batch-size"),
    ],
)
def test_bad_arguments_are_clear_refusals(args, message):
    interaction()
    with pytest.raises(CommandError, match=message):
        call_command("archive_interactions", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert InteractionLogEntry.objects.count() == 1


def test_an_existing_file_is_never_overwritten(tmp_path):
    interaction()
    path = tmp_path / "old.csv.gz"
    path.write_bytes(b"precious")
    for dry_run in (["--dry-run"], []):
        with pytest.raises(CommandError, match="exists already"):
            call_command(
                "archive_interactions",
                "--before",
                CUTOFF.isoformat(),
                "--to",
                str(path),
                *dry_run,
                verbosity=0,
            )
    assert path.read_bytes() == b"precious"
    assert InteractionLogEntry.objects.count() == 1


def _queries_to_archive(count, tmp_path):
    campaign = CampaignFactory(ending_date=ENDED)
    contact = PersonFactory()
    for _number in range(count):
        interaction(campaign=campaign, contact=contact, contact_company=contact.company or contact)
    with CaptureQueriesContext(connection) as queries:
        archiving.archive_interactions(
            before=CUTOFF, path=str(tmp_path / f"{count}.csv.gz"), batch_size=2
        )
    assert not InteractionLogEntry.objects.exists()
    return len(queries)


def test_a_batch_is_a_fixed_number_of_queries(tmp_path):
    two, four, six = (_queries_to_archive(count, tmp_path) for count in (2, 4, 6))
    assert four - two == six - four > 0


def test_a_stopped_run_leaves_whole_batches_done(tmp_path, monkeypatch):
    rows = [interaction(date=OLD + datetime.timedelta(days=day)) for day in range(3)]
    calls = []
    real = archiving.notify_interactions_changed

    def fail_in_the_second_batch(campaign_ids):
        calls.append(campaign_ids)
        if len(calls) == 2:
            raise RuntimeError("stopped")
        real(campaign_ids)

    monkeypatch.setattr(archiving, "notify_interactions_changed", fail_in_the_second_batch)
    path = tmp_path / "old.csv.gz"
    with pytest.raises(RuntimeError):
        archiving.archive_interactions(before=CUTOFF, path=str(path), batch_size=1)
    assert sorted(InteractionLogEntry.objects.values_list("pk", flat=True)) == [
        rows[1].pk,
        rows[2].pk,
    ]
    assert [row["id"] for row in archiving.read_archive(str(path))] == [str(rows[0].pk)]
    assert AuditEntry.objects.get(action="interactions_archived").count == 1
