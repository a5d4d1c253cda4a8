"""The segment header and its lines (docs/segments.md): new lines take the header's
values, a changed header may carry its change to the lines that still hold the old
value (one UPDATE per field), a line's campaign target, a line saved or deleted. After
lines change, ``segment_lines_changed`` tells the pricing app which campaigns to
refresh."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaigns.models import InteractionTemplate
from campaigns.services import lock_campaigns
from core.arguments import bool_arg, record_arg
from core.bulk_records import lock_rows
from core.concurrency import lock_stored, record_gone
from core.services import delete_record, validate_record, write_record
from core.sql import column_type, insert_from_select, typed_value
from segments.models import (
    Segment,
    SegmentLine,
)
from segments.signals import segment_lines_changed

# Header field -> line field that a new line takes from it (docs/segments.md, Header and lines).
INHERITED_FIELDS = {
    "interaction_template": "interaction_template",
    "campaign": "campaign",
    "campaign_target": "campaign_target",
    "campaign_response": "campaign_response",
    "salesperson": "salesperson",
    "correspondence_type": "correspondence_type",
    "subject": "subject",
    "date": "date",
    "unit_cost": "cost",
    "unit_duration": "duration",
}


def notify_lines_changed(segment, campaign_ids):
    campaign_ids = {pk for pk in campaign_ids if pk}
    if campaign_ids:
        segment_lines_changed.send(sender=Segment, segment=segment, campaign_ids=campaign_ids)


def _totals() -> dict:
    """The aggregates of a segment's totals: its lines counted, their cost and duration
    added up (0 for none)."""
    field = SegmentLine._meta.get_field
    return {
        "line_count": Count("pk"),
        "cost_total": Coalesce(Sum("cost"), Value(Decimal(0)), output_field=field("cost")),
        "duration_total": Coalesce(
            Sum("duration"), Value(Decimal(0)), output_field=field("duration")
        ),
    }


def refresh_line_totals(segment):
    """Count the segment's lines and add up their cost and duration (one statement),
    after lines were added or removed (docs/segments.md, Totals). The caller holds the
    segment's lock (``lock_segment``): two counts at once would each miss the other's
    change (docs/concurrency.md, Lock order)."""
    totals = SegmentLine.objects.filter(segment=segment).aggregate(**_totals())
    Segment.objects.filter(pk=segment.pk).update(**totals)
    for name, value in totals.items():
        setattr(segment, name, value)


def _stale_segments() -> list:
    """The keys of the segments whose stored totals are not what their lines add up to."""
    return list(
        Segment.objects.exclude(line_count=Coalesce(_line_totals()["line_count"], 0))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _line_totals() -> dict:
    lines = SegmentLine.objects.filter(segment=OuterRef("pk")).order_by().values("segment")
    return {
        name: Subquery(lines.annotate(value=aggregate).values("value"))
        for name, aggregate in _totals().items()
    }


def _count_again(segment_ids) -> int:
    """Count the lines of the (locked) segments ``segment_ids`` again: one ``UPDATE``."""
    if not segment_ids:
        return 0
    actual = _line_totals()
    return Segment.objects.filter(pk__in=segment_ids).update(
        line_count=Coalesce(actual["line_count"], 0),
        cost_total=Coalesce(actual["cost_total"], Value(Decimal(0))),
        duration_total=Coalesce(actual["duration_total"], Value(Decimal(0))),
    )


def refresh_stale_line_totals() -> int:
    """Correct the totals of every segment whose lines were deleted without them
    (contacts deleted, docs/contacts.md), counted again under the segment's lock so that
    a criteria action counting it at the same moment cannot leave its older count.

    The contacts' lines are already deleted (and held) when this runs, so it must not
    wait for a segment: an action holding the segment may be waiting for those lines
    (docs/concurrency.md, Lock order). The segments that are free are locked (in key
    order) and counted now, in this transaction; those a running action holds are
    counted again right after this transaction commits, in one of their own that waits
    for them. Returns the number of segments counted now."""
    stale = _stale_segments()
    if not stale:
        return 0
    free = list(
        Segment.objects.select_for_update(skip_locked=True)
        .filter(pk__in=stale)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if len(free) < len(stale):
        transaction.on_commit(_refresh_held_line_totals, robust=True)
    return _count_again(free)


@transaction.atomic
def _refresh_held_line_totals() -> int:
    """After contacts were deleted: count again the segments that were held by another
    action then, waiting for each (in key order: found first, locked apart, counted
    under the lock)."""
    stale = _stale_segments()
    lock_rows(Segment, stale)
    return _count_again(stale)


def _add_to_totals(segment_id, cost, duration) -> None:
    """One line's change of cost and duration added to its segment's totals."""
    if cost or duration:
        Segment.objects.filter(pk=segment_id).update(
            cost_total=F("cost_total") + cost, duration_total=F("duration_total") + duration
        )


def lock_segment(segment) -> Segment:
    """Lock the segment row: its criteria actions run one at a time."""
    record_arg(segment, Segment, label=_("Segment"))
    return lock_stored(segment)


def lock_segments_holding(contact_ids) -> None:
    """Lock, in key order, the segments with a line for any of ``contact_ids``, before
    those contacts are deleted: the criteria actions and logging lock the segment and
    then write rows that point to its contacts, so a delete that locked the contacts
    first would deadlock with them (docs/concurrency.md, Lock order). One statement."""
    lock_rows(Segment, SegmentLine.objects.filter(contact_id__in=contact_ids).values("segment_id"))


def lock_line(line, *, version: str | None = None) -> SegmentLine:
    """Lock the line's segment, then the line (the order of the criteria actions, which
    lock the segment and then change its lines: docs/concurrency.md, Lock order) and
    return the stored line, checked against ``version`` (``core.concurrency``). A line
    deleted meanwhile, or whose segment was deleted or logged, is refused."""
    record_arg(line, SegmentLine)
    current = SegmentLine.objects.select_related("segment").filter(pk=line.pk).first()
    if current is None:
        raise record_gone(SegmentLine)
    segment = lock_segment(current.segment)
    stored = lock_stored(line, version=version)
    if stored.segment_id != segment.pk:
        raise record_gone(SegmentLine)
    stored.segment = segment
    return stored


def line_campaigns(lines) -> set:
    return set(lines.order_by().values_list("campaign_id", flat=True).distinct())


def new_line_values(header: Segment, *, contact, company, own_salesperson, added_by=None) -> dict:
    """Annotations that make a query's rows into new lines of ``header`` (for
    ``insert_from_select``): the header's values, the contact and company
    expressions given, and the contact's own salesperson when the header has none."""
    line = SegmentLine
    return {
        "l_segment": typed_value(line, "segment", header.pk),
        "l_contact": contact,
        "l_contact_company": company,
        "l_interaction_template": typed_value(
            line, "interaction_template", header.interaction_template_id
        ),
        "l_campaign": typed_value(line, "campaign", header.campaign_id),
        "l_campaign_target": typed_value(line, "campaign_target", header.campaign_target),
        "l_campaign_response": typed_value(line, "campaign_response", header.campaign_response),
        "l_salesperson": Coalesce(
            typed_value(line, "salesperson", header.salesperson_id),
            own_salesperson,
            output_field=column_type(line, "salesperson"),
        ),
        "l_correspondence_type": typed_value(
            line, "correspondence_type", header.correspondence_type
        ),
        "l_subject": typed_value(line, "subject", header.subject),
        "l_date": typed_value(line, "date", header.date),
        "l_cost": typed_value(line, "cost", header.unit_cost),
        "l_duration": typed_value(line, "duration", header.unit_duration),
        "l_evaluation": typed_value(line, "evaluation", ""),
        "l_added_by": typed_value(line, "added_by", added_by),
    }


