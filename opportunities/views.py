"""Sales cycle setup pages, opportunity pages and their stage actions (docs/opportunities.md).

Every opportunity view takes its records from ``Opportunity.objects.visible_to(user)``:
a salesperson who guesses the URL of somebody else's opportunity gets 404.
"""

from functools import cached_property

from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from activities.assign_views import AssignActivityBase
from activities.models import Task
from core import generic_views as generic
from core.presentation import amount_text, decimal_text
from opportunities import services
from opportunities.filters import OpportunityFilter, SalesCycleFilter
from opportunities.forms import (
    CloseOpportunityForm,
    GoToStageForm,
    OpportunityAssignActivityForm,
    OpportunityCreateForm,
    OpportunityForm,
    SalesCycleForm,
    SalesCycleStageForm,
    StageChangeForm,
)
from opportunities.models import Opportunity, SalesCycle, SalesCycleStage
from opportunities.tables import OpportunityTable, SalesCycleTable
from salespeople.models import Salesperson

ENTRIES_SHOWN = 50
STAGES_SHOWN = 50
TASKS_SHOWN = 20
OPPORTUNITY_RELATED = ("contact", "salesperson", "campaign", "sales_cycle", "current_stage")


# ---------------------------------------------------------------------------
# Sales cycles and their stages (setup)


class SalesCycleList(generic.RecordListView):
    model = SalesCycle
    queryset = SalesCycle.objects.annotate(stage_count=Count("stages"))
    table_class = SalesCycleTable
    filterset_class = SalesCycleFilter
    empty_text = gettext_lazy(
        "No sales cycles yet. Create one with its stages (e.g. initial contact 10 %, "
        "presentation 40 %, proposal 70 %, negotiation 90 %) before creating opportunities."
    )


class SalesCycleCard(generic.RecordCardView):
    model = SalesCycle
    sections = [
        (
            gettext_lazy("General"),
            ["code", "description", "probability_calculation", "blocked"],
        )
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        stages = list(
            self.object.stages.select_related("activity").order_by("stage")[: STAGES_SHOWN + 1]
        )
        context["stages"] = stages[:STAGES_SHOWN]
        context["more_stages"] = len(stages) > STAGES_SHOWN
        user = self.request.user
        context["can_add_stage"] = user.has_perm("opportunities.add_salescyclestage")
        context["can_change_stage"] = user.has_perm("opportunities.change_salescyclestage")
        context["can_delete_stage"] = user.has_perm("opportunities.delete_salescyclestage")
        return context


class SalesCycleCreate(generic.RecordCreateView):
    model = SalesCycle
    form_class = SalesCycleForm


class SalesCycleEdit(generic.RecordUpdateView):
    model = SalesCycle
    form_class = SalesCycleForm


class SalesCycleDelete(generic.RecordDeleteView):
    model = SalesCycle

    def deletion_summary(self):
        stages = self.object.stages.count()
        if not stages:
            return []
        return [ngettext("%(n)d stage", "%(n)d stages", stages) % {"n": stages}]


class StageMixin:
    """A stage page under its sales cycle: ``/setup/sales-cycles/<key>/stages/<stage>/``."""

    model = SalesCycleStage

    @cached_property
    def sales_cycle(self):
        return get_object_or_404(SalesCycle, code=self.kwargs["key"])

    def get_object(self, queryset=None):
        return get_object_or_404(
            SalesCycleStage.objects.select_related("sales_cycle"),
            sales_cycle=self.sales_cycle,
            stage=self.kwargs["stage"],
        )

    def cycle_crumbs(self):
        return [
            (capfirst(SalesCycle._meta.verbose_name_plural), reverse(SalesCycle.url_name("list"))),
            (str(self.sales_cycle), self.sales_cycle.get_absolute_url()),
        ]

    def get_breadcrumbs(self):
        return [*self.cycle_crumbs(), (self.get_title(), None)]

    def get_success_url(self):
        return self.sales_cycle.get_absolute_url()


class StageFormMixin(StageMixin):
    form_class = SalesCycleStageForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "sales_cycle": self.sales_cycle}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = self.sales_cycle.get_absolute_url()
        return context


class StageCreate(StageFormMixin, generic.RecordCreateView):
    def get_title(self):
        return _("New stage – %(cycle)s") % {"cycle": self.sales_cycle}


class StageEdit(StageFormMixin, generic.RecordUpdateView):
    def get_title(self):
        return _("Edit stage %(stage)s – %(cycle)s") % {
            "stage": self.object,
            "cycle": self.sales_cycle,
        }


class StageDelete(StageMixin, generic.RecordDeleteView):
    def get_title(self):
        return _("Delete stage %(stage)s – %(cycle)s") % {
            "stage": self.object,
            "cycle": self.sales_cycle,
        }


