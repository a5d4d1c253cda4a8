"""Panels and action buttons that higher apps add to the cards of lower apps.

A lower app may not import a higher one, yet the contact card must list the
contact's segments and the campaign card its segments. The higher app registers
a panel in its ``AppConfig.ready()``; ``RecordCardView`` renders every panel
registered for its model that the user may see.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class CardPanel:
    title: str
    template: str
    permission: str
    # obj -> template context (obj, user -> context with ``with_user``); must run a
    # fixed number of queries.
    get_context: Callable[..., dict]
    order: int = 100
    with_user: bool = False
    # "top": above the card's sub-lists (e.g. the progress of its e-mails).
    placement: str = "bottom"


_PANELS: dict[str, list[CardPanel]] = defaultdict(list)


def register_card_panel(model_label: str, panel: CardPanel) -> None:
    """Show ``panel`` on the cards of ``model_label`` (``"contacts.contact"``)."""
    if panel not in _PANELS[model_label]:
        _PANELS[model_label].append(panel)
        _PANELS[model_label].sort(key=lambda p: p.order)


def panels_for(obj, user) -> list[dict]:
    label = obj._meta.label_lower
    return [
        {
            "title": panel.title,
            "template": panel.template,
            "top": panel.placement == "top",
            **(panel.get_context(obj, user) if panel.with_user else panel.get_context(obj)),
        }
        for panel in _PANELS.get(label, [])
        if user.has_perm(panel.permission)
    ]


@dataclass(frozen=True)
class CardAction:
    """A button in a card's action bar that a higher app contributes.

    ``url`` gets the record and returns the URL (e.g. a list filtered to it);
    ``show`` may hide the button for a record (e.g. Deactivate when not activated).
    """

    label: str
    group: str  # "process" or "related"
    permission: str
    url: Callable[[object], str]
    icon: str = ""
    show: Callable[[object], bool] | None = None
    order: int = 100


_ACTIONS: dict[str, list[CardAction]] = defaultdict(list)
ACTION_GROUPS = {"process": _("Process"), "related": _("Related")}


def register_card_action(model_label: str, action: CardAction) -> None:
    if action not in _ACTIONS[model_label]:
        _ACTIONS[model_label].append(action)
        _ACTIONS[model_label].sort(key=lambda a: a.order)


def actions_for(obj, user) -> list[dict]:
    """The contributed actions of ``obj``'s card, grouped, that ``user`` may use."""
    groups = {key: [] for key in ACTION_GROUPS}
    for action in _ACTIONS.get(obj._meta.label_lower, []):
        if not user.has_perm(action.permission):
            continue
        if action.show is not None and not action.show(obj):
            continue
        groups[action.group].append(
            {"label": action.label, "url": action.url(obj), "icon": action.icon}
        )
    return [
        {"key": key, "label": ACTION_GROUPS[key], "actions": actions}
        for key, actions in groups.items()
        if actions
    ]