def insert_new_lines(header: Segment, source, **expressions) -> int:
    """Insert a line of ``header`` per row of ``source`` (see ``new_line_values``)."""
    annotations = new_line_values(header, **expressions)
    columns = {name.removeprefix("l_"): name for name in annotations}
    return insert_from_select(SegmentLine, columns, source.annotate(**annotations))


def _attname(name: str) -> str:
    return f"{name}_id" if name in {"campaign", "salesperson", "interaction_template"} else name


def changed_inherited_fields(old: Segment, new: Segment) -> list[str]:
    """Header fields that lines inherit and that differ between ``old`` and ``new``."""
    return [
        name
        for name in INHERITED_FIELDS
        if getattr(old, _attname(name)) != getattr(new, _attname(name))
    ]


# Header field -> template field that choosing the template copies (docs/segments.md,
# Header and lines); a blank text value on the template leaves the header's value.


TEMPLATE_FIELDS = {
    "unit_cost": "unit_cost",
    "unit_duration": "unit_duration",
    "correspondence_type": "correspondence_type",
    "information_flow": "information_flow",
    "initiated_by": "initiated_by",
    "campaign_target": "campaign_target",
    "campaign_response": "campaign_response",
}


CAMPAIGN_FLAGS = ("campaign_target", "campaign_response")


