"""Opportunity rules (docs/opportunities.md): create, move through the sales cycle's stages, close.

Every change writes an ``OpportunityEntry`` with the figures it sets and copies them
to the opportunity:

* probability % from the sales cycle's calculation — multiply: chances × completed
  / 100; add: (chances + completed) / 2; or the chances of success % or the
  stage's completed % alone (rounded to 0.01);
* calculated current value = estimated value × probability % / 100 (0.01);
* estimated close date = the stage's date formula applied to the date of change;
* won: chances, completed and probability 100 %, current value = estimated value;
  lost: chances and probability 0 %, current value 0 (the estimated value is kept
  as what was at stake).

Moving to a stage with an activity assigns that activity to the opportunity's
salesperson for its campaign and contact, from the date of change, the tasks
carrying the opportunity."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activities.models import Priority
from activities.services import AssignResult, assign_activity
from campaigns.models import Campaign
from contacts.models import Contact
from core.arguments import bool_arg, date_arg, record_arg
from core.concurrency import lock_stored
from core.date_formulas import apply_formula
from core.services import delete_record, validate_record, write_record
from opportunities.figures import (
    HUNDRED,
    calculate_current_value,
    calculate_probability,
    check_figures,
    money,
)
from opportunities.models import (
    ActionTaken,
    Opportunity,
    OpportunityEntry,
    OpportunityStatus,
    SalesCycle,
    SalesCycleStage,
)
from salespeople.models import Salesperson

NEXT, PREVIOUS = "next", "previous"


@dataclass
class StageChange:
    """What a stage change did: its entry, and the tasks of the stage's activity."""

    entry: OpportunityEntry
    tasks: int = 0


def _history_user(opportunity, user):
    if getattr(user, "pk", None):
        opportunity._history_user = user


@transaction.atomic
def create_opportunity(
    *,
    description: str,
    contact,
    salesperson,
    sales_cycle,
    campaign=None,
    priority: str = Priority.NORMAL,
    creation_date: datetime.date | None = None,
    estimated_value=0,
    chances_of_success_percent=0,
    no: str = "",
    activate_first_stage: bool = False,
    user=None,
) -> Opportunity:
    """Create a *not started* opportunity; with ``activate_first_stage`` move it to the
    first stage of its sales cycle on the creation date (NAV's "Activate first stage").

    A blocked sales cycle or salesperson cannot be chosen.
    """
    record_arg(sales_cycle, SalesCycle, label=_("Sales cycle"), key="sales_cycle", allow_none=True)
    record_arg(salesperson, Salesperson, label=_("Salesperson"), key="salesperson", allow_none=True)
    record_arg(contact, Contact, label=_("Contact"), key="contact", allow_none=True)
    record_arg(campaign, Campaign, label=_("Campaign"), key="campaign", allow_none=True)
    creation_date = date_arg(creation_date, label=_("Creation date"), allow_none=True)
    activate_first_stage = bool_arg(activate_first_stage, label=_("Activate first stage"))
    if sales_cycle is None:
        raise ValidationError({"sales_cycle": _("Choose a sales cycle.")})
    if sales_cycle.blocked:
        raise ValidationError(
            {
                "sales_cycle": _("Sales cycle %(code)s is blocked: choose another one.")
                % {"code": sales_cycle.code}
            }
        )
    if salesperson is None:
        raise ValidationError({"salesperson": _("Choose a salesperson.")})
    if salesperson.blocked:
        raise ValidationError(
            {"salesperson": _("Salesperson %(code)s is blocked.") % {"code": salesperson.code}}
        )
    if contact is None:
        raise ValidationError({"contact": _("Choose a contact.")})
    if user is not None and not user.has_perm("opportunities.add_opportunity"):
        raise PermissionDenied(_("You may not create opportunities."))
    check_own_salesperson(salesperson, user)
    estimated_value, chances_of_success_percent = check_figures(
        estimated_value, chances_of_success_percent
    )
    opportunity = Opportunity(
        no=no,
        description=description,
        contact=contact,
        salesperson=salesperson,
        sales_cycle=sales_cycle,
        campaign=campaign,
        priority=priority,
        creation_date=creation_date or timezone.localdate(),
        estimated_value=money(estimated_value or 0),
        chances_of_success_percent=money(chances_of_success_percent or 0),
    )
    validate_record(opportunity)
    write_record(opportunity, user=user)
    if activate_first_stage:
        move_to_stage(
            opportunity=opportunity, direction=NEXT, date=opportunity.creation_date, user=user
        )
        opportunity.refresh_from_db()
    return opportunity


