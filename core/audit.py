"""The audit log of bulk operations (docs/operations.md): one summary row per operation.

The change history (django-simple-history) records every change of a master
record; a bulk operation (activation, a segment criteria action, logging, a
batch delete, an import …) writes thousands of rows set-based and is recorded
here as a whole instead: who, when, which record, how many rows. The services of
the higher apps call ``record`` inside their own transaction, so the entry is
written exactly when the operation commits.

Core must not import the higher apps: ``record`` takes any model instance, and
the card panel (``audit_card_panel``) is registered by the app that owns the card.

The detail is stored in no language and worded when it is shown, in the reader's
language (docs/formats.md, Dutch with no English): a service passes ``message(...)``
(an English message marked with ``gettext_noop`` and its arguments) or ``described(...)``
(a description an app words itself, registered with ``register_description``), which
``record`` stores as JSON; ``detail_text`` words it. A detail stored as plain text (older
entries, a reason typed by a user) is shown as it is.
"""

import datetime
import json
from collections.abc import Callable

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from core.models import AuditAction, AuditEntry
from core.panels import CardPanel

# The newest entries a card's panel shows.
PANEL_SHOWN = 5

# What the panel and the list say about an entry, in the reader's language.
SENTENCES = {
    AuditAction.CAMPAIGN_ACTIVATED: ngettext_lazy(
        "Activated by %(user)s on %(date)s with %(count)s target",
        "Activated by %(user)s on %(date)s with %(count)s targets",
        "n",
    ),
    AuditAction.CAMPAIGN_DEACTIVATED: ngettext_lazy(
        "Deactivated by %(user)s on %(date)s: %(count)s target removed",
        "Deactivated by %(user)s on %(date)s: %(count)s targets removed",
        "n",
    ),
    AuditAction.SEGMENT_CONTACTS_ADDED: ngettext_lazy(
        "Contacts added by %(user)s on %(date)s: %(count)s line added",
        "Contacts added by %(user)s on %(date)s: %(count)s lines added",
        "n",
    ),
    AuditAction.SEGMENT_REDUCED: ngettext_lazy(
        "Reduced by %(user)s on %(date)s: %(count)s line removed",
        "Reduced by %(user)s on %(date)s: %(count)s lines removed",
        "n",
    ),
    AuditAction.SEGMENT_REFINED: ngettext_lazy(
        "Refined by %(user)s on %(date)s: %(count)s line removed",
        "Refined by %(user)s on %(date)s: %(count)s lines removed",
        "n",
    ),
    AuditAction.SEGMENT_WENT_BACK: ngettext_lazy(
        "Go back by %(user)s on %(date)s: %(count)s line changed",
        "Go back by %(user)s on %(date)s: %(count)s lines changed",
        "n",
    ),
    AuditAction.SEGMENT_LOGGED: ngettext_lazy(
        "Logged by %(user)s on %(date)s: %(count)s interaction",
        "Logged by %(user)s on %(date)s: %(count)s interactions",
        "n",
    ),
    AuditAction.LOGGED_SEGMENT_CANCELED: ngettext_lazy(
        "Canceled by %(user)s on %(date)s: %(count)s interaction canceled",
        "Canceled by %(user)s on %(date)s: %(count)s interactions canceled",
        "n",
    ),
    AuditAction.CAMPAIGN_ENTRIES_DELETED: ngettext_lazy(
        "%(count)s canceled campaign entry deleted by %(user)s on %(date)s",
        "%(count)s canceled campaign entries deleted by %(user)s on %(date)s",
        "n",
    ),
    AuditAction.INTERACTIONS_ARCHIVED: ngettext_lazy(
        "%(count)s interaction archived by %(user)s on %(date)s",
        "%(count)s interactions archived by %(user)s on %(date)s",
        "n",
    ),
    AuditAction.ACTIVITIES_ASSIGNED: ngettext_lazy(
        "Activity assigned by %(user)s on %(date)s: %(count)s task created",
        "Activity assigned by %(user)s on %(date)s: %(count)s tasks created",
        "n",
    ),
    AuditAction.CONTACTS_IMPORTED: ngettext_lazy(
        "%(count)s contact imported by %(user)s on %(date)s",
        "%(count)s contacts imported by %(user)s on %(date)s",
        "n",
    ),
}


# --- Details in no language -------------------------------------------------------------

# {kind: function(data) -> text} of the descriptions the apps word (register_description).
DESCRIPTIONS: dict[str, Callable[[dict], str]] = {}


def register_description(kind: str, words: Callable[[dict], str]) -> None:
    """``words(data)`` words a ``described(kind, ...)`` detail in the active language
    (an app registers it in its ``AppConfig.ready``)."""
    DESCRIPTIONS[kind] = words


def message(msgid: str, **args) -> dict:
    """A detail: an English message marked with ``gettext_noop`` and its arguments.
    An argument may be a number, a code, a date, another ``message``, a model's name
    (``model_name``) or a choice's label (``choice``)."""
    return {"msg": msgid, "args": {name: _neutral(value) for name, value in args.items()}}


def described(kind: str, **data) -> dict:
    """A detail an app words itself (``register_description(kind, ...)``)."""
    return {"describe": kind, "data": data}


def model_name(model, *, plural: bool = False) -> dict:
    """A model's verbose name, worded when shown."""
    return {"model": model._meta.label, "plural": plural}


def choice(model, field: str, value) -> dict:
    """The label of a choice of ``model.field``, worded when shown."""
    return {"choice": model._meta.label, "field": field, "value": value}


def _neutral(value):
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    if isinstance(value, dict | int | float | type(None)):
        return value
    return str(value)


