"""Messages are translated when they are shown, in the language of the user who sees them
(docs/architecture.md, Languages): no translated text is built when a module is imported,
and the refusals of the services come out in Dutch for a Dutch user."""

import ast
import datetime
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from activities.services.assignment import assign_activity
from campaigns import services as campaign_services
from pricing import services as pricing_services
from segments import services as segment_services
from segments.segment_logging import log_segment
from tests.factories import (
    ActivityFactory,
    CampaignEntryFactory,
    CampaignFactory,
    SegmentFactory,
    TeamFactory,
)

# The translation functions that translate at once (their *_lazy forms wait until shown).
EAGER = {"gettext", "ngettext", "pgettext", "npgettext"}


def project_modules():
    base = Path(settings.BASE_DIR)
    for config in apps.get_app_configs():
        path = Path(config.path)
        if base not in path.parents or {".venv", "site-packages"} & set(path.parts):
            continue  # Django's and the libraries' apps
        for module in sorted(path.rglob("*.py")):
            if "migrations" not in module.parts:
                yield module


class ImportTimeCalls(ast.NodeVisitor):
    """Calls of the eager functions that run when the module is imported: at module
    level, in class bodies, in decorators and in default argument values."""

    def __init__(self, names):
        self.names = names
        self.lines = []

    def visit_FunctionDef(self, node):
        # The body runs when called; decorators and defaults run at import.
        for expression in [
            *node.decorator_list,
            *node.args.defaults,
            *(default for default in node.args.kw_defaults if default is not None),
        ]:
            self.visit(expression)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        pass

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id in self.names:
            self.lines.append(node.lineno)
        self.generic_visit(node)


def eager_names(tree) -> set[str]:
    """The local names bound to an eager translation function (``gettext as _``)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            names |= {alias.asname or alias.name for alias in node.names if alias.name in EAGER}
    return names


def test_the_scan_finds_an_import_time_translation():
    tree = ast.parse(
        "from django.utils.translation import gettext as _\n"
        "A = _('at import')\n"
        "class B:\n    label = _('in a class body')\n"
        "def f(x=_('a default')):\n    return _('when called')\n"
    )
    visitor = ImportTimeCalls(eager_names(tree))
    visitor.visit(tree)
    assert visitor.lines == [2, 4, 5]


def test_no_text_is_translated_when_a_module_is_imported():
    found = []
    for module in project_modules():
        tree = ast.parse(module.read_text(encoding="utf-8"))
        names = eager_names(tree)
        if not names:
            continue
        visitor = ImportTimeCalls(names)
        visitor.visit(tree)
        base = Path(settings.BASE_DIR)
        found += [f"{module.relative_to(base)}:{line}" for line in visitor.lines]
    assert found == [], "use gettext_lazy for texts built at import time"


def dutch_texts() -> set[str]:
    catalogue = polib.pofile(
        str(Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES" / "django.po")
    )
    return {entry.msgstr for entry in catalogue.translated_entries() if entry.msgstr}


def refusal(call) -> str:
    with pytest.raises(ValidationError) as raised:
        call()
    return " ".join(raised.value.messages)


@pytest.mark.django_db
def test_service_refusals_come_out_in_the_users_language():
    """The refusals a marketer meets first (activating without targets, going back with
    nothing to undo, saving criteria there are none of, logging an empty segment,
    deleting an entry that is not canceled, an activity without steps, a team without
    salespeople), raised while the request's language is Dutch, are the catalogue's
    Dutch texts, also after an English request."""
    campaign = CampaignFactory()
    segment = SegmentFactory()
    entry = CampaignEntryFactory(campaign=campaign)
    activity = ActivityFactory()
    calls = [
        lambda: pricing_services.activate_campaign(campaign=campaign),
        lambda: segment_services.go_back(segment=segment),
        lambda: segment_services.save_criteria(segment=segment, code="C1"),
        lambda: log_segment(segment=segment),
        lambda: campaign_services.delete_campaign_entry(entry=entry),
        lambda: assign_activity(
            activity=activity, start_date=datetime.date(2026, 1, 5), team=TeamFactory()
        ),
    ]
    with translation.override("en"):
        english = [refusal(call) for call in calls]
    with translation.override("nl"):
        dutch = [refusal(call) for call in calls]
    # The fixed words before each text's first placeholder.
    openings = {text.split("%(")[0] for text in dutch_texts()} - {""}
    for english_text, dutch_text in zip(english, dutch, strict=True):
        assert dutch_text != english_text
        assert any(dutch_text.startswith(opening) for opening in openings), dutch_text
    assert campaign.no in dutch[0]


def test_translation_functions_keep_names_makemessages_extracts():
    """``gettext as gettext_now`` hides the texts from makemessages, which looks for
    ``_``, ``gettext``, ``ngettext``, ``pgettext`` and their ``_lazy`` forms."""
    extracted = {"_", *EAGER, *(f"{name}_lazy" for name in EAGER)}
    renamed = []
    for module in project_modules():
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                renamed += [
                    f"{module.name}: {alias.name} as {alias.asname}"
                    for alias in node.names
                    if alias.asname and alias.asname not in extracted
                ]
    assert renamed == []
