"""Segment operations: criteria actions, Go back, header propagation, campaign targets.

Every bulk operation is a fixed number of set-based statements (ARCHITECTURE
performance rule 1): ``INSERT … SELECT``, ``UPDATE … WHERE``, ``DELETE … WHERE``;
never one query per contact or line. After lines change, ``segment_lines_changed``
tells the pricing app which campaigns to refresh.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from campaigns.models import InteractionLogEntry, InteractionTemplate
from contacts.models import Contact, ContactType
from core import audit
from core.arguments import bool_arg, record_arg, text_arg
from core.concurrency import lock_stored
from core.models import AuditAction
from core.services import delete_record, validate_record, write_record
from core.sql import column_type, insert_from_select, typed_value
from segments.criteria import check_filters, describe, matching_contacts
from segments.models import (
    CriteriaActionType,
    LoggedSegment,
    SavedSegmentCriteria,
    SavedSegmentCriteriaAction,
    Segment,
    SegmentCriteriaAction,
    SegmentHistory,
    SegmentLine,
)
from segments.signals import segment_lines_changed

# Header field -> line field that a new line takes from it (SPEC §5.1).
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
# The fields of a line that the history keeps, to restore it exactly.
LINE_FIELDS = [
    "interaction_template",
    "contact",
    "contact_company",
    "campaign",
    "campaign_target",
    "campaign_response",
    "salesperson",
    "correspondence_type",
    "subject",
    "date",
    "cost",
    "duration",
    "evaluation",
    "added_by",
]


@dataclass
class ActionResult:
    action: SegmentCriteriaAction | None
    added: int = 0
    removed: int = 0


def _notify(segment, campaign_ids):
    campaign_ids = {pk for pk in campaign_ids if pk}
    if campaign_ids:
        segment_lines_changed.send(sender=Segment, segment=segment, campaign_ids=campaign_ids)


def _refresh_line_count(segment):
    count = SegmentLine.objects.filter(segment=segment).count()
    Segment.objects.filter(pk=segment.pk).update(line_count=count)
    segment.line_count = count


def _lock(segment) -> Segment:
    """Lock the segment row: its criteria actions run one at a time."""
    record_arg(segment, Segment, label=_("Segment"))
    return lock_stored(segment)


def _new_action(segment, user, *, action, filters, options) -> SegmentCriteriaAction:
    last = (
        SegmentCriteriaAction.objects.filter(segment=segment)
        .order_by("-sequence")
        .values_list("sequence", flat=True)
        .first()
    )
    return SegmentCriteriaAction.objects.create(
        segment=segment,
        sequence=(last or 0) + 1,
        action=action,
        filters=filters,
        user=user if getattr(user, "pk", None) else None,
        **options,
    )


def _audit_detail(action: SegmentCriteriaAction, extra: str = "") -> str:
    """The criteria of ``action`` as its history on the card shows them."""
    return "; ".join(
        part for part in (f"{action.sequence}: {describe(action.filters)}", extra) if part
    )


def _line_campaigns(lines) -> set:
    return set(lines.order_by().values_list("campaign_id", flat=True).distinct())


def _record_removed(lines, action) -> int:
    """Copy ``lines`` into the segment history of ``action`` (one INSERT … SELECT).
    The history is only read back by its action (Go back): no statistics needed."""
    annotations = {f"h_{name}": F(f"{name}_id" if name in _FK else name) for name in LINE_FIELDS}
    annotations["h_action"] = typed_value(SegmentHistory, "action", action.pk)
    columns = {name: f"h_{name}" for name in [*LINE_FIELDS, "action"]}
    return insert_from_select(SegmentHistory, columns, lines.annotate(**annotations), analyze=False)


_FK = {"interaction_template", "contact", "contact_company", "campaign", "salesperson", "added_by"}


def _candidates(filters, *, expand_companies, ignore_exclusion):
    """The contacts an Add action selects before the related-company rule."""
    selected = matching_contacts(filters)
    if expand_companies:
        companies = selected.filter(type=ContactType.COMPANY).values("id")
        selected = Contact.objects.filter(
            Q(id__in=selected.values("id")) | Q(company_id__in=companies)
        )
    if not ignore_exclusion:
        selected = selected.filter(exclude_from_segments=False)
    return selected


@transaction.atomic
def add_contacts(
    *,
    segment: Segment,
    filters: dict,
    allow_existing: bool = False,
    expand_companies: bool = False,
    allow_related_companies: bool = False,
    ignore_exclusion: bool = False,
    user=None,
) -> ActionResult:
    """Add the contacts matching ``filters`` as lines taking the header's values.

    Options (SPEC §5.2): *allow existing* renews the lines of contacts already in
    the segment (their old values are kept in the history for Go back), otherwise
    they are skipped; *expand companies* adds the persons of each company found;
    without *allow related companies* a company is dropped when persons of it are
    added; without *ignore exclusion* contacts marked *exclude from segments* are
    skipped.
    """
    segment = _lock(segment)
    check_filters(filters)
    allow_existing = bool_arg(allow_existing, label=_("Allow existing contacts"))
    expand_companies = bool_arg(expand_companies, label=_("Expand companies"))
    allow_related_companies = bool_arg(allow_related_companies, label=_("Allow related companies"))
    ignore_exclusion = bool_arg(ignore_exclusion, label=_("Ignore exclusion"))
    options = {
        "allow_existing": allow_existing,
        "expand_companies": expand_companies,
        "allow_related_companies": allow_related_companies,
        "ignore_exclusion": ignore_exclusion,
    }
    action = _new_action(
        segment, user, action=CriteriaActionType.ADD, filters=filters, options=options
    )

    def candidates():
        return _candidates(
            filters, expand_companies=expand_companies, ignore_exclusion=ignore_exclusion
        )

    chosen = candidates()
    if not allow_related_companies:
        # One uncorrelated subquery (the companies of the persons chosen), not an
        # EXISTS per company: SQLite re-ran the inner selection for every row.
        companies_of_persons = (
            candidates().filter(company_id__isnull=False).order_by().values("company_id")
        )
        chosen = chosen.exclude(type=ContactType.COMPANY, id__in=companies_of_persons)
    existing = SegmentLine.objects.filter(segment=segment, contact_id__in=chosen.values("id"))
    campaigns = {segment.campaign_id}
    removed = 0
    if allow_existing:
        campaigns |= _line_campaigns(existing)
        removed = _record_removed(existing, action)
        existing.delete()
    else:
        chosen = chosen.exclude(
            id__in=SegmentLine.objects.filter(segment=segment).values("contact_id")
        )

    annotations = new_line_values(
        segment,
        contact=F("id"),
        company=Coalesce(
            F("company_id"), F("id"), output_field=column_type(SegmentLine, "contact_company")
        ),
        own_salesperson=F("salesperson_id"),
        added_by=action.pk,
    )
    added = insert_from_select(
        SegmentLine,
        {name.removeprefix("l_"): name for name in annotations},
        chosen.annotate(**annotations),
    )
    SegmentCriteriaAction.objects.filter(pk=action.pk).update(
        lines_added=added, lines_removed=removed
    )
    action.lines_added, action.lines_removed = added, removed
    _refresh_line_count(segment)
    _notify(segment, campaigns)
    audit.record(
        user,
        AuditAction.SEGMENT_CONTACTS_ADDED,
        segment,
        added,
        _audit_detail(action, _("lines renewed: %(n)d") % {"n": removed} if removed else ""),
    )
    return ActionResult(action=action, added=added, removed=removed)


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


def _lines_matching(segment, filters, entire_companies):
    matching = matching_contacts(filters)
    condition = Q(contact_id__in=matching.values("id"))
    if entire_companies:
        companies = matching.filter(type=ContactType.COMPANY).values("id")
        condition |= Q(contact_company_id__in=companies)
    return SegmentLine.objects.filter(segment=segment).filter(condition)


def _remove(segment, filters, entire_companies, user, *, keep_matching: bool) -> ActionResult:
    segment = _lock(segment)
    check_filters(filters)
    entire_companies = bool_arg(entire_companies, label=_("Entire companies"))
    kind = CriteriaActionType.REFINE if keep_matching else CriteriaActionType.REDUCE
    action = _new_action(
        segment,
        user,
        action=kind,
        filters=filters,
        options={"entire_companies": entire_companies},
    )
    matching = _lines_matching(segment, filters, entire_companies)
    if keep_matching:
        doomed = SegmentLine.objects.filter(segment=segment).exclude(id__in=matching.values("id"))
    else:
        doomed = matching
    removed = _record_removed(doomed, action)
    # The campaigns of the removed lines, from their copies (read by the action's
    # index) rather than by evaluating the criteria once more.
    campaigns = _line_campaigns(SegmentHistory.objects.filter(action=action))
    # Delete by the same criteria, not by joining the history rows just written:
    # PostgreSQL's statistics do not know those rows yet within this transaction,
    # and the planner looped over the whole history for every line (minutes at
    # 100,000 lines instead of a second).
    doomed.delete()
    SegmentCriteriaAction.objects.filter(pk=action.pk).update(lines_removed=removed)
    action.lines_removed = removed
    _refresh_line_count(segment)
    _notify(segment, campaigns)
    audit.record(
        user,
        AuditAction.SEGMENT_REFINED if keep_matching else AuditAction.SEGMENT_REDUCED,
        segment,
        removed,
        _audit_detail(action),
    )
    return ActionResult(action=action, removed=removed)


@transaction.atomic
def reduce_contacts(*, segment, filters, entire_companies=False, user=None) -> ActionResult:
    """Remove the lines whose contact matches ``filters`` (and, with *entire
    companies*, the persons of a matching company)."""
    return _remove(segment, filters, entire_companies, user, keep_matching=False)


@transaction.atomic
def refine_contacts(*, segment, filters, entire_companies=False, user=None) -> ActionResult:
    """Keep only the lines whose contact matches ``filters`` (and, with *entire
    companies*, the persons of a matching company)."""
    return _remove(segment, filters, entire_companies, user, keep_matching=True)


@transaction.atomic
def go_back(*, segment: Segment, user=None) -> ActionResult:
    """Undo the last criteria action exactly: delete the lines it added and
    re-insert the lines it removed, with all their values and flags."""
    segment = _lock(segment)
    action = SegmentCriteriaAction.objects.filter(segment=segment).order_by("-sequence").first()
    if action is None:
        raise ValidationError(
            _("There is no criteria action to undo on segment %(no)s.") % {"no": segment.no}
        )
    added_lines = SegmentLine.objects.filter(segment=segment, added_by=action)
    history = SegmentHistory.objects.filter(action=action)
    campaigns = _line_campaigns(added_lines) | _line_campaigns(history)
    removed, _deleted = added_lines.delete()
    annotations = {f"r_{name}": F(f"{name}_id" if name in _FK else name) for name in LINE_FIELDS}
    annotations["r_segment"] = typed_value(SegmentLine, "segment", segment.pk)
    columns = {name: f"r_{name}" for name in [*LINE_FIELDS, "segment"]}
    restored = insert_from_select(SegmentLine, columns, history.annotate(**annotations))
    undone = _(
        "Undone: %(sequence)d %(action)s (lines removed: %(removed)d, restored: %(restored)d)"
    ) % {
        "action": action.get_action_display(),
        "sequence": action.sequence,
        "removed": removed,
        "restored": restored,
    }
    action.delete()  # its history rows go with it
    _refresh_line_count(segment)
    _notify(segment, campaigns)
    audit.record(user, AuditAction.SEGMENT_WENT_BACK, segment, removed + restored, undone)
    return ActionResult(action=None, added=restored, removed=removed)


@transaction.atomic
def save_criteria(*, segment: Segment, code: str, description: str = "", user=None):
    """Save the segment's criteria actions under ``code`` for reuse."""
    segment = _lock(segment)
    code = text_arg(code, label=_("Code"), key="code")
    description = text_arg(description, label=_("Description"), key="description")
    actions = list(SegmentCriteriaAction.objects.filter(segment=segment).order_by("sequence"))
    if not actions:
        raise ValidationError(
            _("Segment %(no)s has no criteria actions to save.") % {"no": segment.no}
        )
    code = code.strip().upper()
    if SavedSegmentCriteria.objects.filter(code=code).exists():
        raise ValidationError(_("Saved criteria %(code)s already exist.") % {"code": code})
    criteria = SavedSegmentCriteria(code=code, description=description)
    validate_record(criteria)
    write_record(criteria, user=user)
    SavedSegmentCriteriaAction.objects.bulk_create(
        SavedSegmentCriteriaAction(
            criteria=criteria,
            sequence=index,
            action=action.action,
            filters=action.filters,
            **action.options(),
        )
        for index, action in enumerate(actions, start=1)
    )
    return criteria


