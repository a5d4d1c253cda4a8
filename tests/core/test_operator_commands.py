"""Commands an operator can trust (docs/operations.md): every command that changes data
has --dry-run, which changes nothing and reports the counts of the real run, and
--json; a refusal is a clear message and exit status 1."""

import datetime
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command, get_commands, load_command_class
from django.utils import timezone

from api.models import IdempotentRequest
from campaigns.models import CampaignEntry
from contacts.models import CorrespondenceType
from core.management.base import OperatorCommand
from core.models import AuditEntry, Job
from mailings.models import DeliveryEvent
from segments.segment_logging import log_segment
from tests.contacts import csv_bytes, generated_rows
from tests.factories import (
    BusinessRelationFactory,
    CampaignFactory,
    IndustryGroupFactory,
    InteractionLogEntryFactory,
    JobResponsibilityFactory,
    MailingGroupFactory,
    SalespersonFactory,
    UserFactory,
    World,
    campaign_with_segment,
    company,
    make_template,
    segment_to_log,
)

pytestmark = pytest.mark.django_db

# Commands that change data, each with the arguments of a run that changes something.
# A new data-changing command must be added here (test_every_data_changing_command_…).
SETUPS = {}


def setup(name):
    def register(function):
        SETUPS[name] = function
        return function

    return register


@setup("log_segment")
def _log_segment(tmp_path):
    segment = segment_to_log(
        World(), CampaignFactory(), make_template("EMAIL", CorrespondenceType.EMAIL)
    )
    return [segment.no, "--send", "--follow-up"]


@setup("activate_campaign")
def _activate(tmp_path):
    a, b = company("A"), company("B")
    campaign, _segment = campaign_with_segment(a, b, targets=[a, b])
    return [campaign.no]


@setup("deactivate_campaign")
def _deactivate(tmp_path):
    (campaign_no,) = _activate(tmp_path)
    call_command("activate_campaign", campaign_no, verbosity=0)
    return [campaign_no]


@setup("delete_canceled_campaign_entries")
def _delete_canceled(tmp_path):
    world = World()
    for number in range(2):
        segment = segment_to_log(
            world,
            CampaignFactory(),
            make_template(f"LETTER{number}", CorrespondenceType.HARD_COPY),
            names=(f"P{number}a", f"P{number}b"),
        )
        log_segment(segment=segment)
    CampaignEntry.objects.update(canceled=True)
    return []


@setup("import_contacts")
def _import(tmp_path):
    SalespersonFactory(code="JD")
    IndustryGroupFactory(code="RETAIL")
    BusinessRelationFactory(code="PROS")
    JobResponsibilityFactory(code="PURCHASE")
    MailingGroupFactory(code="NEWSLETTER")
    path = tmp_path / "contacts.csv"
    path.write_bytes(csv_bytes(generated_rows(12)))
    return [str(path)]


@setup("prune")
def _prune(tmp_path):
    old = timezone.now() - datetime.timedelta(days=800)
    recent = timezone.now() - datetime.timedelta(days=1)
    for finished in (old, old, recent):
        Job.objects.create(kind=Job.Kind.CONTACT_IMPORT, state=Job.State.DONE, finished_at=finished)
    Job.objects.create(kind=Job.Kind.CONTACT_IMPORT, state=Job.State.QUEUED)  # never pruned
    AuditEntry.objects.bulk_create(
        [AuditEntry(action="campaign_activated", created_at=when) for when in (old, recent)]
    )
    DeliveryEvent.objects.bulk_create(
        [DeliveryEvent(event="delivered", occurred_at=when) for when in (old, old, recent)]
    )
    user = UserFactory(username="api-client")
    IdempotentRequest.objects.bulk_create(
        [
            IdempotentRequest(
                user=user, key=f"k{n}", method_path="POST /", request_hash="x", created=when
            )
            for n, when in enumerate((old, recent))
        ]
    )
    return []


@setup("archive_interactions")
def _archive_interactions(tmp_path):
    old = timezone.localdate() - datetime.timedelta(days=800)
    InteractionLogEntryFactory(date=old)
    InteractionLogEntryFactory(date=old, postponed=True)  # never archived
    InteractionLogEntryFactory()  # today's
    before = old + datetime.timedelta(days=1)
    return ["--before", before.isoformat(), "--to", str(tmp_path / "interactions.csv.gz")]


@setup("demo")
def _demo(tmp_path):
    return []


@setup("create_api_token")
def _create_api_token(tmp_path):
    return [UserFactory(username="integrator").username, "Web shop"]


# Operator commands this test cannot run, each with the reason; their own tests check the
# same (the dry run changes nothing and reports the counts of the real run).
NOT_HERE = {
    # It replaces the whole database from a backup file, and this test's rows live in
    # pytest-django's open transaction: SQLite's backup API cannot copy out of or into a
    # connection with an open transaction, and on PostgreSQL pg_dump and pg_restore are
    # other sessions that cannot see the uncommitted rows (and pg_restore would wait for
    # the transaction's locks). tests/core/test_backup_restore.py runs it on committed
    # data (transactional_db), dry run and real run.
    "restore_database": "tests/core/test_backup_restore.py",
}


