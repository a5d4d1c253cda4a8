"""A database outage is a friendly page (docs/security.md).

A request that loses its database connection, in a view or in a middleware (the
session is read by ``UserLanguageMiddleware``, the user by the login check), gets
the 503 page "The database is not reachable; try again in a moment." in the user's
language, with ``Retry-After``, rendered without a query (``core.error_pages``); the
next request works again. On PostgreSQL the app's own connection is really ended
(``pg_terminate_backend`` from a second connection), at every query of a page in
turn, and, against the live server, by a thread that ends the app's connections in
a loop while requests run.
"""

import random
import threading
import time
import urllib.error
import urllib.request

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from core import roles
from core.error_pages import is_database_outage, server_error
from core.models import UserPreference
from tests.factories import CampaignFactory, CompanyFactory, UserFactory

ENGLISH = "The database is not reachable; try again in a moment."
DUTCH = "De database is niet bereikbaar; probeer het over enkele ogenblikken opnieuw."
TEXT = {"en": ENGLISH, "nl": DUTCH}
PASSWORD = "pw-for-tests-1"


def raised(error):
    """``server_error`` called as Django calls it: while handling ``error``."""
    try:
        raise error
    except Exception:  # noqa: BLE001 - the handler reads sys.exc_info()
        return server_error(RequestFactory().get("/contacts/?q=a"))


# --- The handler ---------------------------------------------------------------------------


@pytest.mark.parametrize("error", [OperationalError("gone"), InterfaceError("closed")])
def test_a_lost_connection_is_the_503_page_without_a_query(error, django_assert_num_queries, db):
    with django_assert_num_queries(0):
        response = raised(error)
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert ENGLISH in body
    assert 'lang="en"' in body
    assert 'href="/contacts/?q=a"' in body  # try again


def test_the_503_page_is_in_the_active_language(db):
    with translation.override("nl"):
        response = raised(OperationalError("gone"))
    body = response.content.decode()
    assert DUTCH in body
    assert 'lang="nl"' in body
    assert "Opnieuw proberen" in body


def test_an_error_raised_while_the_connection_was_lost_counts_as_the_outage(db):
    def lookup():
        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError as error:
            raise RuntimeError("template rendering failed") from error

    with pytest.raises(RuntimeError) as raised_error:
        lookup()
    assert is_database_outage(raised_error.value)
    assert not is_database_outage(ValueError("x"))
    assert not is_database_outage(DatabaseError("a bug, not an outage"))