@transaction.atomic
def reuse_criteria(*, segment: Segment, criteria: SavedSegmentCriteria, user=None) -> list:
    """Run the saved actions of ``criteria`` on ``segment``, in order."""
    record_arg(criteria, SavedSegmentCriteria, label=_("Saved criteria"))
    results = []
    for saved in criteria.actions.order_by("sequence"):
        options = saved.options()
        if saved.action == CriteriaActionType.ADD:
            options.pop("entire_companies")
            results.append(
                add_contacts(segment=segment, filters=saved.filters, user=user, **options)
            )
        else:
            run = reduce_contacts if saved.action == CriteriaActionType.REDUCE else refine_contacts
            results.append(
                run(
                    segment=segment,
                    filters=saved.filters,
                    entire_companies=options["entire_companies"],
                    user=user,
                )
            )
    return results


def _attname(name: str) -> str:
    return f"{name}_id" if name in {"campaign", "salesperson", "interaction_template"} else name


def changed_inherited_fields(old: Segment, new: Segment) -> list[str]:
    """Header fields that lines inherit and that differ between ``old`` and ``new``."""
    return [
        name
        for name in INHERITED_FIELDS
        if getattr(old, _attname(name)) != getattr(new, _attname(name))
    ]


# Header field -> template field that choosing the template copies (SPEC §5.1); a
# blank text value on the template leaves the header's value.
TEMPLATE_FIELDS = {
    "unit_cost": "unit_cost",
    "unit_duration": "unit_duration",
    "correspondence_type": "correspondence_type",
    "information_flow": "information_flow",
    "initiated_by": "initiated_by",
    "campaign_target": "campaign_target",
    "campaign_response": "campaign_response",
}


