"""Behind a transaction-mode connection pooler (docs/scaling.md, PgBouncer in transaction
mode): ``DATABASE_TRANSACTION_POOLER=1`` turns off what does not survive a server
connection that is the client's for one transaction only."""

import runpy
from pathlib import Path

import pytest

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "config" / "settings.py"
POOLER_URL = "postgres://marketing@127.0.0.1:6432/marketing"


def database(monkeypatch, **environment) -> dict:
    for name in ("DATABASE_TRANSACTION_POOLER", "DATABASE_PREPARED_STATEMENTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", POOLER_URL)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))["DATABASES"]["default"]


def test_without_a_pooler_the_price_lookup_is_prepared_with_a_generic_plan(monkeypatch):
    db = database(monkeypatch)
    assert db["OPTIONS"]["prepare_threshold"] == 5
    assert db["OPTIONS"]["options"] == "-c plan_cache_mode=force_generic_plan"
    assert db["DISABLE_SERVER_SIDE_CURSORS"] is False


def test_behind_a_transaction_pooler_nothing_outlives_a_transaction(monkeypatch):
    db = database(monkeypatch, DATABASE_TRANSACTION_POOLER="1")
    assert db["OPTIONS"]["prepare_threshold"] is None  # psycopg prepares nothing
    assert "options" not in db["OPTIONS"]  # PgBouncer refuses startup options
    assert db["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert db["CONN_HEALTH_CHECKS"] is True


@pytest.mark.parametrize(("prepared", "threshold"), [("1", 5), ("0", None)])
def test_prepared_statements_can_be_chosen_apart_from_the_pooler(monkeypatch, prepared, threshold):
    """A PgBouncer that keeps prepared statements (1.21 and later) may have them."""
    db = database(
        monkeypatch, DATABASE_TRANSACTION_POOLER="1", DATABASE_PREPARED_STATEMENTS=prepared
    )
    assert db["OPTIONS"]["prepare_threshold"] == threshold
    assert "options" not in db["OPTIONS"]
