"""Two users at once: run two calls together, each on its own database connection.

For tests marked ``postgres`` and ``django_db(transaction=True)``: the calls must
commit for the other to see them, and only PostgreSQL runs them truly at once.
"""

import threading

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection


def race(first, second) -> tuple[object, object]:
    """Call ``first()`` and ``second()`` in two threads released together; what each
    returned, or the refusal (``ValidationError`` / ``PermissionDenied``) it raised.
    Any other exception is raised here, so a crash fails the test with its traceback."""
    barrier = threading.Barrier(2)
    outcomes: list = [None, None]
    crashes: list = []

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except (ValidationError, PermissionDenied) as refusal:
            outcomes[index] = refusal
        except Exception as crash:  # noqa: BLE001 - raised again in the test's thread
            crashes.append(crash)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if crashes:
        raise crashes[0]
    return outcomes[0], outcomes[1]


def refused(outcome) -> bool:
    return isinstance(outcome, ValidationError | PermissionDenied)