def apply_interaction_template(
    segment: Segment, old: Segment | None, keep_campaign_flags: bool = False
) -> list[str]:
    """Copy the values of the header's interaction template when it was just
    chosen (docs/segments.md): unit cost and duration, correspondence type, information
    flow and initiated by (when the template has them), campaign target and
    response, and the template's campaign when the header has none.

    A value typed in the same save (different from the stored header, or from
    the defaults of a new one) wins over the template's, so that ticking
    *campaign target* while choosing a letter template keeps the tick. In memory
    only and idempotent: the edit page uses it to ask about the line fields that
    will change. With ``keep_campaign_flags`` the header keeps its *campaign target*
    and *campaign response* and takes the template's other values. Returns the names
    of the fields copied.
    """
    template_id = segment.interaction_template_id
    if template_id is None or (old is not None and old.interaction_template_id == template_id):
        return []
    template = InteractionTemplate.objects.filter(pk=template_id).first()
    if template is None:
        return []  # not a template: the record's validation says so
    before = old if old is not None else Segment()
    copied = []
    for name, template_name in TEMPLATE_FIELDS.items():
        if keep_campaign_flags and name in CAMPAIGN_FLAGS:
            continue
        value = getattr(template, template_name)
        if value == "" or getattr(segment, name) != getattr(before, name):
            continue
        setattr(segment, name, value)
        copied.append(name)
    if segment.campaign_id is None and template.campaign_id is not None:
        segment.campaign_id = template.campaign_id
        copied.append("campaign")
    return copied


def template_flag_changes(segment: Segment, old: Segment | None) -> list[dict]:
    """What a newly chosen interaction template does to the header's *campaign target*
    and *campaign response* (docs/segments.md, Header and lines): for each flag it
    changes, ``{"field", "label", "value", "lines", "template"}``, where ``lines`` is
    the number of lines that follow when the lines are updated (those carrying the
    header's old value; turned on, only those with a campaign). Read only: one query
    for the template, one for the lines. ``[]`` when no template was newly chosen or
    it changes no flag."""
    if old is None or segment.interaction_template_id in {None, old.interaction_template_id}:
        return []
    template = InteractionTemplate.objects.filter(pk=segment.interaction_template_id).first()
    if template is None:
        return []  # not a template: the record's validation says so
    # As apply_interaction_template: a flag typed in the same save wins.
    changed = [
        name
        for name in CAMPAIGN_FLAGS
        if getattr(segment, name) == getattr(old, name)
        and getattr(template, name) != getattr(old, name)
    ]
    if not changed:
        return []
    counts = SegmentLine.objects.filter(segment=old).aggregate(
        **{
            name: Count(
                "pk",
                filter=Q(**{name: getattr(old, name)})
                & (Q(campaign__isnull=False) if getattr(template, name) else Q()),
            )
            for name in changed
        }
    )
    return [
        {
            "field": name,
            "label": capfirst(Segment._meta.get_field(name).verbose_name),
            "value": getattr(template, name),
            "lines": counts[name],
            "template": template.code,
        }
        for name in changed
    ]


def describe_template_flag_change(change: dict) -> str:
    """One plain sentence: "Template BUS turns Campaign target off for the segment and
    for 32 lines." (``change`` from ``template_flag_changes``)."""
    values = {"template": change["template"], "field": change["label"], "n": change["lines"]}
    if change["value"]:
        if change["lines"]:
            return (
                ngettext(
                    "Template %(template)s turns %(field)s on for the segment and for %(n)d line.",
                    "Template %(template)s turns %(field)s on for the segment and for %(n)d lines.",
                    change["lines"],
                )
                % values
            )
        return _("Template %(template)s turns %(field)s on for the segment.") % values
    if change["lines"]:
        return (
            ngettext(
                "Template %(template)s turns %(field)s off for the segment and for %(n)d line.",
                "Template %(template)s turns %(field)s off for the segment and for %(n)d lines.",
                change["lines"],
            )
            % values
        )
    return _("Template %(template)s turns %(field)s off for the segment.") % values


