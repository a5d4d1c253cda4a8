"""The criteria actions of a segment card (Add contacts, Reduce, Refine, Go back, save
and reuse criteria), the history of those actions and the saved criteria pages
(docs/segments.md)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import DetailView

from core import generic_views as generic
from core.sql import TimeUp, statement_time_limit
from segments import services
from segments.criteria import describe
from segments.filters import SavedCriteriaFilter
from segments.forms import (
    AddContactsForm,
    RemoveContactsForm,
    ReuseCriteriaForm,
    SaveCriteriaForm,
)
from segments.models import (
    SavedSegmentCriteria,
    Segment,
    SegmentCriteriaAction,
)
from segments.tables import (
    SavedCriteriaTable,
)


class SegmentAction(generic.ConfirmActionView):
    model = Segment
    permission_required = "segments.change_segment"
    preview_kind = ""  # the count shown while the filters are filled in

    def get_context_data(self, **kwargs):
        return super().get_context_data(preview_kind=self.preview_kind, **kwargs)


# A count that takes longer is given up (PostgreSQL), so that typing filters over a
# million contacts never piles up long queries.
PREVIEW_SECONDS = 2


class CriteriaPreview(generic.ModelPermissionMixin, generic.KeyObjectMixin, DetailView):
    """How many contacts the filters of Add contacts, Reduce or Refine match and how
    many lines the action would add or remove, counted as the filters are typed
    (docs/segments.md, Criteria); nothing changes."""

    model = Segment
    permission_required = "segments.view_segment"
    template_name = "segments/partials/criteria_preview.html"
    forms = {"add": AddContactsForm, "reduce": RemoveContactsForm, "refine": RemoveContactsForm}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kind = self.request.GET.get("kind", "")
        form_class = self.forms.get(kind)
        if form_class is None:
            return context
        form = form_class(self.request.GET)
        if not form.is_valid():
            context["problem"] = _("Correct the filters to see how many contacts match.")
            return context
        try:
            with statement_time_limit(PREVIEW_SECONDS):
                context["preview"] = self.preview(kind, form)
        except ValidationError as error:
            context["problem"] = " ".join(error.messages)
        except TimeUp:
            context["problem"] = _(
                "These filters take too long to count here; the action itself says how many "
                "lines it added or removed."
            )
        context["kind"] = kind
        return context

    def preview(self, kind, form):
        if kind == "add":
            return services.preview_add(
                segment=self.object, filters=form.filters(), **form.options()
            )
        return services.preview_remove(
            segment=self.object,
            filters=form.filters(),
            entire_companies=form.cleaned_data["entire_companies"],
            keep_matching=kind == "refine",
        )


class AddContacts(SegmentAction):
    template_name = "segments/criteria_form.html"
    action_label = gettext_lazy("Add contacts")
    submit_label = gettext_lazy("Add contacts")
    form_class = AddContactsForm
    preview_kind = "add"

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
    template_name = "segments/criteria_form.html"
    action_label = gettext_lazy("Reduce contacts")
    submit_label = gettext_lazy("Remove matching contacts")
    form_class = RemoveContactsForm
    preview_kind = "reduce"

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
    preview_kind = "refine"

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
        question = _("Undo criteria action %(seq)d (%(action)s: %(summary)s)?") % {
            "seq": action.sequence,
            "action": action.get_action_display(),
            "summary": describe(action.filters),
        }
        # Say only what happens, in correct singular/plural.
        effects = []
        if action.lines_added:
            effects.append(
                ngettext(
                    "The line it added is deleted.",
                    "The %(n)d lines it added are deleted.",
                    action.lines_added,
                )
                % {"n": action.lines_added}
            )
        if action.lines_removed:
            effects.append(
                ngettext(
                    "The line it removed comes back.",
                    "The %(n)d lines it removed come back.",
                    action.lines_removed,
                )
                % {"n": action.lines_removed}
            )
        return " ".join([question, *effects])

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


class SavedCriteriaList(generic.RecordListView):
    model = SavedSegmentCriteria
    table_class = SavedCriteriaTable
    filterset_class = SavedCriteriaFilter
    empty_text = gettext_lazy("No saved criteria yet. Use Save criteria on a segment card.")


class SavedCriteriaCard(generic.RecordCardView):
    model = SavedSegmentCriteria
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


# Logging (docs/segments.md, Logging a segment) -------------------------------------
