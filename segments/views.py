import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import DetailView, FormView, View

from campaigns.models import Campaign, CampaignEntry, InteractionLogEntry
from contacts.models import CorrespondenceType
from core import generic_views as generic
from core.jobs import visible_jobs
from core.pagination import RowCount
from core.placeholders import render_placeholders
from segments import logging as segment_logging
from segments import services
from segments.criteria import describe
from segments.filters import LoggedSegmentFilter, SavedCriteriaFilter, SegmentFilter
from segments.forms import (
    AddContactsForm,
    LogSegmentForm,
    RemoveContactsForm,
    ReuseCriteriaForm,
    SaveCriteriaForm,
    SegmentForm,
    SegmentLineForm,
)
from segments.models import (
    LoggedSegment,
    SavedSegmentCriteria,
    Segment,
    SegmentCriteriaAction,
    SegmentLine,
)
from segments.tables import (
    LoggedInteractionTable,
    LoggedSegmentTable,
    SavedCriteriaTable,
    SegmentTable,
)

LINES_PER_PAGE = 50
INTERACTIONS_PER_PAGE = 50
LETTERS_PER_PAGE = 200
CAMPAIGNS_NAMED = 5


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

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        segment = self.object
        context["totals"] = (
            SegmentLine.objects.of_segment_in_order(segment)
            .order_by()
            .aggregate(cost=Sum("cost"), duration=Sum("duration"))
        )
        actions = list(segment.criteria_actions.select_related("user").order_by("sequence"))
        for action in actions:
            action.summary = describe(action.filters)
        context["criteria_actions"] = actions
        context["can_change"] = self.request.user.has_perm("segments.change_segment")
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
    whether the lines that carry the old values should follow (SPEC §5.1)."""

    model = Segment
    form_class = SegmentForm

    def form_valid(self, form):
        if not self.check_version(form):
            return self.form_invalid(form)
        segment = form.instance
        old = self.object  # as stored: the form works on a copy
        # A newly chosen template brings its values: ask about those too.
        services.apply_interaction_template(segment, old)
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
            update_lines=getattr(self, "update_lines", False),
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
    template_name = "segments/criteria_form.html"
    action_label = gettext_lazy("Add contacts")
    submit_label = gettext_lazy("Add contacts")
    form_class = AddContactsForm

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


# Logging (SPEC §5.3) ---------------------------------------------------------------


def _campaign_list(numbers: list[str]) -> str:
    shown = ", ".join(numbers[:CAMPAIGNS_NAMED])
    more = len(numbers) - CAMPAIGNS_NAMED
    if more > 0:
        shown += " " + ngettext("and %(n)d more", "and %(n)d more", more) % {"n": more}
    return shown


class LogSegment(generic.ConfirmActionView):
    """Log the segment: interactions, campaign entries, e-mails, follow-up segment.

    The segment is gone afterwards, so success lands on the logged segment's card;
    a refusal comes back as a message on the segment card.
    """

    model = Segment
    permission_required = "segments.log_segment"
    action_label = gettext_lazy("Log segment")
    submit_label = gettext_lazy("Log")
    form_class = LogSegmentForm
    template_name = "segments/segment_log.html"
    result = None

    def figures(self) -> dict:
        lines = SegmentLine.objects.filter(segment=self.object)
        figures = lines.aggregate(
            lines=Count("id"),
            emails=Count("id", filter=Q(correspondence_type=CorrespondenceType.EMAIL)),
            letters=Count("id", filter=Q(correspondence_type=CorrespondenceType.HARD_COPY)),
        )
        figures["campaigns"] = list(
            Campaign.objects.filter(id__in=lines.values("campaign_id"))
            .order_by("no")
            .values_list("no", flat=True)[: CAMPAIGNS_NAMED + 1]
        )
        return figures

    def question(self):
        figures = self.figures()
        campaigns = figures["campaigns"]
        if campaigns:
            target = ngettext(
                "for campaign %(campaigns)s", "for campaigns %(campaigns)s", len(campaigns)
            ) % {"campaigns": _campaign_list(campaigns)}
        else:
            target = _("without a campaign")
        parts = [
            ngettext(
                "Logging segment %(no)s creates %(n)d interaction %(target)s.",
                "Logging segment %(no)s creates %(n)d interactions %(target)s.",
                figures["lines"],
            )
            % {"no": self.object.no, "n": figures["lines"], "target": target}
        ]
        if figures["emails"]:
            parts.append(
                ngettext(
                    "With Send attachments, %(n)d e-mail will be sent.",
                    "With Send attachments, %(n)d e-mails will be sent.",
                    figures["emails"],
                )
                % {"n": figures["emails"]}
            )
        else:
            parts.append(_("No line has e-mail correspondence: no e-mails will be sent."))
        if figures["letters"]:
            parts.append(
                ngettext(
                    "%(n)d letter can be printed from the logged segment.",
                    "%(n)d letters can be printed from the logged segment.",
                    figures["letters"],
                )
                % {"n": figures["letters"]}
            )
        parts.append(_("The segment then leaves the list of open segments."))
        return " ".join(parts)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            segment_logging.check_segment_can_be_logged(self.object)
        except ValidationError as error:
            context["problems"] = error.messages
        return context

    def perform(self, form):
        self.result = segment_logging.log_segment(
            segment=self.object,
            send_attachments=form.cleaned_data["send_attachments"],
            create_follow_up=form.cleaned_data["create_follow_up"],
            user=self.request.user,
        )
        return ""  # said in post(), once the e-mails have gone out

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        if self.result is not None:
            messages.success(request, self.result_message(self.result))
        return response

    def result_message(self, result) -> str:
        parts = [
            ngettext("%(n)d interaction", "%(n)d interactions", result.interactions)
            % {"n": result.interactions},
            ngettext("%(n)d campaign entry", "%(n)d campaign entries", result.entries)
            % {"n": result.entries},
        ]
        if result.emails:
            parts.append(
                ngettext(
                    "%(n)d e-mail queued for sending",
                    "%(n)d e-mails queued for sending",
                    result.emails,
                )
                % {"n": result.emails}
            )
        message = _("Segment %(no)s logged: %(parts)s.") % {
            "no": result.logged_segment.segment_no,
            "parts": ", ".join(parts),
        }
        if result.follow_up is not None:
            message += " " + _("Follow-up segment %(no)s created.") % {"no": result.follow_up.no}
        return message

    def get_success_url(self):
        if self.result is not None:
            return self.result.logged_segment.get_absolute_url()
        if not Segment.objects.filter(pk=self.object.pk).exists():
            return reverse(Segment.url_name("list"))  # logged by someone else meanwhile
        return self.object.get_absolute_url()


class LoggedSegmentList(generic.RecordListView):
    model = LoggedSegment
    queryset = LoggedSegment.objects.select_related("user")
    table_class = LoggedSegmentTable
    filterset_class = LoggedSegmentFilter
    empty_text = gettext_lazy(
        "No logged segments yet. Log a segment from its card (Process › Log segment)."
    )


class LoggedSegmentCard(generic.RecordCardView):
    model = LoggedSegment
    queryset = LoggedSegment.objects.select_related("user")
    show_history = False  # never edited; the interactions are the record
    sections = [
        (
            gettext_lazy("General"),
            ["segment_no", "description", "date", "user", "created_at", "canceled"],
        ),
    ]

    # A logged segment may have 200,000 interactions: keyset pages, counted already.
    sublists = (
        generic.SubList(
            "interactions",
            rows=lambda card: (
                InteractionLogEntry.objects.filter(logged_segment=card.object)
                .select_related("contact", "template", "campaign")
                .order_by("id")
            ),
            table=LoggedInteractionTable,
            count=lambda card, rows: RowCount(card.figures["count"]),
            per_page=INTERACTIONS_PER_PAGE,
            empty_text=gettext_lazy("No interactions."),
        ),
    )

    def get_title(self):
        return _("Logged segment %(no)s") % {"no": self.object.pk}

    @cached_property
    def figures(self) -> dict:
        logged = self.object
        return InteractionLogEntry.objects.filter(logged_segment=logged).figures(
            canceled=logged.canceled
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        logged = self.object
        user = self.request.user
        interactions = InteractionLogEntry.objects.filter(logged_segment=logged)
        # An entry that an earlier logging of the same segment No. made is reused
        # (SPEC §3.3): it belongs to this logged segment through its interactions.
        entries = list(
            CampaignEntry.objects.filter(
                Q(logged_segment=logged) | Q(id__in=interactions.values("campaign_entry_id"))
            )
            .with_figures()
            .select_related("campaign")
            .order_by("id")
        )
        figures = self.figures
        context |= {
            "entries": entries,
            "figures": figures,
            "can_cancel": not logged.canceled and user.has_perm("segments.change_loggedsegment"),
            "can_print": bool(figures["letters"]),
            "can_reuse": user.has_perm("segments.add_segment"),
            "email_job": (
                visible_jobs(user)
                .filter(reference=segment_logging.email_reference(logged.pk))
                .first()
            ),
            "can_retry": (
                bool(figures["failed"])
                and not logged.canceled
                and user.has_perm("segments.log_segment")
            ),
        }
        return context


class LoggedSegmentAction(generic.ConfirmActionView):
    model = LoggedSegment

    def get_breadcrumbs(self):
        return [
            self.list_crumb(),
            (_("Logged segment %(no)s") % {"no": self.object.pk}, self.object.get_absolute_url()),
            (str(self.action_label), None),
        ]


class CancelLoggedSegment(LoggedSegmentAction):
    permission_required = "segments.change_loggedsegment"
    action_label = gettext_lazy("Cancel logged segment")
    submit_label = gettext_lazy("Yes, cancel it")

    def question(self):
        logged = self.object
        if logged.canceled:
            return _("Logged segment %(no)s is already canceled.") % {"no": logged.pk}
        interactions = InteractionLogEntry.objects.filter(logged_segment=logged, canceled=False)
        count = interactions.count()
        entries = CampaignEntry.objects.filter(logged_segment=logged, canceled=False).count()
        return " ".join(
            [
                _("Cancel logged segment %(no)s (segment %(segment)s)?")
                % {"no": logged.pk, "segment": logged.segment_no},
                ngettext(
                    "%(n)d campaign entry is canceled",
                    "%(n)d campaign entries are canceled",
                    entries,
                )
                % {"n": entries},
                ngettext(
                    "with %(n)d interaction: it no longer counts in the campaign statistics "
                    "and gives no campaign prices.",
                    "with %(n)d interactions: they no longer count in the campaign statistics "
                    "and give no campaign prices.",
                    count,
                )
                % {"n": count},
            ]
        )

    def perform(self, form):
        logged = self.object
        changed = segment_logging.cancel_logged_segment(
            logged_segment=logged, user=self.request.user
        )
        return ngettext(
            "Logged segment %(no)s canceled: %(n)d interaction canceled.",
            "Logged segment %(no)s canceled: %(n)d interactions canceled.",
            changed,
        ) % {"no": logged.pk, "n": changed}


class RetryFailedEmails(LoggedSegmentAction):
    """Queue again only the e-mails whose attempt failed (each is sent at most once)."""

    permission_required = "segments.log_segment"
    action_label = gettext_lazy("Retry failed e-mails")
    submit_label = gettext_lazy("Retry")

    def failed(self) -> int:
        return segment_logging.unsent_emails(self.object.pk, failed=True).count()

    def question(self):
        return ngettext(
            "Send again the %(n)d e-mail of logged segment %(no)s whose attempt failed?",
            "Send again the %(n)d e-mails of logged segment %(no)s whose attempt failed?",
            self.failed(),
        ) % {"n": self.failed(), "no": self.object.pk}

    def perform(self, form):
        failed = segment_logging.retry_failed_emails(
            logged_segment=self.object, user=self.request.user
        )
        return ngettext(
            "%(n)d failed e-mail queued again.", "%(n)d failed e-mails queued again.", failed
        ) % {"n": failed}


class ReuseLoggedSegment(LoggedSegmentAction):
    """NAV's *Reuse segment*: a new segment with the contacts of this logged
    segment's interactions, added as a criteria action (Go back undoes it)."""

    permission_required = "segments.add_segment"
    action_label = gettext_lazy("Reuse segment")
    submit_label = gettext_lazy("Create the segment")
    new_segment = None

    def question(self):
        contacts = (
            InteractionLogEntry.objects.filter(logged_segment=self.object)
            .order_by()
            .values("contact_id")
            .distinct()
            .count()
        )
        return ngettext(
            "Create a new segment with the %(n)d contact of logged segment %(no)s? "
            "It opens so that you can set its template and log it again.",
            "Create a new segment with the %(n)d contacts of logged segment %(no)s? "
            "It opens so that you can set its template and log it again.",
            contacts,
        ) % {"n": contacts, "no": self.object.pk}

    def perform(self, form):
        logged = self.object
        segment, added = services.reuse_logged_segment(
            logged_segment=logged, user=self.request.user
        )
        self.new_segment = segment
        return ngettext(
            "Segment %(segment)s created with %(n)d contact of logged segment %(no)s.",
            "Segment %(segment)s created with %(n)d contacts of logged segment %(no)s.",
            added,
        ) % {"segment": segment.no, "n": added, "no": logged.pk}

    def get_success_url(self):
        if self.new_segment is not None:
            return self.new_segment.get_absolute_url()
        return super().get_success_url()