def apply_interaction_template(segment: Segment, old: Segment | None) -> list[str]:
    """Copy the values of the header's interaction template when it was just
    chosen (SPEC §5.1): unit cost and duration, correspondence type, information
    flow and initiated by (when the template has them), campaign target and
    response, and the template's campaign when the header has none.

    A value typed in the same save (different from the stored header, or from
    the defaults of a new one) wins over the template's, so that ticking
    *campaign target* while choosing a letter template keeps the tick. In memory
    only and idempotent: the edit page uses it to ask about the line fields that
    will change. Returns the names of the fields copied.
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
        value = getattr(template, template_name)
        if value == "" or getattr(segment, name) != getattr(before, name):
            continue
        setattr(segment, name, value)
        copied.append(name)
    if segment.campaign_id is None and template.campaign_id is not None:
        segment.campaign_id = template.campaign_id
        copied.append("campaign")
    return copied


@transaction.atomic
def save_segment(
    *,
    segment: Segment,
    user=None,
    update_lines: bool = False,
    version: str | None = None,
) -> dict:
    """Save the header (validated here; an existing one checked against ``version``,
    ``core.concurrency``, and only what changed written): a newly chosen interaction
    template copies its values first (``apply_interaction_template``); clearing the
    campaign clears target and response.

    With ``update_lines``, the lines that still carry a changed field's old
    header value take the new one: one UPDATE per changed field. Returns
    ``{field: lines updated}``.
    """
    record_arg(segment, Segment, label=_("Segment"), saved=False)
    update_lines = bool_arg(update_lines, label=_("Update lines"))
    old = lock_stored(segment, version=version)
    apply_interaction_template(segment, old)
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
    _notify(segment, {old.campaign_id, segment.campaign_id})
    return updated


@transaction.atomic
def set_line_campaign_target(*, line: SegmentLine, value: bool, user=None) -> SegmentLine:
    """Tick or untick *campaign target* on one line (the one-click toggle)."""
    record_arg(line, SegmentLine)
    stored = lock_stored(line)
    value = _boolean(value, _("Campaign target"))
    if value and stored.campaign_id is None:
        raise ValidationError(
            _("Line of contact %(contact)s has no campaign; choose a campaign first.")
            % {"contact": stored.contact.no}
        )
    SegmentLine.objects.filter(pk=line.pk).update(campaign_target=value)
    line.campaign_target = value
    _notify(stored.segment, {stored.campaign_id})
    return line


def _boolean(value, label) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(_("%(field)s must be yes or no.") % {"field": label})
    return value


@transaction.atomic
def save_line(*, line: SegmentLine, user=None, version: str | None = None) -> SegmentLine:
    """Save a changed line (validated here; checked against ``version``,
    ``core.concurrency``); a line without campaign is no target or response."""
    record_arg(line, SegmentLine)
    stored = lock_stored(line, version=version)
    if line.campaign_id is None:
        line.campaign_target = line.campaign_response = False
    if line.segment_id != stored.segment_id or line.contact_id != stored.contact_id:
        raise ValidationError(_("A segment line stays on its segment and contact."))
    validate_record(line, stored=stored)
    write_record(line, stored=stored, user=user)
    _notify(line.segment, {stored.campaign_id, line.campaign_id})
    return line


@transaction.atomic
def delete_line(*, line: SegmentLine, user=None) -> None:
    record_arg(line, SegmentLine)
    stored = lock_stored(line)
    segment = stored.segment
    stored.delete()
    _refresh_line_count(segment)
    _notify(segment, {stored.campaign_id})


@transaction.atomic
def delete_segment(*, segment: Segment, user=None) -> None:
    record_arg(segment, Segment)
    stored = lock_stored(segment)
    campaigns = _line_campaigns(SegmentLine.objects.filter(segment=stored)) | {stored.campaign_id}
    delete_record(instance=stored, user=user)
    _notify(segment, campaigns)


@transaction.atomic
def reuse_logged_segment(*, logged_segment, user=None) -> tuple[Segment, int]:
    """NAV's *Reuse segment*: a new segment with the contacts of ``logged_segment``'s
    interactions, added as a criteria action (Go back undoes it); its campaign is the
    logged segment's when all its interactions had one. Returns the segment and the
    number of contacts added."""
    record_arg(logged_segment, LoggedSegment)
    campaigns = list(
        InteractionLogEntry.objects.filter(logged_segment=logged_segment, campaign__isnull=False)
        .order_by()
        .values_list("campaign_id", flat=True)
        .distinct()[:2]
    )
    segment = Segment(
        description=logged_segment.description,
        campaign_id=campaigns[0] if len(campaigns) == 1 else None,
    )
    save_segment(segment=segment, user=user)
    result = add_contacts(
        segment=segment,
        filters={"logged_segment": logged_segment.pk},
        allow_related_companies=True,
        ignore_exclusion=True,
        user=user,
    )
    return segment, result.added
