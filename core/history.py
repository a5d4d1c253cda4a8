"""Change history (django-simple-history) as rows a card can show."""

from django.utils.translation import gettext_lazy as _

from core.presentation import amount_text, decimal_text

HISTORY_TYPES = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}
YES_NO = {True: _("Yes"), False: _("No")}


def history_rows(obj, limit: int = 20) -> list[dict]:
    """The newest ``limit`` changes of ``obj`` with the fields each one changed.

    Two queries whatever the length: consecutive records are compared in memory
    instead of calling ``diff_against`` (one query per record).
    """
    history = getattr(obj, "history", None)
    if history is None:
        return []
    records = list(history.select_related("history_user").order_by("-history_id")[: limit + 1])
    if not records:
        return []  # e.g. rows created by a migration, before history was kept
    fields = [
        f
        for f in obj._meta.concrete_fields
        if f.name not in {"id", "last_date_modified", "last_number"}
    ]
    rows = []
    fk_ids: dict = {}
    for newer, older in zip(records, [*records[1:], None], strict=True):
        if len(rows) == limit:
            break
        changes = []
        if older is not None:
            for field in fields:
                before = getattr(older, field.attname, None)
                after = getattr(newer, field.attname, None)
                if before != after:
                    changes.append({"field": field, "before": before, "after": after})
                    if field.is_relation:
                        fk_ids.setdefault(field, set()).update({before, after} - {None})
        rows.append(
            {
                "date": newer.history_date,
                "user": newer.history_user,
                "type": HISTORY_TYPES.get(newer.history_type, newer.history_type),
                "changes": changes,
            }
        )
    # Show related records by name, one query per changed foreign key field.
    names = {
        field: field.related_model._default_manager.in_bulk(ids) for field, ids in fk_ids.items()
    }
    for row in rows:
        for change in row["changes"]:
            field = change["field"]
            if field.get_internal_type() == "BooleanField":
                for side in ("before", "after"):
                    change[side] = YES_NO.get(change[side], change[side])
            if field.get_internal_type() == "DecimalField":
                # Grouped in the reader's language (docs/formats.md): 1,800.00 / 1.800,00.
                text = amount_text if field.decimal_places == 2 else decimal_text
                for side in ("before", "after"):
                    if change[side] is not None:
                        change[side] = text(change[side])
            if field.choices:
                labels = dict(field.flatchoices)
                for side in ("before", "after"):
                    change[side] = labels.get(change[side], change[side])
            if field in names:
                for side in ("before", "after"):
                    value = change[side]
                    change[side] = names[field].get(value, value)
            change["field"] = field.verbose_name
    return rows
