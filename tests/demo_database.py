"""The demo data set (``manage.py demo``) for the tests that need it, loaded once per
test process.

A test that needs the demo data asks for the ``demo_data`` fixture (and ``db``, as
every database test does). The first such test of a process loads the demo into the
test database inside a transaction that stays open; every test then runs in its own
savepoint inside it (pytest-django's ``db``), rolled back at its end, so each starts
from the same demo data. Before the first test that does not ask for the demo, the
transaction is rolled back and the database is empty again.

To load it once per process, the tests that need the demo run first
(``order_demo_tests_first``); pytest-xdist hands each worker its tests in that order.
Within each group the tests marked ``long`` come first: a long test handed out last
would keep one worker busy alone at the end while the other waits.
Should a run interleave them anyway (``-k``, another ``--dist`` mode), the demo is
simply loaded again: slower, never wrong.

Rows a module or class adds on top of the demo for all its tests go in
``demo_database.layer()``: a savepoint rolled back at the end of the fixture (or when
the demo itself is rolled back first).

Tests that commit (``transactional_db``, ``live_server``) cannot share the demo's
transaction; asking for both is refused.
"""

import io
from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from core.management.commands.demo import ROLE_USERS

FIXTURE = "demo_database"
COMMITTING = ("transactional_db", "live_server")


class DemoDatabase:
    """The demo data in this process's test database, in an open transaction."""

    def __init__(self, django_db_blocker):
        self.blocker = django_db_blocker
        self.atomic = None
        self.layers = []
        self.loads = 0
        # {username: user} of the role logins; refreshed in place by every load, so a
        # module that holds the dict sees the users of the current load.
        self.users = {}

    @property
    def loaded(self) -> bool:
        return self.atomic is not None

    def load(self) -> None:
        if self.loaded:
            return
        with self.blocker.unblock():
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            try:
                self._fill()
            except BaseException:
                self.unload()
                raise
        self.loads += 1

    def _fill(self) -> None:
        from core.models import Job
        from segments.models import SavedSegmentCriteria

        call_command("demo", stdout=io.StringIO())
        users = get_user_model().objects.filter(username__in=ROLE_USERS)
        self.users.clear()
        self.users.update({user.username: user for user in users})
        # The demo data has no jobs and no saved criteria: a job per role login (a user
        # sees only their own) and one saved criteria set, so that every page has a record.
        for user in self.users.values():
            Job.objects.create(
                kind=Job.Kind.CONTACT_IMPORT,
                description="Matrix",
                user=user,
                state=Job.State.FAILED,
            )
        SavedSegmentCriteria.objects.create(code="MATRIX", description="Matrix")

    def unload(self) -> None:
        if not self.loaded:
            return
        with self.blocker.unblock():
            while self.layers:
                self._close(self.layers.pop())
            atomic, self.atomic = self.atomic, None
            self._close(atomic)

    @staticmethod
    def _close(atomic) -> None:
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)

    @contextmanager
    def layer(self):
        """A savepoint on top of the demo for rows shared by a module's or a class's tests."""
        assert self.loaded, "the demo data is not loaded"
        with self.blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
            self.layers.append(atomic)
        try:
            yield
        finally:
            if atomic in self.layers:  # not rolled back with the demo already
                with self.blocker.unblock():
                    while self.layers:
                        top = self.layers.pop()
                        self._close(top)
                        if top is atomic:
                            break


_current: DemoDatabase | None = None


@pytest.fixture(scope="session")
def demo_database(django_db_setup, django_db_blocker):
    """This process's demo database (see the module docstring)."""
    global _current
    _current = DemoDatabase(django_db_blocker)
    _current.load()
    yield _current
    _current.unload()
    _current = None


@pytest.fixture(scope="session")
def demo_data(demo_database):
    """The role logins of the demo data, ``{username: user}``: manager, staff, sales, viewer."""
    return demo_database.users


def needs_demo(item) -> bool:
    return FIXTURE in getattr(item, "fixturenames", ())


def order_demo_tests_first(items) -> None:
    """Tests that need the demo first; in each group the ``long`` ones first, the rest in
    their collected order."""
    items.sort(key=lambda item: (not needs_demo(item), item.get_closest_marker("long") is None))


def enter_or_leave_demo(item) -> None:
    """Before a test's fixtures: load the demo for a test that needs it, roll it back
    before one that does not."""
    if needs_demo(item):
        committing = [name for name in COMMITTING if name in item.fixturenames]
        if committing:
            raise pytest.UsageError(
                f"{item.nodeid}: the demo data cannot be shared with {committing} "
                "(their commits would end its transaction)"
            )
        if _current is not None:
            _current.load()
    elif _current is not None:
        _current.unload()