@transaction.atomic
def save_opportunity(
    *, opportunity: Opportunity, user=None, version: str | None = None
) -> Opportunity:
    """Save the edited header of an opportunity (its figures change only by stage
    changes), validated here and checked against ``version`` (``core.concurrency``).

    The sales cycle can be changed only before the opportunity has started.
    """
    record_arg(opportunity, Opportunity)
    old = lock_stored(opportunity, version=version)
    check_opportunity_access(old, user)
    if old.sales_cycle_id != opportunity.sales_cycle_id:
        if old.status != OpportunityStatus.NOT_STARTED:
            raise ValidationError(
                {"sales_cycle": _("The sales cycle of a started opportunity cannot be changed.")}
            )
    validate_record(opportunity, stored=old)
    if old.salesperson_id != opportunity.salesperson_id:
        check_own_salesperson(opportunity.salesperson, user)
    write_record(opportunity, stored=old, user=user)
    return opportunity


def sees_all_opportunities(user) -> bool:
    """``user`` may see and change every opportunity; ``None`` is the system itself."""
    return user is None or user.has_perm("opportunities.view_all_opportunities")


def check_opportunity_access(opportunity: Opportunity, user) -> None:
    """With ``opportunities.change_opportunity``: every opportunity for those who see
    all, otherwise only those of the user's own salesperson (docs/opportunities.md)."""
    if user is None:
        return
    if not user.has_perm("opportunities.change_opportunity"):
        raise PermissionDenied(_("You may not change opportunities."))
    if sees_all_opportunities(user):
        return
    if not Salesperson.objects.filter(pk=opportunity.salesperson_id, user=user).exists():
        raise PermissionDenied(
            _("Opportunity %(no)s is not yours: you may change only your own opportunities.")
            % {"no": opportunity.no}
        )


def check_own_salesperson(salesperson, user) -> None:
    """Those who do not see all opportunities give them only to their own salesperson."""
    if salesperson is None or sees_all_opportunities(user):
        return
    if salesperson.user_id != user.pk:
        raise PermissionDenied(
            _("You may give opportunities only to your own salesperson, not to %(code)s.")
            % {"code": salesperson.code}
        )


def _lock(opportunity: Opportunity, user=None) -> Opportunity:
    record_arg(opportunity, Opportunity)
    locked = (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("sales_cycle", "current_stage", "salesperson", "contact", "campaign")
        .filter(pk=opportunity.pk)
        .first()
    )
    if locked is None:
        raise ValidationError(_("The opportunity no longer exists."))
    check_opportunity_access(locked, user)
    return locked


def _check_open(opportunity: Opportunity) -> None:
    if opportunity.closed:
        raise ValidationError(
            _("Opportunity %(no)s is closed (%(status)s).")
            % {"no": opportunity.no, "status": opportunity.get_status_display()}
        )


def _check_date(opportunity: Opportunity, date: datetime.date) -> None:
    """The date of a change is not before the creation date nor the last change."""
    last = (
        OpportunityEntry.objects.filter(opportunity=opportunity, active=True)
        .values_list("date_of_change", flat=True)
        .first()
    )
    earliest = max(d for d in (last, opportunity.creation_date) if d is not None)
    if date < earliest:
        raise ValidationError(
            {
                "date": _(
                    "The date may not be before %(date)s (the opportunity's creation date or "
                    "its last change)."
                )
                % {"date": earliest.isoformat()}
            }
        )


