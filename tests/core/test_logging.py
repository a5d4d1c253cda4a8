"""Structured logs (docs/logs.md): every line carries the request id and the user id,
a job runs under the id of the request that queued it, and no line holds a contact's
personal data. The last tests run a real ``manage.py db_worker`` and read its log."""

import ast
import json
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from contacts.models import CorrespondenceType
from core import jobs, request_context, roles
from core.logs import (
    WITHOUT_EXCEPTION_MESSAGE,
    ContextFilter,
    JSONFormatter,
    PlainFormatter,
)
from core.models import Job
from tests.core.test_worker import WorkerDatabase
from tests.factories import CampaignFactory, UserFactory, World, make_template, segment_to_log
from tests.worker_processes import WorkerPool, worker_env

HEX_ID = re.compile(r"[0-9a-f]{32}")
KIND = Job.Kind.CONTACT_IMPORT
ADDRESSES = ["ann@acme.example", "bram@acme.example", "cat@acme.example"]


class Captured(logging.Handler):
    """The records a logger passes on, through the filter of the console handler."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.addFilter(ContextFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def captured():
    """Records of every logger (a handler on the root logger, at DEBUG for core)."""
    handler = Captured()
    root, core = logging.getLogger(), logging.getLogger("core")
    root.addHandler(handler)
    level = core.level
    core.setLevel(logging.DEBUG)
    yield handler.records
    core.setLevel(level)
    root.removeHandler(handler)


def record(message="Job %s done", *args, exc_info=None, **extra) -> logging.LogRecord:
    """A record as the console handler sees it: made now, through the context filter."""
    made = logging.getLogger("core.jobs").makeRecord(
        "core.jobs", logging.ERROR, __file__, 1, message, args or (7,), exc_info, extra=extra
    )
    ContextFilter().filter(made)
    return made


def raised(error: Exception):
    try:
        raise error
    except Exception:  # noqa: BLE001 - the point is the exc_info
        return sys.exc_info()


# The request id ------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_response_carries_a_new_request_id(client):
    first = client.get(reverse("login"))["X-Request-ID"]
    second = client.get(reverse("login"))["X-Request-ID"]
    assert HEX_ID.fullmatch(first)
    assert HEX_ID.fullmatch(second)
    assert first != second


@pytest.mark.django_db
def test_a_sane_incoming_request_id_is_kept_and_returned(client):
    sent = "edge-7f3a.42_B"
    assert client.get(reverse("login"), headers={"X-Request-ID": sent})["X-Request-ID"] == sent


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sent",
    ["a" * 65, "two words", 'quote"d', "line\\nbreak", "semi;colon", "über", "{}", "a/b"],
)
def test_an_insane_incoming_request_id_is_replaced_by_a_new_one(client, sent):
    returned = client.get(reverse("login"), headers={"X-Request-ID": sent})["X-Request-ID"]
    assert returned != sent
    assert HEX_ID.fullmatch(returned)


def test_sane_request_ids():
    assert request_context.sane_request_id("a" * 64) == "a" * 64
    assert request_context.sane_request_id("a" * 65) == ""
    assert request_context.sane_request_id("") == ""
    assert request_context.sane_request_id(None) == ""
    assert request_context.sane_request_id("abc\n") == ""


@pytest.mark.django_db
def test_a_line_logged_in_a_request_carries_its_request_id_and_the_user_id(
    manager_client, manager, captured
):
    response = manager_client.get("/no-such-page/")
    assert response.status_code == 404
    [line] = [r for r in captured if r.name == "django.request"]
    assert line.getMessage() == "Not Found: /no-such-page/"
    assert line.request_id == response["X-Request-ID"]
    assert line.user_id == str(manager.pk)
    assert line.job_id == "-"
    # Once the request is over its ids are gone.
    assert request_context.current_request_id() == ""
    assert request_context.current_user_id() is None


@pytest.mark.django_db
def test_an_anonymous_request_logs_no_user(client, captured):
    response = client.post("/no-such-page/", headers={"X-Request-ID": "anon-1"})
    lines = [r for r in captured if r.name == "django.request"]
    assert lines, response.status_code
    assert {(r.request_id, r.user_id) for r in lines} == {("anon-1", "-")}


def test_outside_a_request_a_line_has_dashes():
    line = record()
    assert (line.request_id, line.user_id, line.job_id) == ("-", "-", "-")


# The formats ---------------------------------------------------------------------------


def test_the_json_format_is_one_object_per_line_with_the_ids_and_the_exception():
    with request_context.bind(request_id="req-1", user_id=3, job_id=12):
        line = record("Job %s failed\non two lines", exc_info=raised(KeyError("missing")))
    text = JSONFormatter().format(line)
    assert "\n" not in text
    entry = json.loads(text)
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "core.jobs"
    assert entry["message"] == "Job 7 failed\non two lines"
    assert (entry["request_id"], entry["user_id"], entry["job_id"]) == ("req-1", "3", "12")
    assert "Traceback (most recent call last)" in entry["exception"]
    assert "KeyError: 'missing'" in entry["exception"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])


def test_the_json_format_has_no_job_id_and_no_exception_outside_a_job():
    entry = json.loads(JSONFormatter().format(record()))
    assert set(entry) == {"time", "level", "logger", "message", "request_id", "user_id"}
    assert (entry["request_id"], entry["user_id"]) == ("-", "-")


def test_the_plain_format_has_the_ids_in_the_line():
    with request_context.bind(request_id="req-2", user_id=5, job_id=9):
        line = record(exc_info=raised(ValueError("bad")))
    first, *rest = PlainFormatter().format(line).splitlines()
    assert first.endswith("ERROR core.jobs [req-2 user=5 job=9] Job 7 done")
    assert rest[-1] == "ValueError: bad"


@pytest.mark.parametrize("formatter", [JSONFormatter(), PlainFormatter()])
def test_an_exception_logged_without_its_message_shows_its_type_and_stack_only(formatter):
    line = record(
        exc_info=raised(ValidationError("Row 2: “Jan Jansen” is too long.")),
        **WITHOUT_EXCEPTION_MESSAGE,
    )
    text = formatter.format(line)
    assert "Jan Jansen" not in text
    assert "django.core.exceptions.ValidationError (its message is not logged)" in text
    assert "test_logging.py" in text  # the stack


@pytest.mark.parametrize("formatter", [JSONFormatter(), PlainFormatter()])
def test_e_mail_addresses_are_masked_whatever_logs_them(formatter):
    text = formatter.format(record("Sent to %s", "Ann.O'Neil+news@mail.acme.example"))
    assert "acme" not in text
    assert "Sent to [e-mail]" in text


def test_the_task_library_s_lines_never_carry_an_exception_s_message():
    line = logging.getLogger("django_tasks").makeRecord(
        "django_tasks", logging.ERROR, __file__, 1, "Task failed", (), raised(ValueError("Ann"))
    )
    ContextFilter().filter(line)
    assert "Ann" not in JSONFormatter().format(line)


@pytest.mark.parametrize(("debug", "expected"), [("0", "json"), ("1", "plain")])
def test_the_default_format_is_json_in_production_and_plain_in_debug(debug, expected):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_DEBUG": debug,
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "example.com",
        "DJANGO_LOG_LEVEL": "INFO",
    }
    script = "import logging; logging.getLogger('core.check').warning('hello')"
    output = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stderr.strip()
    if expected == "json":
        assert json.loads(output)["message"] == "hello"
    else:
        assert output.endswith("WARNING core.check [- user=-] hello")


# Jobs ----------------------------------------------------------------------------------


@pytest.fixture
def handler(monkeypatch):
    calls = {"run": lambda job, progress: ""}
    monkeypatch.setitem(jobs.HANDLERS, KIND, lambda job, progress: calls["run"](job, progress))
    return calls


@pytest.mark.django_db
def test_a_job_started_in_a_request_keeps_the_request_s_id(manager_client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    template = make_template("EMAIL", CorrespondenceType.EMAIL)
    segment = segment_to_log(World(), CampaignFactory(), template)
    url = reverse("segments:segment_log", kwargs={"key": segment.no})
    response = manager_client.post(
        url, {"send_attachments": "on"}, headers={"X-Request-ID": "web-42"}
    )
    assert response.status_code == 302
    assert Job.objects.get().request_id == "web-42"


@pytest.mark.django_db
def test_a_job_started_outside_a_request_gets_an_id_of_its_own(handler):
    first = jobs.start_job(kind=KIND)
    second = jobs.start_job(kind=KIND)
    assert HEX_ID.fullmatch(first.request_id)
    assert first.request_id != second.request_id
    assert request_context.current_request_id() == ""


@pytest.mark.django_db
def test_a_job_run_again_from_a_page_takes_that_request_s_id(handler):
    with request_context.bind(request_id="first"):
        job = jobs.start_job(kind=KIND)
    Job.objects.filter(pk=job.pk).update(state=Job.State.FAILED)
    job.refresh_from_db()
    with request_context.bind(request_id="again"):
        jobs.requeue_job(job)
    assert Job.objects.get(pk=job.pk).request_id == "again"
    jobs.requeue_job(job)  # outside a request (a command): the id stays
    assert Job.objects.get(pk=job.pk).request_id == "again"


@pytest.mark.django_db
def test_a_job_runs_under_its_request_id_job_id_and_user_id(
    handler, captured, django_capture_on_commit_callbacks
):
    user = UserFactory()
    seen = []

    def work(job, progress):
        seen.append(
            (
                request_context.current_request_id(),
                request_context.current_job_id(),
                request_context.current_user_id(),
            )
        )
        logging.getLogger("contacts.importing").warning("Imported %d rows", 3)
        return ""

    handler["run"] = work
    with request_context.bind(request_id="req-9"), django_capture_on_commit_callbacks(execute=True):
        job = jobs.start_job(kind=KIND, user=user)
    assert seen == [("req-9", job.pk, user.pk)]
    lines = {r.getMessage(): r for r in captured if r.name in ("core.jobs", "contacts.importing")}
    started = lines[f"Job {job.pk} ({KIND}) started, attempt 1"]
    ended = next(r for m, r in lines.items() if m.startswith(f"Job {job.pk} ({KIND}) ended: done"))
    for line in (lines[f"Job {job.pk} ({KIND}) queued"], started, lines["Imported 3 rows"], ended):
        assert (line.request_id, line.job_id) == ("req-9", str(job.pk))
    assert (started.levelname, started.user_id) == ("INFO", str(user.pk))
    assert request_context.current_job_id() is None


@pytest.mark.django_db
def test_a_failed_job_is_logged_without_the_error_s_text(
    handler, captured, django_capture_on_commit_callbacks
):
    def work(job, progress):
        raise ValidationError("Row 2: “ann@acme.example” is not a valid e-mail address.")

    handler["run"] = work
    with django_capture_on_commit_callbacks(execute=True):
        jobs.start_job(kind=KIND)
    job = Job.objects.get()
    assert job.state == Job.State.FAILED
    assert "ann@acme.example" in job.error  # the message is kept on the job
    texts = [JSONFormatter().format(r) for r in captured if r.name == "core.jobs"]
    assert texts
    assert any(f"Job {job.pk} ({KIND}) failed" in text for text in texts)
    assert any("ended: failed" in text for text in texts)
    everything = [JSONFormatter().format(r) for r in captured]  # the task library's too
    assert not any("ann@acme" in text for text in everything)


@pytest.mark.django_db
def test_a_failed_login_is_logged_without_the_username(client, captured):
    client.post(reverse("login"), {"username": "ann@acme.example", "password": "wrong"})
    axes = [r for r in captured if r.name.startswith("axes")]
    assert axes  # it did log the failure
    assert not any("ann@acme.example" in r.getMessage() for r in axes)


# No personal data in the code's log calls ----------------------------------------------

PERSONAL = {
    "email",
    "email_address",
    "name",
    "first_name",
    "last_name",
    "username",
    "get_username",
    "get_full_name",
    "address",
    "phone_no",
    "mobile_phone_no",
    "text",
    "body",
    "subject",
}
LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical", "log"}
SKIPPED = {".venv", ".git", "tests", "migrations", "node_modules", "static", "var"}


def log_calls_with_personal_fields(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in LOG_METHODS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in ("logger", "logging", "log")
        ):
            continue
        for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
            for part in ast.walk(argument):
                if isinstance(part, ast.Attribute) and part.attr in PERSONAL:
                    yield f"{path}:{node.lineno}: .{part.attr}"


def test_no_log_call_in_the_code_passes_a_personal_field():
    root = Path(settings.BASE_DIR)
    files = list(root.glob("*.py")) + [
        path
        for folder in root.iterdir()
        if folder.is_dir() and not folder.name.startswith(".") and folder.name not in SKIPPED
        for path in folder.rglob("*.py")
        if not set(path.relative_to(root).parts) & SKIPPED
    ]
    assert any(path.name == "jobs.py" for path in files)
    found = [finding for path in files for finding in log_calls_with_personal_fields(path)]
    assert found == []


def test_the_scan_finds_a_personal_field(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('logger.info("Sent to %s", contact.email)\n')
    assert list(log_calls_with_personal_fields(bad)) == [f"{bad}:1: .email"]


# The acceptance test: from a request into the worker's log -----------------------------


@pytest.fixture
def queued_by_a_request(transactional_db, settings, client):
    """A request that logs a segment with e-mails, queued for a worker; returns the job
    and the request's id."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    template = make_template("EMAIL", CorrespondenceType.EMAIL)
    segment = segment_to_log(World(), CampaignFactory(), template)
    client.force_login(UserFactory(username="marketer", role=roles.MARKETING_MANAGER))
    response = client.post(
        reverse("segments:segment_log", kwargs={"key": segment.no}), {"send_attachments": "on"}
    )
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.state == Job.State.QUEUED
    return job, response["X-Request-ID"]


