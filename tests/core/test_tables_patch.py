"""``core.tables`` replaces a private function of django-tables2 (``utils.signature``)
with a cached one in ``CoreConfig.ready()``. These tests fail when the library changes
underneath the patch: the function is gone, takes or returns something else, another
caller stops looking it up through the module, or the installed version leaves the
pin in pyproject.toml."""

import importlib.metadata
import inspect
import re
import sys
import tomllib
from pathlib import Path

import django_tables2
from django_tables2 import utils as tables_utils

from core import tables as core_tables

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def library_signature():
    """The library's own function, as ``core.tables`` found it before patching."""
    return core_tables._inspect_signature


def version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def test_the_installed_version_is_within_the_pin():
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    (pin,) = [d for d in dependencies if d.startswith("django-tables2")]
    low, high = re.fullmatch(r"django-tables2(?:\[\w+\])?>=([\d.]+),<([\d.]+)", pin).groups()
    installed = version_tuple(importlib.metadata.version("django-tables2"))
    assert version_tuple(low) <= installed < version_tuple(high), (pin, installed)
    # The pin is one minor version wide: a new minor version is looked at before use.
    assert version_tuple(high)[:2] == (version_tuple(low)[0], version_tuple(low)[1] + 1), pin


def test_the_patched_function_is_the_librarys_with_the_same_contract():
    original = library_signature()
    assert original.__module__ == "django_tables2.utils"
    assert original.__name__ == "signature"
    assert list(inspect.signature(original).parameters) == ["fn"]

    def render(value, record, *args, **kwargs):
        return value

    class Column:
        def render(self, value, bound_column):
            return value

    # (positional-or-keyword names, name of the ** catch-all); self left out of methods.
    assert original(render) == (("value", "record"), "kwargs")
    assert original(Column().render) == (("value", "bound_column"), None)


def test_ready_installed_the_cached_signature():
    assert tables_utils.signature is core_tables._cached_signature
    core_tables.cache_cell_signatures()  # idempotent
    assert tables_utils.signature is core_tables._cached_signature
    assert core_tables._inspect_signature is not core_tables._cached_signature


def test_the_cached_signature_answers_as_the_library_does():
    class Column:
        def render(self, value, record, bound_column, **kwargs):
            return value

        def value(self, value):
            return value

    candidates = [
        Column().render,
        Column().value,
        Column.render,
        lambda record: record,
        core_tables.AmountColumn().render,
        core_tables.YesNoColumn().render,
    ]
    for function in candidates:
        assert core_tables._cached_signature(function) == library_signature()(function)
        assert core_tables._cached_signature(function) == library_signature()(function)


def test_the_library_still_reaches_signature_through_its_module():
    """``call_with_appropriate`` looks ``signature`` up as a global of ``utils`` at
    every call (what the patch replaces); no other module of the library holds the
    original under its own name (a ``from .utils import signature`` would bypass it)."""
    assert "signature" in tables_utils.call_with_appropriate.__code__.co_names
    assert tables_utils.call_with_appropriate.__globals__ is vars(tables_utils)
    holders = [
        name
        for name, module in list(sys.modules.items())
        if name.startswith("django_tables2")
        and module is not None
        and any(value is library_signature() for value in vars(module).values())
    ]
    assert holders == [], holders


def test_rendering_a_cell_uses_the_cache():
    core_tables._signature_of.cache_clear()

    class Row:
        amount = 1234

    class Table(django_tables2.Table):
        amount = core_tables.AmountColumn(decimal_places=2)

    table = Table([Row(), Row(), Row()])
    assert [row.get_cell("amount") for row in table.rows] == ["1,234.00"] * 3
    info = core_tables._signature_of.cache_info()
    assert info.misses >= 1
    assert info.hits >= 2