def letter(interaction) -> dict:
    """What one printed letter shows: address block, date, subject and body in
    the contact's language, with the placeholders filled in."""
    contact = interaction.contact
    company = contact.company if contact.company_id else None
    subject, body = ("", "")
    if interaction.template_id:
        subject, body = interaction.template.content(contact.language)
    city_line = f"{contact.post_code} {contact.city}".strip()
    address = [company.name if company else "", contact.name, contact.address, city_line]
    address.append(contact.country_code)
    return {
        "interaction": interaction,
        "contact": contact,
        "language": contact.language,
        "address": [line for line in address if line],
        "date": interaction.date,
        "subject": render_placeholders(interaction.subject or subject, contact),
        "body": render_placeholders(body, contact),
    }


class LoggedSegmentLetters(
    generic.ModelPermissionMixin, generic.KeyObjectMixin, generic.PageMixin, DetailView
):
    """The printable letters of the hard-copy interactions (one per page when printed)."""

    model = LoggedSegment
    template_name = "segments/loggedsegment_letters.html"

    def get_title(self):
        return _("Letters of logged segment %(no)s") % {"no": self.object.pk}

    def get_breadcrumbs(self):
        return [
            self.list_crumb(),
            (_("Logged segment %(no)s") % {"no": self.object.pk}, self.object.get_absolute_url()),
            (_("Letters"), None),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        letters = generic.SubList(
            "letters",
            rows=lambda view: InteractionLogEntry.objects.filter(
                logged_segment=view.object,
                correspondence_type=CorrespondenceType.HARD_COPY,
                canceled=False,
            )
            .select_related("contact__company", "contact__salesperson", "template")
            .order_by("id"),
            per_page=LETTERS_PER_PAGE,
        )
        page = letters.page(self)
        context["letters_page"] = page
        context["letters"] = [letter(interaction) for interaction in page]
        return context
