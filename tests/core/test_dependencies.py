"""Dependencies point one way (docs/architecture.md): an app imports only the apps
below it. A higher app reaches a lower one's pages through ``core.panels`` and hears
from it through the lower app's signals; a lower app names a higher one's model only
as a string foreign key.

    core → salespeople → contacts → campaigns → segments → pricing → quotes
                                                        ↘ mailings
                                                        ↘ activities → opportunities
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Each app and the apps it may import (every app below it).
BELOW = {
    "core": set(),
    "salespeople": {"core"},
    "contacts": {"core", "salespeople"},
    "campaigns": {"core", "salespeople", "contacts"},
    "segments": {"core", "salespeople", "contacts", "campaigns"},
    "mailings": {"core", "salespeople", "contacts", "campaigns", "segments"},
    "pricing": {"core", "salespeople", "contacts", "campaigns", "segments"},
    "quotes": {"core", "salespeople", "contacts", "campaigns", "segments", "pricing"},
    "activities": {"core", "salespeople", "contacts", "campaigns", "segments"},
    "opportunities": {"core", "salespeople", "contacts", "campaigns", "segments", "activities"},
}
# The integration API sits on top of every app (docs/api.md).
BELOW["api"] = set(BELOW)


def imported_apps(path: Path) -> set[tuple[str, int]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found |= {(name.split(".")[0], node.lineno) for name in names}
    return found


def modules(app: str) -> list[Path]:
    return sorted(
        path
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    )


def test_every_app_of_the_project_is_in_the_order():
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert apps == set(BELOW)


@pytest.mark.parametrize("app", sorted(BELOW))
def test_an_app_imports_only_the_apps_below_it(app):
    upward = [
        f"{path.relative_to(ROOT)}:{line} imports {imported}"
        for path in modules(app)
        for imported, line in sorted(imported_apps(path))
        if imported in BELOW and imported != app and imported not in BELOW[app]
    ]
    assert upward == []


def test_the_check_finds_an_upward_import(tmp_path):
    module = tmp_path / "views.py"
    module.write_text("from pricing.models import Item\nimport contacts.models\n")
    assert imported_apps(module) == {("pricing", 1), ("contacts", 2)}
