"""Log lines: the ids on every record and the two formats (docs/logs.md).

``ContextFilter`` (on the console handler) puts ``request_id``, ``user_id`` and
``job_id`` on every record, ``-`` when there is none. ``JSONFormatter`` writes one
JSON object per line, ``PlainFormatter`` one line of text with the ids in brackets;
``LOGGING`` in config/settings.py picks one with ``DJANGO_LOG_FORMAT``.

No personal data: the code logs ids and counts, never a contact's e-mail address,
name or text, and the user id, never the username. Two safety nets behind that rule:
the formatters mask anything shaped like an e-mail address, and an exception whose
message may hold a contact's data is logged with its type and stack only
(``extra=WITHOUT_EXCEPTION_MESSAGE``; the task library's own lines of a failed task
always are), its message being kept where it belongs (the job's error, the ledger).
"""

import json
import logging
import re
import traceback
from datetime import UTC, datetime

from core.request_context import current_job_id, current_request_id, current_user_id

NONE = "-"
EMAIL_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
EMAIL_MASK = "[e-mail]"
# ``logger.exception(..., extra=WITHOUT_EXCEPTION_MESSAGE)``: the type and the stack only.
WITHOUT_EXCEPTION_MESSAGE = {"exception_message": False}
# The task library logs a failed task with its exception: the job's own line says
# that it failed (core.jobs.run_job), and the message is the job's error.
QUIET_EXCEPTION_LOGGERS = ("django_tasks", "django.tasks", "django_tasks_db")


def mask_email_addresses(text: str) -> str:
    return EMAIL_ADDRESS.sub(EMAIL_MASK, text)


def _from_library(name: str) -> bool:
    return any(
        name == prefix or name.startswith(f"{prefix}.") for prefix in QUIET_EXCEPTION_LOGGERS
    )


class ContextFilter(logging.Filter):
    """Put the current request, user and job ids on the record (``-`` for none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or NONE
        if not hasattr(record, "user_id"):
            user_id = current_user_id()
            record.user_id = NONE if user_id is None else str(user_id)
        if not hasattr(record, "job_id"):
            job_id = current_job_id()
            record.job_id = NONE if job_id is None else str(job_id)
        if record.exc_info and _from_library(record.name):
            record.exception_message = False
        return True


def _ids(record: logging.LogRecord) -> tuple[str, str, str]:
    return (
        str(getattr(record, "request_id", NONE)),
        str(getattr(record, "user_id", NONE)),
        str(getattr(record, "job_id", NONE)),
    )


def exception_text(formatter: logging.Formatter, record: logging.LogRecord) -> str:
    """The record's exception as text: the traceback with the message, or without it
    when the record asks (``WITHOUT_EXCEPTION_MESSAGE``)."""
    if not record.exc_info or record.exc_info[0] is None:
        return record.exc_text or ""
    if getattr(record, "exception_message", True):
        return formatter.formatException(record.exc_info)
    kind, _error, stack = record.exc_info
    return (
        "Traceback (most recent call last):\n"
        + "".join(traceback.format_tb(stack))
        + f"{kind.__module__}.{kind.__qualname__} (its message is not logged)"
    )


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, message,
    request_id, user_id, job_id (in a job), exception (when there is one)."""

    def format(self, record: logging.LogRecord) -> str:
        request_id, user_id, job_id = _ids(record)
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_email_addresses(record.getMessage()),
            "request_id": request_id,
            "user_id": user_id,
        }
        if job_id != NONE:
            entry["job_id"] = job_id
        exception = exception_text(self, record)
        if exception:
            entry["exception"] = mask_email_addresses(exception)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    """``2026-05-04 10:00:00,123 INFO core.jobs [<request id> user=3 job=12] message``,
    then the exception, if any, on the lines below."""

    def __init__(self, fmt=None, datefmt=None, style="%", **kwargs):
        super().__init__(
            fmt or "%(asctime)s %(levelname)s %(name)s [%(ids)s] %(message)s",
            datefmt,
            style,
            **kwargs,
        )

    def format(self, record: logging.LogRecord) -> str:
        request_id, user_id, job_id = _ids(record)
        record.ids = f"{request_id} user={user_id}" + (f" job={job_id}" if job_id != NONE else "")
        record.message = record.getMessage()
        record.asctime = self.formatTime(record, self.datefmt)
        text = self.formatMessage(record)
        exception = exception_text(self, record)
        if exception:
            text += "\n" + exception
        if record.stack_info:
            text += "\n" + self.formatStack(record.stack_info)
        return mask_email_addresses(text)


def axes_client_str(username, ip_address, user_agent, path_info, request) -> str:
    """How django-axes names a client in its log lines (``AXES_CLIENT_STR_CALLABLE``):
    by address and path, never by the username tried (often an e-mail address)."""
    if isinstance(path_info, tuple | list):
        path_info = path_info[0] if path_info else ""
    return json.dumps({"ip_address": ip_address, "path_info": path_info})
