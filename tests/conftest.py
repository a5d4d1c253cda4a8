import pytest
from django.db import connection
from django.test import override_settings
from django.utils import translation

from core import roles
from tests.demo_database import (  # noqa: F401 - fixtures
    demo_data,
    demo_database,
    enter_or_leave_demo,
    order_demo_tests_first,
)
from tests.factories import UserFactory


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher():
    """Passwords are hashed with MD5 in the tests: PBKDF2's million rounds take 0.6 s a
    password on the CI machine, paid by every user a test makes and every login."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _english():
    """Each test starts in English (a request in Dutch leaves the thread in Dutch)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache. The API's rate limit counts per token in
    it, and a token's id comes back after a rolled-back test on SQLite: one test's
    requests counted against the next test's limit (429 in a loaded run)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback that records every message it receives
    (``tests/mailings/smtp.py``); ``smtp_server.env`` points a worker process at it."""
    from tests.mailings.smtp import LocalSMTPServer

    with LocalSMTPServer() as server:
        yield server


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", role=roles.MARKETING_MANAGER)


@pytest.fixture
def staff(db):
    return UserFactory(username="staff", role=roles.MARKETING_STAFF)


@pytest.fixture
def salesperson_user(db):
    return UserFactory(username="sales", role=roles.SALESPERSON)


@pytest.fixture
def viewer(db):
    return UserFactory(username="viewer", role=roles.READ_ONLY)


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def superuser_client(client, db):
    """A client logged in to the admin as a superuser."""
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def pytest_collection_modifyitems(config, items):
    """Tests that need the demo data run first (tests/demo_database.py); tests marked
    ``postgres`` run only when the suite runs on PostgreSQL."""
    order_demo_tests_first(items)
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before any fixture of the test: the demo data loaded or rolled back."""
    enter_or_leave_demo(item)