def _target(opportunity, stages, direction, stage) -> tuple[SalesCycleStage, str]:
    """The stage to move to and the action that moves there, or a ValidationError."""
    current = opportunity.current_stage
    current_no = current.stage if current is not None else 0
    if not stages:
        raise ValidationError(
            _("Sales cycle %(code)s has no stages: set them up first.")
            % {"code": opportunity.sales_cycle.code}
        )
    if direction == NEXT:
        later = [s for s in stages if s.stage > current_no]
        if not later:
            raise ValidationError(
                _("Stage %(stage)s is the last stage: close the opportunity as won or lost.")
                % {"stage": current_no}
            )
        return later[0], ActionTaken.NEXT
    if direction == PREVIOUS:
        earlier = [s for s in stages if s.stage < current_no]
        if current is None:
            raise ValidationError(_("The opportunity has not started: there is no previous stage."))
        if not earlier:
            raise ValidationError(
                _("Stage %(stage)s is the first stage: there is no previous stage.")
                % {"stage": current_no}
            )
        return earlier[-1], ActionTaken.PREVIOUS
    by_pk = {s.pk: s for s in stages}
    target = by_pk.get(getattr(stage, "pk", stage))
    if target is None:
        raise ValidationError(
            {
                "stage": _("Choose a stage of sales cycle %(code)s.")
                % {"code": opportunity.sales_cycle.code}
            }
        )
    if target.stage == current_no:
        raise ValidationError(
            {"stage": _("The opportunity is at stage %(stage)s already.") % {"stage": current_no}}
        )
    if target.stage < current_no:
        earlier = [s for s in stages if s.stage < current_no]
        return target, ActionTaken.PREVIOUS if target == earlier[-1] else ActionTaken.JUMP
    passed = [s for s in stages if current_no < s.stage < target.stage]
    if not passed:
        return target, ActionTaken.NEXT
    refused = [s for s in passed if not s.allow_skip]
    if refused:
        raise ValidationError(
            {
                "stage": ngettext(
                    "Stage %(stages)s cannot be skipped: move through it first.",
                    "Stages %(stages)s cannot be skipped: move through them first.",
                    len(refused),
                )
                % {"stages": ", ".join(f"{s.stage} {s.description}" for s in refused)}
            }
        )
    return target, ActionTaken.SKIP


def _write_entry(
    opportunity,
    *,
    stage,
    date,
    action,
    estimated_value,
    chances,
    completed,
    probability,
    current_value,
    close_date,
    user,
) -> OpportunityEntry:
    OpportunityEntry.objects.filter(opportunity=opportunity, active=True).update(active=False)
    return OpportunityEntry.objects.create(
        opportunity=opportunity,
        stage=stage,
        date_of_change=date,
        action_taken=action,
        estimated_value=estimated_value,
        chances_of_success_percent=chances,
        completed_percent=completed,
        probability_percent=probability,
        calculated_current_value=current_value,
        estimated_close_date=close_date,
        active=True,
        user=user if getattr(user, "pk", None) else None,
    )


@transaction.atomic
def move_to_stage(
    *,
    opportunity: Opportunity,
    direction: str | None = None,
    stage=None,
    date: datetime.date | None = None,
    estimated_value=None,
    chances_of_success_percent=None,
    user=None,
) -> StageChange:
    """Move ``opportunity`` to the next or previous stage (``direction``) or to a chosen
    ``stage`` of its sales cycle, on ``date`` (today when left out).

    ``estimated_value`` / ``chances_of_success_percent`` left out keep the current ones.
    Going forward over a stage that does not allow skip is refused. Reaching a stage
    with an activity assigns it (one task per step) to the opportunity's salesperson.
    """
    if (direction is None) == (stage is None):
        raise ValidationError(_("Choose the next or previous stage, or a stage to go to."))
    if direction not in (None, NEXT, PREVIOUS):
        raise ValidationError(_("Unknown direction %(direction)s.") % {"direction": direction})
    record_arg(stage, SalesCycleStage, label=_("Stage"), key="stage", allow_none=True)
    opportunity = _lock(opportunity, user)
    _check_open(opportunity)
    date = date_arg(date, label=_("Date"), key="date", allow_none=True) or timezone.localdate()
    _check_date(opportunity, date)
    estimated_value, chances_of_success_percent = check_figures(
        estimated_value, chances_of_success_percent
    )
    stages = list(opportunity.sales_cycle.stages.select_related("activity").order_by("stage"))
    target, action = _target(opportunity, stages, direction, stage)

    value = money(opportunity.estimated_value if estimated_value is None else estimated_value)
    chances = money(
        opportunity.chances_of_success_percent
        if chances_of_success_percent is None
        else chances_of_success_percent
    )
    probability = calculate_probability(
        opportunity.sales_cycle.probability_calculation, chances, target.completed_percent
    )
    current_value = calculate_current_value(value, probability)
    close_date = apply_formula(target.date_formula, date)
    entry = _write_entry(
        opportunity,
        stage=target,
        date=date,
        action=action,
        estimated_value=value,
        chances=chances,
        completed=target.completed_percent,
        probability=probability,
        current_value=current_value,
        close_date=close_date,
        user=user,
    )
    opportunity.status = OpportunityStatus.IN_PROGRESS
    opportunity.current_stage = target
    opportunity.estimated_value = value
    opportunity.chances_of_success_percent = chances
    opportunity.probability_percent = probability
    opportunity.calculated_current_value = current_value
    opportunity.estimated_closing_date = close_date
    _history_user(opportunity, user)
    opportunity.save()
    tasks = 0
    if target.activity_id is not None:
        tasks = assign_stage_activity(
            opportunity=opportunity, stage=target, date=date, user=user
        ).tasks
    return StageChange(entry=entry, tasks=tasks)