@transaction.atomic
def save_segment(
    *,
    segment: Segment,
    user=None,
    update_lines: bool = False,
    keep_campaign_flags: bool = False,
    version: str | None = None,
) -> dict:
    """Save the header (validated here; an existing one checked against ``version``,
    ``core.concurrency``, and only what changed written): a newly chosen interaction
    template copies its values first (``apply_interaction_template``; with
    ``keep_campaign_flags`` all but *campaign target* and *campaign response*);
    clearing the campaign clears target and response.

    With ``update_lines``, the lines that still carry a changed field's old
    header value take the new one: one UPDATE per changed field. Returns
    ``{field: lines updated}``.
    """
    record_arg(segment, Segment, label=_("Segment"), saved=False)
    update_lines = bool_arg(update_lines, label=_("Update lines"))
    keep_campaign_flags = bool_arg(keep_campaign_flags, label=_("Keep campaign flags"))
    old = lock_stored(segment, version=version)
    if segment.campaign_id is not None and segment.campaign_id != getattr(old, "campaign_id", None):
        # Held until the commit, so that a delete of the campaign at the same moment
        # waits and then finds this segment using it, or has deleted it and the check
        # below refuses the campaign (docs/concurrency.md, Lock order).
        lock_campaigns({segment.campaign_id})
    apply_interaction_template(segment, old, keep_campaign_flags)
    if segment.campaign_id is None:
        segment.campaign_target = segment.campaign_response = False
    validate_record(segment, stored=old)
    write_record(segment, stored=old, user=user)
    if old is None or not update_lines:
        return {}
    lines = SegmentLine.objects.filter(segment=segment)
    updated = {}
    for name in changed_inherited_fields(old, segment):
        line_attname = _attname(INHERITED_FIELDS[name])
        old_value = getattr(old, _attname(name))
        carrying = lines.filter(
            **(
                {f"{line_attname}__isnull": True}
                if old_value is None
                else {line_attname: old_value}
            )
        )
        new_value = getattr(segment, _attname(name))
        changes = {line_attname: new_value}
        if name == "campaign" and new_value is None:
            # A line without a campaign cannot be a target or a response.
            changes.update(campaign_target=False, campaign_response=False)
        if name in {"campaign_target", "campaign_response"} and new_value:
            carrying = carrying.filter(campaign__isnull=False)
        updated[name] = carrying.update(**changes)
    if updated.get("unit_cost") or updated.get("unit_duration"):
        refresh_line_totals(segment)
    notify_lines_changed(segment, {old.campaign_id, segment.campaign_id})
    return updated


@transaction.atomic
def set_line_campaign_target(*, line: SegmentLine, value: bool, user=None) -> SegmentLine:
    """Tick or untick *campaign target* on one line (the one-click toggle)."""
    stored = lock_line(line)
    value = _boolean(value, _("Campaign target"))
    if value and stored.campaign_id is None:
        raise ValidationError(
            _("Line of contact %(contact)s has no campaign; choose a campaign first.")
            % {"contact": stored.contact.no}
        )
    SegmentLine.objects.filter(pk=line.pk).update(campaign_target=value)
    line.campaign_target = value
    notify_lines_changed(stored.segment, {stored.campaign_id})
    return line


def _boolean(value, label) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(_("%(field)s must be yes or no.") % {"field": label})
    return value


@transaction.atomic
def save_line(*, line: SegmentLine, user=None, version: str | None = None) -> SegmentLine:
    """Save a changed line (validated here; checked against ``version``,
    ``core.concurrency``); a line without campaign is no target or response."""
    stored = lock_line(line, version=version)
    if line.campaign_id is None:
        line.campaign_target = line.campaign_response = False
    if line.segment_id != stored.segment_id or line.contact_id != stored.contact_id:
        raise ValidationError(_("A segment line stays on its segment and contact."))
    validate_record(line, stored=stored)
    write_record(line, stored=stored, user=user)
    _add_to_totals(
        stored.segment_id,
        Decimal(line.cost) - stored.cost,
        Decimal(line.duration) - stored.duration,
    )
    notify_lines_changed(line.segment, {stored.campaign_id, line.campaign_id})
    return line


@transaction.atomic
def delete_line(*, line: SegmentLine, user=None) -> None:
    stored = lock_line(line)
    segment = stored.segment
    stored.delete()
    refresh_line_totals(segment)
    notify_lines_changed(segment, {stored.campaign_id})


@transaction.atomic
def delete_segment(*, segment: Segment, user=None) -> None:
    record_arg(segment, Segment)
    stored = lock_stored(segment)
    campaigns = line_campaigns(SegmentLine.objects.filter(segment=stored)) | {stored.campaign_id}
    delete_record(instance=stored, user=user)
    notify_lines_changed(segment, campaigns)