@setup("axes_reset")
def _axes_reset(tmp_path):
    AccessAttempt.objects.bulk_create(
        AccessAttempt(
            username=name,
            ip_address="192.0.2.7",
            user_agent="test",
            path_info="/login/",
            get_data="",
            post_data="",
            failures_since_start=5,
        )
        for name in ("ann", "bob")
    )
    return []


def row_counts():
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def run_json(name, *args):
    out = io.StringIO()
    call_command(name, *args, "--json", stdout=out, stderr=io.StringIO())
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1, out.getvalue()  # stdout is the JSON object only
    return json.loads(lines[0])


# Keys that name what a real run made (a new record's id) or what happened after it
# (e-mails a worker sent); a dry run has none of them.
MADE = {
    "logged_segment",
    "job",
    "password",
    "emails_sent",
    "emails_failed",
    "request_id",
    "key",
    "expires",
}


def counts_of(summary):
    return {key: value for key, value in summary.items() if key not in MADE | {"dry_run"}}


@pytest.mark.parametrize("name", sorted(SETUPS))
def test_a_dry_run_changes_nothing_and_reports_the_counts_of_the_real_run(
    name, tmp_path, settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.DEMO_PASSWORD = "a-demo-password"
    args = SETUPS[name](tmp_path)
    before = row_counts()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        preview = run_json(name, *args, "--dry-run")
    assert callbacks == []  # nothing queued, nothing to send
    assert row_counts() == before
    assert mailoutbox == []
    assert preview["ok"] is True
    assert preview["dry_run"] is True
    with django_capture_on_commit_callbacks(execute=True):
        real = run_json(name, *args)
    assert real["dry_run"] is False
    assert counts_of(preview) == counts_of(real)
    assert row_counts() != before  # the real run did change something


def test_every_data_changing_command_is_an_operator_command_and_is_tested():
    own_apps = {
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).parent == settings.BASE_DIR
    }
    ours = {
        name
        for name, app in get_commands().items()
        if app in own_apps and isinstance(load_command_class(app, name), OperatorCommand)
    }
    assert not set(SETUPS) & set(NOT_HERE)
    assert ours == set(SETUPS) | set(NOT_HERE)


def test_the_summaries_count_what_was_done(tmp_path):
    _prune(tmp_path)
    summary = run_json("prune", "--older-than", "30")
    assert summary["deleted"] == {
        "audit": 1,
        "delivery_events": 2,
        "idempotency_keys": 1,
        "jobs": 2,
        "task_results": 0,
    }
    assert Job.objects.count() == 2  # the recent one and the queued one
    (campaign_no,) = _activate(tmp_path)
    summary = run_json("activate_campaign", campaign_no)
    assert re.fullmatch(r"[0-9a-f]{32}", summary.pop("request_id"))
    assert summary == {
        "command": "activate_campaign",
        "dry_run": False,
        "ok": True,
        "campaign": campaign_no,
        "targets": 2,
        "prices": 0,
        "discounts": 0,
        "warnings": [],
    }


def test_a_refusal_is_a_clear_message_and_json_says_so():
    campaign, _segment = campaign_with_segment()
    out = io.StringIO()
    with pytest.raises(CommandError, match="campaign target"):
        call_command("activate_campaign", campaign.no, "--json", stdout=out)
    answer = json.loads(out.getvalue())
    assert answer["ok"] is False
    assert "campaign target" in answer["error"]
    with pytest.raises(CommandError, match="Campaign CP9999 does not exist"):
        call_command("activate_campaign", "cp9999", "--dry-run")
    with pytest.raises(CommandError, match="at least 1 day"):
        call_command("prune", "--older-than", "0")


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_shows_in_a_terminal_only(tmp_path):
    args = _import(tmp_path)
    quiet = io.StringIO()
    call_command("import_contacts", *args, stdout=io.StringIO(), stderr=quiet)
    assert quiet.getvalue() == ""  # cron: no progress
    terminal = Terminal()
    call_command("prune", "--older-than", "1", stdout=io.StringIO(), stderr=terminal)
    call_command("import_contacts", *_import_again(tmp_path), stdout=io.StringIO(), stderr=terminal)
    assert "\r" in terminal.getvalue()
    assert "100%" in terminal.getvalue()


def _import_again(tmp_path):
    rows = generated_rows(12, prefix="TWO")
    path = tmp_path / "more.csv"
    path.write_bytes(csv_bytes(rows))
    return [str(path)]


def test_a_refused_command_exits_with_status_1_in_a_shell(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [
            sys.executable,
            str(settings.BASE_DIR / "manage.py"),
            "prune",
            "--older-than",
            "0",
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    answer = json.loads(done.stdout)
    assert answer.pop("request_id")
    assert answer == {
        "command": "prune",
        "ok": False,
        "error": "--older-than must be at least 1 day.",
    }
    assert "--older-than must be at least 1 day." in done.stderr


def test_the_jobs_a_command_queues_carry_its_request_id(tmp_path):
    args = _log_segment(tmp_path)
    summary = run_json("log_segment", *args)
    assert summary["job"] is not None
    assert Job.objects.get(pk=summary["job"]).request_id == summary["request_id"]
