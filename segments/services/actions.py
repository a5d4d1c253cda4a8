"""The criteria actions (docs/segments.md): Add contacts, Reduce, Refine, Go back, save
and reuse criteria, reuse a logged segment. Each is a fixed number of set-based
statements (``INSERT … SELECT``, ``UPDATE … WHERE``, ``DELETE … WHERE``) whatever the
number of contacts, and keeps what Go back needs to undo it exactly."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from campaigns.models import InteractionLogEntry
from contacts.models import Contact, ContactType
from core import audit
from core.arguments import bool_arg, record_arg, text_arg
from core.models import AuditAction
from core.services import validate_record, write_record
from core.sql import absent, among, column_type, insert_from_select, typed_value
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
from segments.services.lines import (
    line_campaigns,
    lock_segment,
    new_line_values,
    notify_lines_changed,
    refresh_line_totals,
    save_segment,
)

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


def _audit_detail(action: SegmentCriteriaAction, renewed: int = 0):
    """The criteria of ``action`` as its history on the card shows them, worded in the
    reader's language when the audit log is read (``audit_criteria_text``)."""
    return audit.described(
        "segment_criteria", sequence=action.sequence, filters=action.filters, renewed=renewed
    )


def audit_criteria_text(data: dict) -> str:
    """An audit entry's segment criteria in the active language (registered in
    segments.apps): "2: business relation = PROS; lines renewed: 3"."""
    parts = [f"{data.get('sequence', '')}: {describe(data.get('filters') or {})}"]
    if data.get("renewed"):
        parts.append(_("lines renewed: %(n)d") % {"n": data["renewed"]})
    return "; ".join(parts)


def _record_removed(lines, action) -> int:
    """Copy ``lines`` into the segment history of ``action`` (one INSERT … SELECT).
    The history is only read back by its action (Go back): no statistics needed."""
    annotations = {
        f"h_{name}": F(f"{name}_id" if name in FK_FIELDS else name) for name in LINE_FIELDS
    }
    annotations["h_action"] = typed_value(SegmentHistory, "action", action.pk)
    columns = {name: f"h_{name}" for name in [*LINE_FIELDS, "action"]}
    return insert_from_select(SegmentHistory, columns, lines.annotate(**annotations), analyze=False)


FK_FIELDS = {
    "interaction_template",
    "contact",
    "contact_company",
    "campaign",
    "salesperson",
    "added_by",
}


def _candidates(filters, *, expand_companies, ignore_exclusion, correlated=False):
    """The contacts an Add action selects before the related-company rule."""
    selected = matching_contacts(filters, correlated=correlated)
    if expand_companies:
        companies = selected.filter(type=ContactType.COMPANY).values("id")
        persons = Contact.objects.filter(company_id__in=companies).values("id")
        selected = Contact.objects.filter(among("id", selected.values("id"), persons))
    if not ignore_exclusion:
        selected = selected.filter(exclude_from_segments=False)
    return selected


