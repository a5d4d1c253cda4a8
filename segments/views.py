"""Segment pages: the list, the card with its lines, the header form, and a line's
target toggle, edit and delete (docs/segments.md)."""

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import FormView, View

from core import generic_views as generic
from core.concurrency import version_input
from core.pagination import RowCount
from segments import services
from segments.criteria import describe
from segments.filters import SegmentFilter
from segments.forms import (
    SegmentFlagsForm,
    SegmentForm,
    SegmentLineForm,
)
from segments.models import (
    LoggedSegment,
    Segment,
    SegmentLine,
)
from segments.tables import (
    SegmentTable,
)

LINES_PER_PAGE = 50


# What a line's row on the segment card shows (segments/partials/line_row.html).
LINE_ROW_RELATED = (
    "segment",
    "contact",
    "contact_company",
    "campaign",
    "salesperson",
    "interaction_template",
)


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
    queryset = Segment.objects.select_related("campaign", "salesperson", "interaction_template")
    sections = [
        (gettext_lazy("General"), ["no", "description", "salesperson", "date"]),
        (gettext_lazy("Campaign"), ["campaign", "campaign_target", "campaign_response"]),
        (
            gettext_lazy("Interaction"),
            [
                "interaction_template",
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

    # A segment may have 200,000 lines: keyset pages; the services keep the number of
    # lines, so no COUNT(*) either. Rows with buttons: segments/partials/line_row.html.
    sublists = (
        generic.SubList(
            "lines",
            rows=lambda card: SegmentLine.objects.of_segment_in_order(card.object).select_related(
                *LINE_ROW_RELATED
            ),
            count=lambda card, rows: RowCount(card.object.line_count),
            per_page=LINES_PER_PAGE,
        ),
    )

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            # A segment that was logged lives on as a logged segment: its old address
            # leads there (the newest when its No. was logged more than once;
            # docs/segments.md, Logged segments).
            key = kwargs.get("key", "")
            logged = None
            if not Segment.objects.filter(no=key).exists():
                logged = LoggedSegment.objects.filter(segment_no=key).order_by("-id").first()
            if logged is None:
                raise
            return HttpResponseRedirect(logged.get_absolute_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        segment = self.object
        actions = list(segment.criteria_actions.select_related("user").order_by("sequence"))
        for action in actions:
            action.summary = describe(action.filters)
        context["criteria_actions"] = actions
        context["can_change"] = self.request.user.has_perm("segments.change_segment")
        if context["can_change"]:
            context["flags_version"] = version_input(segment)
        context["can_log"] = self.request.user.has_perm("segments.log_segment")
        return context


class SegmentCreate(generic.RecordCreateView):
    model = Segment
    form_class = SegmentForm

    def save_form(self, form):
        segment = form.save(commit=False)
        services.save_segment(segment=segment, **self.save_kwargs(form))
        return segment


class SegmentEdit(generic.RecordUpdateView):
    """Edit the header; when inherited fields change and lines exist, ask first
    whether the lines that carry the old values should follow (docs/segments.md, Header
    and lines)."""

    model = Segment
    form_class = SegmentForm

    def form_valid(self, form):
        if not self.check_version(form):
            return self.form_invalid(form)
        segment = form.instance
        old = self.object  # as stored: the form works on a copy
        # A newly chosen template that changes the campaign flags says so plainly and
        # lets the user keep the segment's flags (docs/segments.md, Header and lines).
        flag_changes = services.template_flag_changes(segment, old)
        flags_choice = self.request.POST.get("template_flags")
        self.keep_campaign_flags = flags_choice == "keep"
        # A newly chosen template brings its values: ask about those too.
        services.apply_interaction_template(segment, old, self.keep_campaign_flags)
        changed = services.changed_inherited_fields(old, segment)
        decision = self.request.POST.get("update_lines")
        ask_lines = bool(changed and old.line_count) and decision not in {"yes", "no"}
        ask_flags = bool(flag_changes) and flags_choice not in {"template", "keep"}
        if ask_lines or ask_flags:
            context = self.get_context_data(form=form)
            if flag_changes:
                context["template_flags"] = {
                    "sentences": [
                        services.describe_template_flag_change(change) for change in flag_changes
                    ],
                    "keep": self.keep_campaign_flags,
                }
            if changed and old.line_count:
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
            update_lines=getattr(self, "update_lines", False),
            keep_campaign_flags=getattr(self, "keep_campaign_flags", False),
            **self.save_kwargs(form),
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


class SegmentFlagsEdit(SegmentEdit):
    """The header's *Campaign target* and *Campaign response* check boxes on the card:
    ticking one saves it, with the edit page's question whether the lines follow."""

    form_class = SegmentFlagsForm


class SegmentDelete(generic.RecordDeleteView):
    model = Segment

    def deletion_summary(self):
        count = self.object.line_count
        return [ngettext("%(n)d segment line", "%(n)d segment lines", count) % {"n": count}]

    def perform_delete(self):
        services.delete_segment(segment=self.object, user=self.request.user)


def _line(request, key, line_id):
    segment = get_object_or_404(Segment, no=key)
    return get_object_or_404(
        SegmentLine.objects.select_related(*LINE_ROW_RELATED), segment=segment, pk=line_id
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


class LineEdit(LineMixin, generic.FormPageMixin, FormView):
    form_class = SegmentLineForm

    def dispatch(self, request, *args, **kwargs):
        self.line = self.object = _line(request, kwargs["key"], kwargs["line_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        # A copy: the page keeps showing the line as stored when the form is refused.
        return {**super().get_form_kwargs(), "instance": copy.copy(self.line)}

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

    def save_form(self, form):
        return services.save_line(line=form.save(commit=False), **self.save_kwargs(form))

    def get_success_message(self):
        return _("Segment line saved.")

    def get_success_url(self):
        return self.line.segment.get_absolute_url()


class LineDelete(LineMixin, View):
    http_method_names = ["post"]

    def post(self, request, key, line_id):
        line = _line(request, key, line_id)
        segment = line.segment
        try:
            services.delete_line(line=line, user=request.user)
        except ValidationError as error:  # deleted by someone else a moment ago
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Contact %(contact)s removed from the segment.") % {"contact": line.contact},
            )
        return HttpResponseRedirect(segment.get_absolute_url())
