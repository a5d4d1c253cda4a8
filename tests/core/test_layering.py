"""Views never write to the database: they call a service (docs/services.md).

A view module (``<app>/views.py``, ``<app>/*_views.py``, ``core/generic_views/``) may
not call ``.save()`` (except a form's ``save(commit=False)``, which only builds the
record), ``.update(...)`` with keyword arguments (a QuerySet's), ``.create()``,
``.bulk_create()``, ``.bulk_update()``, ``.get_or_create()``, ``.update_or_create()``,
``.delete()``, ``.save_m2m()`` or ``.select_for_update()``: the service functions do
that, so that pages, the admin, commands and the API share every rule.
"""

import ast
from pathlib import Path

import pytest

from core import roles

ROOT = Path(__file__).resolve().parents[2]
APPS = roles.BUSINESS_APPS
WRITES = {
    "save",
    "create",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "delete",
    "save_m2m",
    "select_for_update",
    "update",
}


def view_modules() -> list[Path]:
    modules = []
    for app in APPS:
        folder = ROOT / app
        modules += sorted(folder.glob("views.py")) + sorted(folder.glob("*_views.py"))
        modules += sorted(folder.glob("*_views/*.py"))
    return modules


def _is_build_only_save(call: ast.Call) -> bool:
    """``form.save(commit=False)``: builds the record in memory, writes nothing."""
    return any(
        keyword.arg == "commit"
        and isinstance(keyword.value, ast.Constant)
        and keyword.value.value is False
        for keyword in call.keywords
    )


def writes_in(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name = node.func.attr
        if name not in WRITES:
            continue
        if name == "save" and _is_build_only_save(node):
            continue
        if name == "update" and not node.keywords:
            continue  # dict.update(other): a QuerySet's update takes field=value keywords
        found.append((node.lineno, f"{path.relative_to(root)}:{node.lineno}: .{name}()"))
    return [entry for _line, entry in sorted(found)]


def test_there_are_view_modules_to_check():
    names = {str(path.relative_to(ROOT)) for path in view_modules()}
    assert {"core/generic_views/forms.py", "campaigns/views.py", "quotes/views.py"} <= names


@pytest.mark.parametrize("path", view_modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_views_do_not_write_to_the_database(path):
    assert writes_in(path) == []


def test_the_check_finds_a_write(tmp_path):
    """The check itself: each kind of write in a view is found, a build-only save and a
    dict update are not."""
    module = tmp_path / "views.py"
    module.write_text(
        "def view(request, form, line, qs, context):\n"
        "    form.save()\n"
        "    form.save(commit=False)\n"
        "    qs.update(canceled=True)\n"
        "    context.update({'a': 1})\n"
        "    qs.select_for_update().get(pk=1)\n"
        "    line.delete()\n"
        "    Model.objects.create(a=1)\n"
    )
    found = writes_in(module, root=tmp_path)
    assert [entry.split(": ", 1)[1] for entry in found] == [
        ".save()",
        ".update()",
        ".select_for_update()",
        ".delete()",
        ".create()",
    ]