def chosen_contacts(
    filters,
    *,
    expand_companies,
    allow_related_companies,
    ignore_exclusion,
    correlated=False,
    **_options,
):
    """The contacts an Add action makes lines for (before skipping those already in the
    segment).

    ``correlated``: look up each contact's codes (``matching_contacts``) and drop a
    company whose persons are chosen by a ``NOT EXISTS`` on its persons (PostgreSQL:
    index probes per contact, rows can stream: the counts before committing) instead
    of semi-joins with every holder and one anti-join with the companies of all
    persons chosen (``core.sql.absent``: linear at any size, for writing every line)."""

    def candidates():
        return _candidates(
            filters,
            expand_companies=expand_companies,
            ignore_exclusion=ignore_exclusion,
            correlated=correlated,
        )

    chosen = candidates()
    if not allow_related_companies:
        if correlated:
            # The redundant ``<=`` keeps PostgreSQL from turning the EXISTS into a hash
            # of every chosen person built before the first row (it only hashes an
            # EXISTS correlated by equalities alone).
            persons = (
                candidates()
                .filter(company_id=OuterRef("pk"), company_id__lte=OuterRef("pk"))
                .order_by()
            )
            return chosen.exclude(Q(type=ContactType.COMPANY) & Exists(persons))
        # Only companies are among these ids, so no type condition is needed: it would
        # keep PostgreSQL from planning the anti-join.
        companies_of_persons = (
            candidates().filter(company_id__isnull=False).order_by().values("company_id")
        )
        chosen = chosen.filter(absent("id", companies_of_persons))
    return chosen


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

    Options (docs/segments.md, Criteria): *allow existing* renews the lines of contacts already in
    the segment (their old values are kept in the history for Go back), otherwise
    they are skipped; *expand companies* adds the persons of each company found;
    without *allow related companies* a company is dropped when persons of it are
    added; without *ignore exclusion* contacts marked *exclude from segments* are
    skipped.
    """
    segment = lock_segment(segment)
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
    chosen = chosen_contacts(filters, **options)
    existing = SegmentLine.objects.filter(segment=segment, contact_id__in=chosen.values("id"))
    campaigns = {segment.campaign_id}
    removed = 0
    if allow_existing:
        campaigns |= line_campaigns(existing)
        removed = _record_removed(existing, action)
        existing.delete()
    else:
        chosen = chosen.filter(
            absent("id", SegmentLine.objects.filter(segment=segment).values("contact_id"))
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
    refresh_line_totals(segment)
    notify_lines_changed(segment, campaigns)
    audit.record(
        user,
        AuditAction.SEGMENT_CONTACTS_ADDED,
        segment,
        added,
        _audit_detail(action, renewed=removed),
    )
    return ActionResult(action=action, added=added, removed=removed)


def lines_matching(segment, filters, entire_companies):
    matching = matching_contacts(filters)
    lines = SegmentLine.objects.filter(segment=segment)
    if not entire_companies:
        return lines.filter(contact_id__in=matching.values("id"))
    companies = matching.filter(type=ContactType.COMPANY).values("id")
    return lines.filter(
        among(
            "id",
            lines.filter(contact_id__in=matching.values("id")).values("id"),
            lines.filter(contact_company_id__in=companies).values("id"),
        )
    )


def _remove(segment, filters, entire_companies, user, *, keep_matching: bool) -> ActionResult:
    segment = lock_segment(segment)
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
    matching = lines_matching(segment, filters, entire_companies)
    if keep_matching:
        doomed = SegmentLine.objects.filter(segment=segment).filter(
            absent("id", matching.values("id"))
        )
    else:
        doomed = matching
    removed = _record_removed(doomed, action)
    # The campaigns of the removed lines, from their copies (read by the action's
    # index) rather than by evaluating the criteria once more.
    campaigns = line_campaigns(SegmentHistory.objects.filter(action=action))
    # Delete by the same criteria, not by joining the history rows just written:
    # PostgreSQL's statistics do not know those rows yet within this transaction,
    # and the planner looped over the whole history for every line (minutes at
    # 100,000 lines instead of a second).
    doomed.delete()
    SegmentCriteriaAction.objects.filter(pk=action.pk).update(lines_removed=removed)
    action.lines_removed = removed
    refresh_line_totals(segment)
    notify_lines_changed(segment, campaigns)
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
    segment = lock_segment(segment)
    action = SegmentCriteriaAction.objects.filter(segment=segment).order_by("-sequence").first()
    if action is None:
        raise ValidationError(
            _("There is no criteria action to undo on segment %(no)s.") % {"no": segment.no}
        )
    added_lines = SegmentLine.objects.filter(segment=segment, added_by=action)
    history = SegmentHistory.objects.filter(action=action)
    campaigns = line_campaigns(added_lines) | line_campaigns(history)
    removed, _deleted = added_lines.delete()
    annotations = {
        f"r_{name}": F(f"{name}_id" if name in FK_FIELDS else name) for name in LINE_FIELDS
    }
    annotations["r_segment"] = typed_value(SegmentLine, "segment", segment.pk)
    columns = {name: f"r_{name}" for name in [*LINE_FIELDS, "segment"]}
    restored = insert_from_select(SegmentLine, columns, history.annotate(**annotations))
    undone = audit.message(
        gettext_noop(
            "Undone: %(sequence)d %(action)s (lines removed: %(removed)d, restored: %(restored)d)"
        ),
        action=audit.choice(SegmentCriteriaAction, "action", action.action),
        sequence=action.sequence,
        removed=removed,
        restored=restored,
    )
    action.delete()  # its history rows go with it
    refresh_line_totals(segment)
    notify_lines_changed(segment, campaigns)
    audit.record(user, AuditAction.SEGMENT_WENT_BACK, segment, removed + restored, undone)
    return ActionResult(action=None, added=restored, removed=removed)


@transaction.atomic
def save_criteria(*, segment: Segment, code: str, description: str = "", user=None):
    """Save the segment's criteria actions under ``code`` for reuse."""
    segment = lock_segment(segment)
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