# ---------------------------------------------------------------------------
# Opportunities


class VisibleOpportunitiesMixin:
    """Only the opportunities the user may see (others give 404)."""

    model = Opportunity

    def get_queryset(self):
        return Opportunity.objects.visible_to(self.request.user).select_related(
            *OPPORTUNITY_RELATED
        )


class OpportunityList(VisibleOpportunitiesMixin, generic.RecordListView):
    table_class = OpportunityTable
    filterset_class = OpportunityFilter
    empty_text = gettext_lazy(
        "No opportunities yet. Create one from here or from a contact, with a sales cycle "
        "(set up under Sales cycles)."
    )


class OpportunityCard(VisibleOpportunitiesMixin, generic.RecordCardView):
    sections = [
        (
            gettext_lazy("General"),
            ["no", "description", "contact", "salesperson", "campaign", "priority"],
        ),
        (
            gettext_lazy("Sales cycle"),
            ["sales_cycle", "current_stage", "status", "creation_date", "estimated_closing_date"],
        ),
        (
            gettext_lazy("Figures"),
            [
                "estimated_value",
                "chances_of_success_percent",
                "probability_percent",
                "calculated_current_value",
            ],
        ),
        (gettext_lazy("Closing"), ["closed", "date_closed"]),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        opportunity = self.object
        user = self.request.user
        context["can_change"] = user.has_perm("opportunities.change_opportunity")
        entries = list(
            opportunity.entries.select_related("stage", "user").order_by("-id")[: ENTRIES_SHOWN + 1]
        )
        context["entries"] = entries[:ENTRIES_SHOWN]
        context["more_entries"] = len(entries) > ENTRIES_SHOWN
        context["stages"] = list(
            SalesCycleStage.objects.filter(sales_cycle_id=opportunity.sales_cycle_id)
            .select_related("activity")
            .order_by("stage")[:STAGES_SHOWN]
        )
        stage_nos = [s.stage for s in context["stages"]]
        current = opportunity.current_stage.stage if opportunity.current_stage else 0
        context["has_next"] = any(n > current for n in stage_nos)
        context["has_previous"] = any(n < current for n in stage_nos) and current > 0
        tasks = list(
            Task.objects.visible_to(user)
            .filter(opportunity=opportunity)
            .select_related("salesperson", "team")
            .order_by("closed", "date", "no")[: TASKS_SHOWN + 1]
        )
        context["tasks"] = tasks[:TASKS_SHOWN]
        context["more_tasks"] = len(tasks) > TASKS_SHOWN
        return context


def _default_salesperson(request, campaign) -> dict:
    """A new opportunity is for the user's own salesperson, else the campaign's."""
    own = Salesperson.objects.filter(user=request.user, blocked=False).first()
    if own is not None:
        return {"salesperson": own}
    if campaign is not None and campaign.salesperson_id:
        return {"salesperson": campaign.salesperson_id}
    return {}


class OpportunityCreate(generic.RecordCreateView):
    model = Opportunity
    form_class = OpportunityCreateForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        initial = super().get_initial()
        return {**_default_salesperson(self.request, initial.get("campaign")), **initial}

    def save_form(self, form):
        data = form.cleaned_data
        return services.create_opportunity(
            user=self.request.user,
            no=data.get("no", ""),
            description=data["description"],
            contact=data["contact"],
            salesperson=data["salesperson"],
            sales_cycle=data["sales_cycle"],
            campaign=data.get("campaign"),
            priority=data["priority"],
            creation_date=data["creation_date"],
            estimated_value=data["estimated_value"],
            chances_of_success_percent=data["chances_of_success_percent"],
            activate_first_stage=data.get("activate_first_stage", False),
        )


class OpportunityEdit(VisibleOpportunitiesMixin, generic.RecordUpdateView):
    form_class = OpportunityForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def save_form(self, form):
        return services.save_opportunity(
            opportunity=form.save(commit=False), **self.save_kwargs(form)
        )


class OpportunityDelete(VisibleOpportunitiesMixin, generic.RecordDeleteView):
    def deletion_summary(self):
        entries = self.object.entries.count()
        lines = []
        if entries:
            lines.append(
                ngettext("%(n)d opportunity entry", "%(n)d opportunity entries", entries)
                % {"n": entries}
            )
        return lines

    def perform_delete(self):
        services.delete_opportunity(opportunity=self.object, user=self.request.user)


# ---------------------------------------------------------------------------
# Stage actions


class OpportunityAction(VisibleOpportunitiesMixin, generic.ConfirmActionView):
    """A stage action: a form (date of change, figures), then a service call. A
    refused change shows its reason on the form."""

    permission_required = "opportunities.change_opportunity"
    form_class = StageChangeForm
    refusals_on_form = True

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "opportunity": self.object}

    def closed_question(self):
        return _("Opportunity %(no)s is closed (%(status)s): its stage cannot change.") % {
            "no": self.object.no,
            "status": self.object.get_status_display(),
        }

    def stage_kwargs(self, form) -> dict:
        raise NotImplementedError

    def perform(self, form):
        data = form.cleaned_data
        change = services.move_to_stage(
            opportunity=self.object,
            date=data["date"],
            estimated_value=data["estimated_value"],
            chances_of_success_percent=data["chances_of_success_percent"],
            user=self.request.user,
            **self.stage_kwargs(form),
        )
        entry = change.entry
        message = _(
            "Opportunity %(no)s is at stage %(stage)s (%(action)s): probability "
            "%(probability)s %%, calculated current value %(value)s."
        ) % {
            "no": self.object.no,
            "stage": entry.stage,
            "action": entry.get_action_taken_display().lower(),
            "probability": decimal_text(entry.probability_percent),
            "value": amount_text(entry.calculated_current_value),  # 4,300.00 / 4.300,00
        }
        if change.tasks:
            message += " " + ngettext(
                "%(n)d task created from activity %(code)s.",
                "%(n)d tasks created from activity %(code)s.",
                change.tasks,
            ) % {"n": change.tasks, "code": entry.stage.activity.code}
        return message


