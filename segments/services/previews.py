"""Counts before committing (docs/segments.md, Counts before committing): what Add
contacts, Reduce and Refine would do, counted without changing anything, capped so a
count stops early (W8 in docs/performance.md)."""

from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, F, FilteredRelation, Q
from django.utils.translation import gettext as _

from core.arguments import bool_arg, record_arg
from segments.criteria import check_filters
from segments.models import Segment
from segments.services.actions import chosen_contacts, lines_matching

# The previews count exactly up to this many contacts or lines and beyond it say "more
# than" (docs/segments.md, Counts before committing): counting stops there, so a count
# takes about as long for 200,000 matches as for 10,000 instead of as long as the action
# itself (W8 in docs/performance.md).
PREVIEW_CAP = 10_000


@dataclass(frozen=True)
class ActionPreview:
    """What a criteria action would do, counted before it runs (nothing changes).

    With ``capped`` more than ``PREVIEW_CAP`` contacts (lines) match: ``matching`` is
    the cap, ``added`` / ``renewed`` count the first ``PREVIEW_CAP`` matches only (at
    least that many) and ``removed`` is at least (Reduce) or at most (Refine) that."""

    matching: int  # contacts the filters select (with the action's options)
    added: int = 0  # lines an Add would insert
    renewed: int = 0  # existing lines an Add with *allow existing* would renew
    removed: int = 0  # lines a Reduce or Refine would remove
    capped: bool = False  # more than PREVIEW_CAP match: the counts are bounds


# The planner settings of a capped count, for its statement only (see _streaming_plan).
STREAMING_PLAN = {"jit": "off", "enable_hashjoin": "off", "enable_mergejoin": "off"}


@contextmanager
def _streaming_plan():
    """On PostgreSQL, plan the capped count to stream: no JIT compilation (0.2-0.5 s
    before the first row of a statement the planner thinks costly, and a capped count
    stops early) and no hash or merge joins (they read every match, or walk a whole
    index, before the first row comes out): nested loops over the indexes stop after
    ``PREVIEW_CAP`` + 1 rows. The settings are put back afterwards, so a caller's later
    statements in the same transaction plan as usual."""
    if connection.vendor != "postgresql":
        yield
        return
    names = list(STREAMING_PLAN)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT "
            + ", ".join("current_setting(%s), set_config(%s, %s, true)" for _name in names),
            [value for name in names for value in (name, name, STREAMING_PLAN[name])],
        )
        row = cursor.fetchone()
    previous = dict(zip(names, row[0::2], strict=True))
    yield
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join("set_config(%s, %s, true)" for _name in names),
            [value for name in names for value in (name, previous[name])],
        )


def _capped_counts(queryset, **counts) -> tuple[int, dict, bool]:
    """The number of rows of ``queryset`` (at most ``PREVIEW_CAP``) and ``counts``
    (name: a field or annotation, counted where it is not null) among them, in one
    statement that stops after ``PREVIEW_CAP`` + 1 rows; and whether there were more."""
    limited = queryset.order_by()[: PREVIEW_CAP + 1]
    with transaction.atomic(savepoint=False), _streaming_plan():
        found = limited.aggregate(
            rows=Count("*"),
            **{name: Count(field) for name, field in counts.items()},
        )
    rows = found.pop("rows")
    if rows > PREVIEW_CAP:
        return PREVIEW_CAP, {name: min(value, PREVIEW_CAP) for name, value in found.items()}, True
    return rows, found, False


def preview_add(
    *,
    segment: Segment,
    filters: dict,
    allow_existing: bool = False,
    expand_companies: bool = False,
    allow_related_companies: bool = False,
    ignore_exclusion: bool = False,
) -> ActionPreview:
    """The counts ``add_contacts`` with these filters and options would give now: one
    counting statement (the chosen contacts joined to their line in the segment, if
    any), capped at ``PREVIEW_CAP``, whatever the number of contacts."""
    record_arg(segment, Segment, label=_("Segment"))
    check_filters(filters)
    allow_existing = bool_arg(allow_existing, label=_("Allow existing contacts"))
    chosen = chosen_contacts(
        filters,
        expand_companies=bool_arg(expand_companies, label=_("Expand companies")),
        allow_related_companies=bool_arg(
            allow_related_companies, label=_("Allow related companies")
        ),
        ignore_exclusion=bool_arg(ignore_exclusion, label=_("Ignore exclusion")),
        correlated=connection.vendor == "postgresql",
    )
    # A left join on the unique (segment, contact) index: at most one line per contact.
    chosen = chosen.annotate(
        in_segment=FilteredRelation("segment_lines", condition=Q(segment_lines__segment=segment)),
        line=F("in_segment__id"),
    )
    matching, found, capped = _capped_counts(chosen, existing="line")
    existing = found["existing"]
    if allow_existing:
        return ActionPreview(matching=matching, added=matching, renewed=existing, capped=capped)
    return ActionPreview(matching=matching, added=matching - existing, capped=capped)


def preview_remove(
    *, segment: Segment, filters: dict, entire_companies=False, keep_matching=False
) -> ActionPreview:
    """The counts ``reduce_contacts`` (or, with ``keep_matching``, ``refine_contacts``)
    would give now: one counting statement capped at ``PREVIEW_CAP`` (Refine: and the
    segment's number of lines, which it keeps, docs/segments.md, Totals: counting two
    million lines took 0.23 s of every Refine count at ten million contacts)."""
    record_arg(segment, Segment, label=_("Segment"))
    check_filters(filters)
    entire_companies = bool_arg(entire_companies, label=_("Entire companies"))
    lines, _found, capped = _capped_counts(lines_matching(segment, filters, entire_companies))
    if keep_matching:
        total = Segment.objects.values_list("line_count", flat=True).get(pk=segment.pk)
        return ActionPreview(matching=lines, removed=max(total - lines, 0), capped=capped)
    return ActionPreview(matching=lines, removed=lines, capped=capped)