def test_any_other_error_is_still_the_500_page(db):
    response = raised(ValueError("a bug"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_the_project_uses_the_handler():
    from config import urls

    assert urls.handler500 == "core.error_pages.server_error"


# --- Through every middleware: the k-th query of a page fails -------------------------------


class FailAt:
    """An execute wrapper that raises ``OperationalError`` at the ``k``-th query, as a
    lost connection does (on any database)."""

    def __init__(self, k):
        self.k = k
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if self.count == self.k:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)


@pytest.fixture
def pages(db):
    campaign = CampaignFactory()
    CompanyFactory(name="Fabrikam")
    return [reverse("home"), reverse("contacts:contact_list"), campaign.get_absolute_url()]


def logged_in(language):
    user = UserFactory(username=f"user_{language}", role=roles.MARKETING_MANAGER)
    UserPreference.objects.create(user=user, language=language)
    client = Client(raise_request_exception=False)
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def queries_of(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_failure_at_any_query_of_a_page_is_the_503_page_in_the_users_language(
    language, pages, settings
):
    """The first queries are the session (read in ``UserLanguageMiddleware``) and the
    user (``LoginRequiredMiddleware``): middleware failures are covered too."""
    settings.DEBUG = False
    client = logged_in(language)
    checked = 0
    for url in pages:
        count = queries_of(client, url)
        assert count >= 3
        for k in range(1, count + 1):
            with connection.execute_wrapper(FailAt(k)):
                response = client.get(url)
            assert response.status_code == 503, (url, k, response.status_code)
            assert TEXT[language] in response.content.decode(), (url, k)
            assert response["Retry-After"]
            checked += 1
        assert client.get(url).status_code == 200
    assert checked >= 10


# --- PostgreSQL: the connection is really ended ---------------------------------------------


def connect_as_the_test_database():
    """A connection of our own to the test database, to end the app's connections."""
    params = connection.settings_dict
    return psycopg.connect(
        dbname=params["NAME"],
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        autocommit=True,
    )


@pytest.fixture
def terminator():
    with connect_as_the_test_database() as killer:
        yield killer


class TerminateAt:
    """An execute wrapper that ends the app's own backend just before its ``k``-th query."""

    def __init__(self, k, killer):
        self.k = k
        self.killer = killer
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if self.count == self.k:
            pid = context["connection"].connection.info.backend_pid
            ended = self.killer.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
            assert ended.fetchone()[0] is True
        return execute(sql, params, many, context)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_connection_ended_during_a_request_is_the_503_page_and_the_next_request_works(
    language, settings, terminator
):
    settings.DEBUG = False
    campaign = CampaignFactory()
    client = logged_in(language)
    pages = [reverse("home"), reverse("contacts:contact_list"), campaign.get_absolute_url()]
    checked = 0
    for url in pages:
        count = queries_of(client, url)
        for k in range(1, count + 1):
            pid = connection.connection.info.backend_pid
            with connection.execute_wrapper(TerminateAt(k, terminator)):
                response = client.get(url)
            assert response.status_code == 503, (url, k, response.status_code)
            assert TEXT[language] in response.content.decode(), (url, k)
            assert response["Retry-After"]
            # The next request opens a new connection and works.
            assert client.get(url).status_code == 200, (url, k)
            assert connection.connection.info.backend_pid != pid
            checked += 1
    assert checked >= 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_ended_between_requests_is_replaced_before_it_is_used(terminator):
    """A kept connection (``CONN_MAX_AGE``) that the server ended while idle: at the
    start of the next request Django checks it (``CONN_HEALTH_CHECKS``) and opens a new
    one, so the request does not even see the outage."""
    from django.db import close_old_connections

    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert connection.settings_dict["CONN_MAX_AGE"] > 0
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    terminator.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
    close_old_connections()  # what request_started does in a server
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


# --- The live server under a thread that ends its connections in a loop ----------------------


def fetch(url, session_key):
    request = urllib.request.Request(  # noqa: S310 - the live server's http URL
        url, headers={"Cookie": f"{django_settings.SESSION_COOKIE_NAME}={session_key}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_under_a_thread_ending_connections_every_answer_is_a_page_or_the_503_page(
    live_server, settings
):
    settings.DEBUG = False
    user = UserFactory(username="manager", role=roles.MARKETING_MANAGER)
    campaign = CampaignFactory()
    browser = Client()
    browser.force_login(user)
    session_key = browser.cookies[django_settings.SESSION_COOKIE_NAME].value
    paths = [reverse("home"), reverse("contacts:contact_list"), campaign.get_absolute_url()]
    urls = [live_server.url + path for path in paths]
    connection.ensure_connection()
    own_pid = connection.connection.info.backend_pid  # the test's own: not the app's

    stop = threading.Event()
    ended = []

    def end_connections_in_a_loop():
        chance = random.Random(14)  # noqa: S311 - timing, not security
        with connect_as_the_test_database() as killer:
            while not stop.is_set():
                rows = killer.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND backend_type = 'client backend'"
                    " AND pid <> pg_backend_pid() AND pid <> %s",
                    [own_pid],
                ).fetchall()
                ended.append(sum(1 for (done,) in rows if done))
                time.sleep(chance.uniform(0.005, 0.06))

    answers = []

    def browse(offset):
        answers.extend(
            fetch(urls[(offset + index) % len(urls)], session_key) for index in range(30)
        )

    terminator = threading.Thread(target=end_connections_in_a_loop)
    browsers = [threading.Thread(target=browse, args=(offset,)) for offset in range(3)]
    terminator.start()
    for thread in browsers:
        thread.start()
    for thread in browsers:
        thread.join()
    stop.set()
    terminator.join()

    statuses = sorted({status for status, _body in answers})
    unavailable = [body for status, body in answers if status == 503]
    print(
        f"{len(answers)} requests: {len(unavailable)} × 503, "
        f"{sum(1 for status, _ in answers if status == 200)} × 200; "
        f"{sum(ended)} connections ended"
    )
    assert len(answers) == 90
    assert set(statuses) <= {200, 503}, statuses
    assert all(ENGLISH in body for body in unavailable)
    assert sum(ended) > 0
    assert unavailable, "the loop ended connections, yet no request noticed"
    # Once the loop has stopped, every page works again.
    for url in urls:
        for _attempt in range(3):
            status, _body = fetch(url, session_key)
            assert status == 200, url


def test_the_drivers_own_error_counts_as_the_outage_too():
    """Closing a server-side cursor (``.iterator()``) on an ended connection raises the
    driver's error unwrapped; the live server test met it in a filter's choices."""
    driver = connection.Database
    assert is_database_outage(driver.OperationalError("consuming input failed"))
    assert is_database_outage(driver.InterfaceError("the connection is closed"))
    assert not is_database_outage(driver.IntegrityError("a bug, not an outage"))