def _stored(detail, fallback: str = "") -> str:
    """The text the ``detail`` column holds: JSON for a detail in no language (its
    text in the active language when the JSON would not fit), else the text."""
    if not isinstance(detail, dict):
        return detail
    stored = json.dumps(detail, separators=(",", ":"), ensure_ascii=False, default=str)
    if len(stored) <= AuditEntry._meta.get_field("detail").max_length:
        return stored
    return fallback or _worded(detail)


def _worded(value) -> str:
    """A stored value in the active language."""
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    if "msg" in value:
        args = {
            name: arg if isinstance(arg, int | float) else _worded(arg)
            for name, arg in (value.get("args") or {}).items()
        }
        text = _(value["msg"])
        return text % args if args else text
    if "describe" in value:
        words = DESCRIPTIONS.get(value["describe"])
        return words(value.get("data") or {}) if words else ""
    if "date" in value:
        return date_format(datetime.date.fromisoformat(value["date"]), "SHORT_DATE_FORMAT")
    if "model" in value:
        meta = apps.get_model(value["model"])._meta
        return capfirst(meta.verbose_name_plural if value.get("plural") else meta.verbose_name)
    if "choice" in value:
        field = apps.get_model(value["choice"])._meta.get_field(value["field"])
        return str(dict(field.flatchoices).get(value["value"], value["value"]))
    return ""


def detail_text(entry: AuditEntry) -> str:
    """The entry's detail in the reader's language (a text detail as it is stored)."""
    detail = entry.detail or ""
    if not detail.startswith("{"):
        return detail
    try:
        return _worded(json.loads(detail))
    except (ValueError, TypeError, KeyError, LookupError):
        return detail  # not a detail in no language after all: the text itself


def record(user, action: str, obj=None, count: int = 0, detail: str | dict = "") -> AuditEntry:
    """Write one audit entry for a bulk operation; call it inside the operation's
    transaction. One ``INSERT`` (the record type is looked up inside it).

    ``user`` may be ``None`` (a management command, a background job without a
    user); ``obj`` is the record the operation worked on, or ``None`` (an import).
    ``detail`` is a ``message``/``described`` (worded when shown) or a text.
    """
    entry = AuditEntry(
        user=user if getattr(user, "pk", None) else None,
        action=action,
        count=max(int(count or 0), 0),
        detail=_text(_stored(detail), "detail"),
    )
    if obj is not None:
        meta = obj._meta
        # A subquery instead of ContentType.objects.get_for_model: no extra query the
        # first time a process audits a model (set-based operations count their queries).
        entry.content_type_id = Subquery(
            ContentType.objects.filter(app_label=meta.app_label, model=meta.model_name).values(
                "pk"
            )[:1]
        )
        entry.object_id = str(obj.pk)
        entry.object_key = _text(record_key(obj), "object_key")
        entry.object_repr = _text(obj, "object_repr")
    entry.save(force_insert=True)
    if obj is not None:
        # Not read back by the INSERT: leave it deferred (loaded if anybody asks).
        del entry.__dict__["content_type_id"]
    return entry


def _text(value, field: str) -> str:
    """``value`` as the text of ``field``: cut to its length and without NUL characters.
    The text comes from the objects a service was given, which may hold in memory what
    the database would refuse (PostgreSQL stores no NUL); the audit entry must never be
    the reason an operation fails."""
    return str(value).replace("\x00", "\ufffd")[: AuditEntry._meta.get_field(field).max_length]


def record_key(obj) -> str:
    """The business key of ``obj`` as its URLs use it (``CP0001``), else its pk."""
    return str(getattr(obj, getattr(obj, "url_key", "pk"), obj.pk))


def user_label(user) -> str:
    if user is None:
        return _("system")
    return user.get_full_name() or user.get_username()


def sentence(entry: AuditEntry) -> str:
    """ "Activated by Jo on 27-11-2026 14:03 with 1,234 targets" in the active language."""
    template = SENTENCES.get(entry.action)
    if template is None:
        return str(entry)
    return template % {
        "n": entry.count,
        "count": number_format(entry.count, force_grouping=True),
        "user": user_label(entry.user),
        "date": date_format(timezone.localtime(entry.created_at), "SHORT_DATETIME_FORMAT"),
    }


def entries_for(obj, limit: int = PANEL_SHOWN) -> list[AuditEntry]:
    """The newest ``limit`` entries of ``obj``: one query (the record type by a join)."""
    meta = obj._meta
    return list(
        AuditEntry.objects.filter(
            content_type__app_label=meta.app_label,
            content_type__model=meta.model_name,
            object_id=str(obj.pk),
        )
        .select_related("user")
        .order_by("-id")[:limit]
    )


def panel_context(obj) -> dict:
    rows = entries_for(obj, PANEL_SHOWN + 1)
    return {
        "audit_entries": [
            {"entry": entry, "sentence": sentence(entry), "detail": detail_text(entry)}
            for entry in rows[:PANEL_SHOWN]
        ],
        "audit_more": len(rows) > PANEL_SHOWN,
        "audit_list_url": f"{reverse('core:auditentry_list')}?{urlencode({'q': record_key(obj)})}",
    }


AUDIT_PANEL = CardPanel(
    title=gettext_lazy("Audit log"),
    template="core/partials/audit_panel.html",
    permission="core.view_auditentry",
    get_context=panel_context,
    order=90,
)


def audit_card_panel() -> CardPanel:
    """The panel with the last audit entries of a card's record; the app that owns
    the card registers it (``core.panels.register_card_panel``)."""
    return AUDIT_PANEL
