"""The request id, user id and job id that every log line carries (docs/logs.md).

Each request gets an id: the incoming ``X-Request-ID`` header when it is a sane token
(a proxy or load balancer in front may set one), else a new one; the response returns
it in ``X-Request-ID``. A job records the id of the request that queued it
(``Job.request_id``) and its worker runs the job under that id, so one ``grep`` follows
a request from the web server into the worker.

The ids live in context variables: set for the duration of a request or a job run and
reset afterwards (``bind``), read by ``core.logs.ContextFilter``.
"""

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils.log import log_response

HEADER = "X-Request-ID"
# An incoming id is taken only when it is a plain token: it ends up in every log line
# and in a database column, so nothing that could break a line or a JSON value.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
user_id_var: ContextVar[int | None] = ContextVar("user_id", default=None)
job_id_var: ContextVar[int | None] = ContextVar("job_id", default=None)

_KEEP = object()


def new_request_id() -> str:
    return uuid.uuid4().hex


def sane_request_id(value: str | None) -> str:
    """``value`` when it may serve as a request id, else ""."""
    if value and SANE_REQUEST_ID.fullmatch(value):
        return value
    return ""


def current_request_id() -> str:
    """The id of the request (or job) being handled, "" outside of one."""
    return request_id_var.get()


def current_user_id() -> int | None:
    return user_id_var.get()


def current_job_id() -> int | None:
    return job_id_var.get()


@contextmanager
def bind(*, request_id=_KEEP, user_id=_KEEP, job_id=_KEEP) -> Iterator[None]:
    """Set the given ids for the block and put back the previous ones after it.
    ``None`` clears an id; an id not given keeps its current value."""
    tokens = []
    for var, value in ((request_id_var, request_id), (user_id_var, user_id), (job_id_var, job_id)):
        if value is not _KEEP:
            if var is request_id_var:
                value = value or ""
            tokens.append((var, var.set(value)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


class RequestIdMiddleware:
    """Give the request its id (``request.request_id``) for the whole request, and
    return it in the ``X-Request-ID`` response header. First in ``MIDDLEWARE``, so
    that every line logged while the request is handled carries it.

    Django logs a 4xx or 5xx response once the middleware chain has returned, that is
    after the id was reset; this middleware logs it itself, while the id is set
    (Django then sees it logged and does not log it again)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = sane_request_id(request.headers.get(HEADER)) or new_request_id()
        request.request_id = request_id
        with bind(request_id=request_id, user_id=None, job_id=None):
            response = self.get_response(request)
            if response.status_code >= 400:
                log_response(
                    "%s: %s",
                    response.reason_phrase,
                    request.path,
                    response=response,
                    request=request,
                )
        response.headers[HEADER] = request_id
        return response


class RequestUserMiddleware:
    """Put the logged-in user's id (never the username) on the log lines of the
    request. Right after ``AuthenticationMiddleware``.

    The id stays set until ``RequestIdMiddleware`` resets the request's ids, so that
    the line it logs for a 4xx or 5xx response carries the user too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        user_id_var.set(user.pk if user is not None and user.is_authenticated else None)
        return self.get_response(request)
