"""The benchmark report says where the app's time went when it misses against the
floor: the slowest statements of its first run (benchmarks.harness, report)."""

import pytest

from benchmarks import report
from benchmarks.harness import Result, Way, _slowest, execute, measure

pytestmark = pytest.mark.django_db

META = {"date": "d", "database_version": "v", "contacts": 1, "machine": "m", "setup_s": 0}


def test_measure_keeps_the_slowest_statements_of_the_first_run(monkeypatch):
    # VACUUM cannot run inside the test's transaction (PostgreSQL).
    monkeypatch.setattr("benchmarks.harness.vacuum_written_tables", lambda: None)

    def work():
        for number in range(7):
            execute(f"SELECT {number}")
        return 7

    way = measure(work, repeat=1)
    assert len(way.slowest) == 5
    assert all(isinstance(took, float) and sql.startswith("SELECT") for took, sql in way.slowest)
    assert [took for took, _sql in way.slowest] == sorted(
        (took for took, _sql in way.slowest), reverse=True
    )


def test_a_statement_whose_text_is_unknown_is_kept_blank():
    # The price engine's prepared statement reaches the debug cursor without its text.
    captured = [{"time": "0.002", "sql": None}, {"time": "0.001", "sql": "SELECT 1"}]
    assert _slowest(captured) == [[0.002, ""], [0.001, "SELECT 1"]]


def result(app_seconds):
    made = Result("W2", "Activate")
    made.ways["app"] = Way(
        seconds=app_seconds,
        rows=1,
        queries=2,
        runs=1,
        slowest=[[40.0, "INSERT INTO targets"], [2.5, "DELETE FROM targets"]],
    )
    made.ways["floor"] = Way(seconds=50, rows=1, queries=1, runs=1)
    return made


def test_a_miss_against_the_floor_lists_the_slowest_statements():
    text = report.markdown({**META, "total_s": 1}, [result(100)])
    assert "- 40.00 s: `INSERT INTO targets`" in text
    assert "- 2.50 s: `DELETE FROM targets`" in text
    assert "    - 40.00 s: `INSERT INTO targets`" in report.line(result(100))


def test_a_workload_within_the_floor_lists_none():
    assert "INSERT INTO targets" not in report.markdown({**META, "total_s": 1}, [result(60)])
    assert "INSERT INTO targets" not in report.line(result(60))
