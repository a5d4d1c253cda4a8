from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import DetailView, FormView, View

from core import generic_views as generic
from segments import services
from segments.criteria import describe
from segments.filters import SavedCriteriaFilter, SegmentFilter
from segments.forms import (
    AddContactsForm,
    RemoveContactsForm,
    ReuseCriteriaForm,
    SaveCriteriaForm,
    SegmentForm,
    SegmentLineForm,
)
from segments.models import SavedSegmentCriteria, Segment, SegmentCriteriaAction, SegmentLine
from segments.tables import SavedCriteriaTable, SegmentTable

LINES_PER_PAGE = 50


class SegmentList(generic.RecordListView):
    model = Segment
    queryset = Segment.objects.select_related("campaign", "salesperson")
    table_class = SegmentTable
    filterset_class = SegmentFilter
    empty_text = gettext_lazy(
        "No segments yet. Create a segment, then add contacts to it by criteria."
    )


class SegmentCard(generic.RecordCardView):
    model = Segment
    queryset = Segment.objects.select_related("campaign", "salesperson")
    template_name = "segments/segment_card.html"
    sections = [
        (gettext_lazy("General"), ["no", "description", "salesperson", "date"]),
        (gettext_lazy("Campaign"), ["campaign", "campaign_target", "campaign_response"]),
        (
            gettext_lazy("Interaction"),
            [
                "correspondence_type",
                "subject",
                "language",
                "unit_cost",
                "unit_duration",
                "information_flow",
                "initiated_by",
            ],
        ),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        segment = self.object
        lines = SegmentLine.objects.filter(segment=segment).select_related(
            "segment", "contact", "contact_company", "campaign", "salesperson"
        )
        paginator = Paginator(lines, LINES_PER_PAGE)
        paginator.count = segment.line_count  # kept by the services: no COUNT(*)
        context["lines_page"] = paginator.get_page(self.request.GET.get("page"))
        context["totals"] = lines.aggregate(cost=Sum("cost"), duration=Sum("duration"))
        actions = list(segment.criteria_actions.select_related("user").order_by("sequence"))
        for action in actions:
            action.summary = describe(action.filters)
        context["criteria_actions"] = actions
        context["can_change"] = self.request.user.has_perm("segments.change_segment")
        return context


class SegmentCreate(generic.RecordCreateView):
    model = Segment
    form_class = SegmentForm

    def get_initial(self):
        initial = super().get_initial()
        campaign = self.request.GET.get("campaign")
        if campaign:
            from campaigns.models import Campaign

            initial["campaign"] = Campaign.objects.filter(no=campaign).first()
        return initial

    def save_form(self, form):
        segment = form.save(commit=False)
        services.save_segment(segment=segment, user=self.request.user)
        return segment


class SegmentEdit(generic.RecordUpdateView):
    """Edit the header; when inherited fields change and lines exist, ask first
    whether the lines that carry the old values should follow (SPEC §5.1)."""

    model = Segment
    form_class = SegmentForm
    template_name = "segments/segment_form.html"

    def form_valid(self, form):
        segment = form.instance
        old = Segment.objects.get(pk=segment.pk)
        changed = services.changed_inherited_fields(old, segment)
        decision = self.request.POST.get("update_lines")
        if changed and old.line_count and decision not in {"yes", "no"}:
            context = self.get_context_data(form=form)
            context["propagation"] = {
                "fields": [str(Segment._meta.get_field(name).verbose_name) for name in changed],
                "lines": old.line_count,
            }
            return self.render_to_response(context)
        self.update_lines = decision == "yes"
        return super().form_valid(form)

    def save_form(self, form):
        segment = form.save(commit=False)
        updated = services.save_segment(
            segment=segment,
            user=self.request.user,
            update_lines=getattr(self, "update_lines", False),
        )
        if updated:
            messages.info(
                self.request,
                _("Lines updated: %(changes)s.")
                % {
                    "changes": ", ".join(
                        f"{Segment._meta.get_field(name).verbose_name} ({count})"
                        for name, count in updated.items()
                    )
                },
            )
        return segment


class SegmentDelete(generic.RecordDeleteView):
    model = Segment

    def deletion_summary(self):
        count = self.object.line_count
        return [ngettext("%(n)d segment line", "%(n)d segment lines", count) % {"n": count}]

    def perform_delete(self):
        services.delete_segment(segment=self.object, user=self.request.user)


class SegmentAction(generic.ConfirmActionView):
    model = Segment
    permission_required = "segments.change_segment"


class AddContacts(SegmentAction):
    action_label = gettext_lazy("Add contacts")
    submit_label = gettext_lazy("Add contacts")
    form_class = AddContactsForm
    template_name = "segments/criteria_form.html"

    def question(self):
        return _("Add the contacts that match every filter you fill in to segment %(no)s.") % {
            "no": self.object.no
        }

    def perform(self, form):
        result = services.add_contacts(
            segment=self.object, filters=form.filters(), user=self.request.user, **form.options()
        )
        message = ngettext(
            "%(n)d contact added to the segment.",
            "%(n)d contacts added to the segment.",
            result.added,
        ) % {"n": result.added}
        if result.removed:
            message += " " + ngettext(
                "%(n)d existing line renewed.", "%(n)d existing lines renewed.", result.removed
            ) % {"n": result.removed}
        return message


class ReduceContacts(SegmentAction):
    action_label = gettext_lazy("Reduce contacts")
    submit_label = gettext_lazy("Remove matching contacts")
    form_class = RemoveContactsForm
    template_name = "segments/criteria_form.html"

    def question(self):
        return _("Remove the lines of segment %(no)s whose contact matches the filters.") % {
            "no": self.object.no
        }

    def perform(self, form):
        result = services.reduce_contacts(
            segment=self.object,
            filters=form.filters(),
            entire_companies=form.cleaned_data["entire_companies"],
            user=self.request.user,
        )
        return ngettext(
            "%(n)d line removed from the segment.",
            "%(n)d lines removed from the segment.",
            result.removed,
        ) % {"n": result.removed}


class RefineContacts(ReduceContacts):
    action_label = gettext_lazy("Refine contacts")
    submit_label = gettext_lazy("Keep only matching contacts")

    def question(self):
        return _("Keep only the lines of segment %(no)s whose contact matches the filters.") % {
            "no": self.object.no
        }

    def perform(self, form):
        result = services.refine_contacts(
            segment=self.object,
            filters=form.filters(),
            entire_companies=form.cleaned_data["entire_companies"],
            user=self.request.user,
        )
        return ngettext(
            "%(n)d line removed from the segment.",
            "%(n)d lines removed from the segment.",
            result.removed,
        ) % {"n": result.removed}


class GoBack(SegmentAction):
    action_label = gettext_lazy("Go back")

    def last_action(self):
        return self.object.criteria_actions.order_by("-sequence").first()

    def question(self):
        action = self.last_action()
        if action is None:
            return _("There is no criteria action to undo on segment %(no)s.") % {
                "no": self.object.no
            }
        return _(
            "Undo criteria action %(seq)d (%(action)s: %(summary)s)? "
            "%(added)d added lines are deleted and %(removed)d removed lines come back."
        ) % {
            "seq": action.sequence,
            "action": action.get_action_display(),
            "summary": describe(action.filters),
            "added": action.lines_added,
            "removed": action.lines_removed,
        }

    def perform(self, form):
        result = services.go_back(segment=self.object, user=self.request.user)
        return _("Last criteria action undone: %(removed)d lines deleted, %(added)d restored.") % {
            "removed": result.removed,
            "added": result.added,
        }


class SaveCriteria(SegmentAction):
    permission_required = "segments.add_savedsegmentcriteria"
    action_label = gettext_lazy("Save criteria")
    submit_label = gettext_lazy("Save criteria")
    form_class = SaveCriteriaForm

    def question(self):
        count = self.object.criteria_actions.count()
        return ngettext(
            "Save the %(n)d criteria action of segment %(no)s under a code to reuse it.",
            "Save the %(n)d criteria actions of segment %(no)s under a code to reuse them.",
            count,
        ) % {"n": count, "no": self.object.no}

    def perform(self, form):
        criteria = services.save_criteria(
            segment=self.object,
            code=form.cleaned_data["code"],
            description=form.cleaned_data["description"],
            user=self.request.user,
        )
        return _("Criteria saved as %(code)s.") % {"code": criteria.code}


class ReuseCriteria(SegmentAction):
    action_label = gettext_lazy("Reuse criteria")
    submit_label = gettext_lazy("Run the saved criteria")
    form_class = ReuseCriteriaForm

    def question(self):
        return _("Run saved criteria actions on segment %(no)s, in their order.") % {
            "no": self.object.no
        }

    def perform(self, form):
        criteria = form.cleaned_data["criteria"]
        results = services.reuse_criteria(
            segment=self.object, criteria=criteria, user=self.request.user
        )
        return _("Criteria %(code)s run: %(added)d lines added, %(removed)d removed.") % {
            "code": criteria.code,
            "added": sum(r.added for r in results),
            "removed": sum(r.removed for r in results),
        }


class SegmentHistoryView(
    generic.ModelPermissionMixin, generic.KeyObjectMixin, generic.PageMixin, DetailView
):
    """Every criteria action with what it added and removed."""

    model = Segment
    template_name = "segments/segment_history.html"

    def get_title(self):
        return _("Segment history – %(segment)s") % {"segment": self.object}

    def get_breadcrumbs(self):
        return [
            self.list_crumb(),
            (str(self.object), self.object.get_absolute_url()),
            (_("Segment history"), None),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        actions = list(
            SegmentCriteriaAction.objects.filter(segment=self.object)
            .select_related("user")
            .order_by("-sequence")
        )
        for action in actions:
            action.summary = describe(action.filters)
        context["actions"] = actions
        return context


def _line(request, key, line_id):
    segment = get_object_or_404(Segment, no=key)
    return get_object_or_404(
        SegmentLine.objects.select_related(
            "segment", "contact", "contact_company", "campaign", "salesperson"
        ),
        segment=segment,
        pk=line_id,
    )


class LineMixin(generic.ModelPermissionMixin):
    model = Segment
    permission_required = "segments.change_segment"


class ToggleLineTarget(LineMixin, View):
    """One-click *campaign target* on a line: htmx swaps the row, else back to the card."""

    http_method_names = ["post"]

    def post(self, request, key, line_id):
        line = _line(request, key, line_id)
        value = request.POST.get("value") == "1"
        try:
            services.set_line_campaign_target(line=line, value=value, user=request.user)
        except ValidationError as error:
            if request.htmx:
                return render(
                    request,
                    "segments/partials/line_row.html",
                    {"line": line, "can_change": True, "error": error.messages[0]},
                )
            messages.error(request, error.messages[0])
        if request.htmx:
            return render(
                request, "segments/partials/line_row.html", {"line": line, "can_change": True}
            )
        return HttpResponseRedirect(line.segment.get_absolute_url() + f"#line-{line.pk}")


class LineEdit(LineMixin, generic.PageMixin, FormView):
    template_name = "generic/form.html"
    form_class = SegmentLineForm

    def dispatch(self, request, *args, **kwargs):
        self.line = _line(request, kwargs["key"], kwargs["line_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.line}

    def get_title(self):
        return _("Segment line %(contact)s") % {"contact": self.line.contact}

    def get_breadcrumbs(self):
        segment = self.line.segment
        return [
            self.list_crumb(),
            (str(segment), segment.get_absolute_url()),
            (self.get_title(), None),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = self.line.segment.get_absolute_url()
        return context

    def form_valid(self, form):
        services.save_line(line=form.save(commit=False), user=self.request.user)
        messages.success(self.request, _("Segment line saved."))
        return HttpResponseRedirect(self.line.segment.get_absolute_url())


class LineDelete(LineMixin, View):
    http_method_names = ["post"]

    def post(self, request, key, line_id):
        line = _line(request, key, line_id)
        segment = line.segment
        services.delete_line(line=line, user=request.user)
        messages.success(
            request, _("Contact %(contact)s removed from the segment.") % {"contact": line.contact}
        )
        return HttpResponseRedirect(segment.get_absolute_url())


class SavedCriteriaList(generic.RecordListView):
    model = SavedSegmentCriteria
    table_class = SavedCriteriaTable
    filterset_class = SavedCriteriaFilter
    empty_text = gettext_lazy("No saved criteria yet. Use Save criteria on a segment card.")


class SavedCriteriaCard(generic.RecordCardView):
    model = SavedSegmentCriteria
    template_name = "segments/savedsegmentcriteria_card.html"
    sections = [(gettext_lazy("General"), ["code", "description"])]
    show_history = False

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        actions = list(self.object.actions.order_by("sequence"))
        for action in actions:
            action.summary = describe(action.filters)
        context["criteria_actions"] = actions
        return context


class SavedCriteriaDelete(generic.RecordDeleteView):
    model = SavedSegmentCriteria