def assign_stage_activity(*, opportunity, stage, date, user=None) -> AssignResult:
    """Assign the stage's activity to the opportunity's salesperson, for its campaign
    and contact, from ``date``; the tasks carry the opportunity."""
    record_arg(opportunity, Opportunity, label=_("Opportunity"))
    record_arg(stage, SalesCycleStage, label=_("Stage"))
    date = date_arg(date, label=_("Date"), key="date")
    opportunity = Opportunity.objects.select_related("salesperson", "campaign", "contact").get(
        pk=opportunity.pk
    )  # as stored: the caller's copy may hold other values
    stage = SalesCycleStage.objects.select_related("activity").get(pk=stage.pk)
    check_opportunity_access(opportunity, user)
    if stage.sales_cycle_id != opportunity.sales_cycle_id:
        raise ValidationError(_("The stage is not one of the opportunity's sales cycle."))
    if stage.activity_id is None:
        raise ValidationError(_("Stage %(stage)s has no activity.") % {"stage": stage})
    return assign_activity(
        activity=stage.activity,
        start_date=date,
        salesperson=opportunity.salesperson,
        campaign=opportunity.campaign,
        contacts=[opportunity.contact],
        opportunity=opportunity,
        user=user,
    )


@transaction.atomic
def close_opportunity(
    *,
    opportunity: Opportunity,
    won: bool,
    date: datetime.date | None = None,
    estimated_value=None,
    user=None,
) -> OpportunityEntry:
    """Close ``opportunity`` as won (probability 100 %, current value = estimated
    value) or lost (probability 0 %, current value 0) on ``date``."""
    won = bool_arg(won, label=_("Won"))
    opportunity = _lock(opportunity, user)
    _check_open(opportunity)
    date = date_arg(date, label=_("Date"), key="date", allow_none=True) or timezone.localdate()
    _check_date(opportunity, date)
    estimated_value, _chances = check_figures(estimated_value, None)
    value = money(opportunity.estimated_value if estimated_value is None else estimated_value)
    if won:
        chances = completed = probability = HUNDRED
        current_value = value
        status, action = OpportunityStatus.WON, ActionTaken.WON
    else:
        chances = probability = Decimal(0)
        stage = opportunity.current_stage
        completed = stage.completed_percent if stage is not None else Decimal(0)
        current_value = Decimal(0)
        status, action = OpportunityStatus.LOST, ActionTaken.LOST
    entry = _write_entry(
        opportunity,
        stage=opportunity.current_stage,
        date=date,
        action=action,
        estimated_value=value,
        chances=money(chances),
        completed=money(completed),
        probability=money(probability),
        current_value=money(current_value),
        close_date=date,
        user=user,
    )
    opportunity.status = status
    opportunity.closed = True
    opportunity.date_closed = date
    opportunity.estimated_value = value
    opportunity.chances_of_success_percent = money(chances)
    opportunity.probability_percent = money(probability)
    opportunity.calculated_current_value = money(current_value)
    opportunity.estimated_closing_date = date
    _history_user(opportunity, user)
    opportunity.save()
    return entry


@transaction.atomic
def delete_opportunity(*, opportunity: Opportunity, user=None) -> None:
    """Delete an opportunity that is not in progress (with its entries; its tasks stay)."""
    opportunity = _lock(opportunity, user)
    if user is not None and not user.has_perm("opportunities.delete_opportunity"):
        raise PermissionDenied(_("You may not delete opportunities."))
    if opportunity.status == OpportunityStatus.IN_PROGRESS:
        raise ValidationError(
            _("Opportunity %(no)s is in progress: close it as won or lost before deleting it.")
            % {"no": opportunity.no}
        )
    delete_record(instance=opportunity, user=user)