def _stage_label(stage) -> str:
    return str(stage) if stage is not None else _("(not started)")


class NextStage(OpportunityAction):
    action_label = gettext_lazy("Next stage")
    submit_label = gettext_lazy("Next stage")

    def question(self):
        opportunity = self.object
        if opportunity.closed:
            return self.closed_question()
        if opportunity.current_stage is None:
            return _(
                "Start opportunity %(no)s: move it to the first stage of sales cycle %(cycle)s?"
            ) % {"no": opportunity.no, "cycle": opportunity.sales_cycle.code}
        return _("Move opportunity %(no)s from stage %(stage)s to the next stage?") % {
            "no": opportunity.no,
            "stage": opportunity.current_stage,
        }

    def stage_kwargs(self, form):
        return {"direction": services.NEXT}


class PreviousStage(OpportunityAction):
    action_label = gettext_lazy("Previous stage")
    submit_label = gettext_lazy("Previous stage")

    def question(self):
        opportunity = self.object
        if opportunity.closed:
            return self.closed_question()
        return _("Move opportunity %(no)s from stage %(stage)s back to the previous stage?") % {
            "no": opportunity.no,
            "stage": _stage_label(opportunity.current_stage),
        }

    def stage_kwargs(self, form):
        return {"direction": services.PREVIOUS}


class GoToStage(OpportunityAction):
    action_label = gettext_lazy("Go to stage")
    submit_label = gettext_lazy("Go to stage")
    form_class = GoToStageForm

    def question(self):
        opportunity = self.object
        if opportunity.closed:
            return self.closed_question()
        return _("Move opportunity %(no)s from stage %(stage)s to another stage.") % {
            "no": opportunity.no,
            "stage": _stage_label(opportunity.current_stage),
        }

    def stage_kwargs(self, form):
        return {"stage": form.cleaned_data["stage"]}


class CloseOpportunity(OpportunityAction):
    action_label = gettext_lazy("Close")
    submit_label = gettext_lazy("Close opportunity")
    form_class = CloseOpportunityForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "outcome": self.request.GET.get("outcome", "")}

    def question(self):
        opportunity = self.object
        if opportunity.closed:
            return _("Opportunity %(no)s is closed already (%(status)s).") % {
                "no": opportunity.no,
                "status": opportunity.get_status_display(),
            }
        return _(
            "Close opportunity %(no)s as won (probability 100 %%) or lost (current value 0)?"
        ) % {"no": opportunity.no}

    def perform(self, form):
        data = form.cleaned_data
        won = data["outcome"] == "won"
        services.close_opportunity(
            opportunity=self.object,
            won=won,
            date=data["date"],
            estimated_value=data["estimated_value"],
            user=self.request.user,
        )
        if won:
            return _("Opportunity %(no)s closed as won.") % {"no": self.object.no}
        return _("Opportunity %(no)s closed as lost.") % {"no": self.object.no}


class AssignActivityToOpportunity(VisibleOpportunitiesMixin, AssignActivityBase):
    """Assign activity from the opportunity card: the tasks carry the opportunity, its
    campaign and contact; the salesperson defaults to the opportunity's."""

    source = "opportunity"
    form_class = OpportunityAssignActivityForm

    def question(self):
        return _(
            "Assign an activity for opportunity %(no)s (contact %(contact)s): one task per step."
        ) % {"no": self.object.no, "contact": self.object.contact}