def test_a_request_s_id_is_in_the_worker_s_log_for_the_job_it_queued(
    queued_by_a_request, smtp_server, tmp_path
):
    job, request_id = queued_by_a_request
    assert HEX_ID.fullmatch(request_id)
    database = WorkerDatabase(tmp_path)
    env = worker_env(
        database.url, **smtp_server.env, DJANGO_LOG_FORMAT="json", DJANGO_LOG_LEVEL="INFO"
    )
    with WorkerPool(env, tmp_path) as pool:
        worker = pool.start()
        pool.wait_for(
            lambda: database.job(job.pk)["state"] == Job.State.DONE, timeout=30, what="job done"
        )
        pool.wait_for(lambda: "ended: done" in worker.output(), timeout=10, what="end line")
        output = worker.output()
    assert sorted(rcpt for _id, (rcpt,) in smtp_server.accepted) == ADDRESSES, output
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]  # all JSON
    of_job = [line for line in lines if line.get("job_id") == str(job.pk)]
    messages = [line["message"] for line in of_job]
    assert f"Job {job.pk} ({job.kind}) started, attempt 1" in messages, output
    assert any(m.startswith(f"Job {job.pk} ({job.kind}) ended: done in ") for m in messages)
    assert any(line["logger"] == "django_tasks" for line in of_job), output  # the library's
    assert {line["request_id"] for line in of_job} == {request_id}, output
    assert {line["user_id"] for line in of_job} == {str(job.user_id)}, output
    for address in ADDRESSES:
        assert address not in output
    assert "[e-mail]" not in output  # nothing even tried to log an address


def test_the_access_log_of_gunicorn_carries_the_request_id_and_no_query_string():
    import runpy

    from django.conf import settings

    config = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    line_format = config["access_log_format"]
    assert "%({x-request-id}o)s" in line_format
    assert "%(U)s" in line_format  # the path alone
    for with_query in ("%(r)s", "%(q)s", "%(f)s", "%(a)s"):  # request line, query, referer, agent
        assert with_query not in line_format


def test_a_gunicorn_worker_freezes_what_it_loaded_out_of_the_garbage_collector():
    import gc
    import runpy

    from django.conf import settings

    config = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    assert gc.get_freeze_count() == 0
    try:
        config["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 10_000  # Django and the apps, loaded by now
    finally:
        gc.unfreeze()
