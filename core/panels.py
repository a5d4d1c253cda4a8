"""Panels that higher apps add to the cards of lower apps.

A lower app may not import a higher one, yet the contact card must list the
contact's segments and the campaign card its segments. The higher app registers
a panel in its ``AppConfig.ready()``; ``RecordCardView`` renders every panel
registered for its model that the user may see.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CardPanel:
    title: str
    template: str
    permission: str
    # obj -> template context; must run a fixed number of queries.
    get_context: Callable[[object], dict]
    order: int = 100


_PANELS: dict[str, list[CardPanel]] = defaultdict(list)


def register_card_panel(model_label: str, panel: CardPanel) -> None:
    """Show ``panel`` on the cards of ``model_label`` (``"contacts.contact"``)."""
    if panel not in _PANELS[model_label]:
        _PANELS[model_label].append(panel)
        _PANELS[model_label].sort(key=lambda p: p.order)


def panels_for(obj, user) -> list[dict]:
    label = obj._meta.label_lower
    return [
        {"title": panel.title, "template": panel.template, **panel.get_context(obj)}
        for panel in _PANELS.get(label, [])
        if user.has_perm(panel.permission)
    ]
