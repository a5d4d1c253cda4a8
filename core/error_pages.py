"""The server error page, and a friendly page when the database cannot be reached.

``config/urls.py`` makes :func:`server_error` Django's ``handler500``. Django calls
it for an exception that escaped a view *or any middleware* (each middleware is
wrapped), with debug off; with ``DJANGO_DEBUG=1`` Django shows its traceback page
instead, which is what a developer wants.

A lost database connection (Django's ``OperationalError`` / ``InterfaceError``:
the server restarted, a fail-over, a connection killed, or, on SQLite, a lock that
outlasted the busy timeout) is not a bug to report but a moment to wait: the answer
is 503 with ``Retry-After`` and a page in the user's language that renders without
a single query (no context processors, nothing from the session or the user).
The broken connection is closed at once, so the next request opens a new one;
Django would also do that at the end of the request (``close_old_connections``),
and PostgreSQL connections kept between requests are checked before they are used
again (``CONN_HEALTH_CHECKS``).

Two users writing the same records at the same moment is not an outage either:
PostgreSQL ends one of them with a deadlock or a serialization failure, or a key
checked at the commit finds the record the other user deleted. ``is_write_conflict``
names these; ``core.middleware.WriteConflictMiddleware`` answers them with 409 and
"nothing was saved, try again" (docs/concurrency.md, When two writes still collide).
"""

import sys

from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views.defaults import server_error as django_server_error

RETRY_AFTER_SECONDS = 10


def server_error(request, template_name="500.html"):
    """Django's 500 page, or the 503 page when the database was not reachable."""
    if is_database_outage(sys.exc_info()[1]):
        close_broken_connections()
        return database_unavailable(request)
    return django_server_error(request, template_name)


def is_database_outage(error: BaseException | None) -> bool:
    """Whether ``error``, or an error it was raised from or while handling, is a lost
    or unusable database connection: Django's ``OperationalError`` or
    ``InterfaceError``, or the driver's own, which reaches the view unwrapped from a
    few places (closing a server-side cursor on a connection the server ended)."""
    if is_write_conflict(error):
        return False
    kinds = _outage_errors()
    return any(isinstance(cause, kinds) for cause in _chain(error))


# PostgreSQL's SQLSTATEs of a transaction ended because another one wrote the same rows:
# serialization failure, deadlock, a lock not granted, and a key (foreign or unique)
# that another transaction's committed write broke.
CONFLICT_STATES = {"40001", "40P01", "55P03", "23503", "23505"}
# SQLite's words for the last two (its errors carry no SQLSTATE).
SQLITE_CONFLICTS = ("FOREIGN KEY constraint failed", "UNIQUE constraint failed")


def is_write_conflict(error: BaseException | None) -> bool:
    """Whether ``error`` (or one it was raised from) ended the transaction because
    another transaction wrote the same rows at the same moment."""
    for cause in _chain(error):
        state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        if state in CONFLICT_STATES:
            return True
        if isinstance(cause, IntegrityError) and str(cause).startswith(SQLITE_CONFLICTS):
            return True
    return False


def _chain(error: BaseException | None):
    """``error`` and the errors it was raised from or while handling."""
    seen = set()
    while error is not None and id(error) not in seen:
        yield error
        seen.add(id(error))
        error = error.__cause__ or error.__context__


def _outage_errors() -> tuple[type[BaseException], ...]:
    kinds = [OperationalError, InterfaceError]
    for alias in connections:
        driver = connections[alias].Database
        kinds += [driver.OperationalError, driver.InterfaceError]
    return tuple(kinds)


def database_unavailable(request) -> HttpResponse:
    """503 "The database is not reachable; try again in a moment." in the active
    language (the language middleware has chosen it from the session or cookie)."""
    context = {"retry_url": request.get_full_path() if request.method == "GET" else ""}
    response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def close_broken_connections() -> None:
    """Close this thread's connections (outside a transaction) without asking the
    server anything: it may not answer, and which one broke is not always known.
    The next query opens a new connection."""
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.in_atomic_block:
            try:
                connection.close()
            except DatabaseError:
                connection.connection = None
