"""Logging a segment and the logged segments: the log page, the logged segment's card
with its entries and interactions, cancel, retry failed e-mails, reuse, and the
printable letters (docs/segments.md)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import DetailView

from campaigns.models import Campaign, CampaignEntry, InteractionLogEntry
from campaigns.rendering import RenderedContent, merge_context, render_content
from contacts.models import CorrespondenceType
from core import generic_views as generic
from core.pagination import RowCount
from segments import segment_logging, services
from segments.filters import LoggedSegmentFilter
from segments.forms import (
    LogSegmentForm,
)
from segments.models import (
    LoggedSegment,
    Segment,
    SegmentLine,
)
from segments.tables import (
    LoggedInteractionTable,
    LoggedSegmentTable,
)

INTERACTIONS_PER_PAGE = 50
LETTERS_PER_PAGE = 200
CAMPAIGNS_NAMED = 5


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
            queued = result.emails - result.emails_skipped
            parts.append(
                ngettext(
                    "%(n)d e-mail queued for sending",
                    "%(n)d e-mails queued for sending",
                    queued,
                )
                % {"n": queued}
            )
        if result.emails_skipped:
            parts.append(
                ngettext(
                    "%(n)d e-mail skipped (opted out, or the address bounced or is missing)",
                    "%(n)d e-mails skipped (opted out, or the address bounced or is missing)",
                    result.emails_skipped,
                )
                % {"n": result.emails_skipped}
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
            ["segment_no", "description", "language", "date", "user", "created_at", "canceled"],
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
        # (docs/campaigns.md, Campaign entries): it belongs to this logged segment through
        # its interactions.
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


def letter(interaction, *, logged_segment=None) -> dict:
    """What one printed letter shows: address block, date, and the subject and body of
    the template's language version (docs/campaigns.md, Merge fields): in the logged
    segment's language when it has one, else in the contact's. The interaction's own
    subject is used only when that version has none."""
    contact = interaction.contact
    company = contact.company if contact.company_id else None
    segment = logged_segment or interaction.logged_segment
    language = (segment.language if segment is not None else "") or contact.language
    context = merge_context(
        contact=contact,
        salesperson=interaction.salesperson,
        campaign=interaction.campaign,
        segment=segment,
    )
    try:
        content = render_content(
            interaction.template, language, context, fallback_subject=interaction.subject
        )
        error = ""
    except ValidationError as refused:  # a text the checks on saving would have refused
        content, error = RenderedContent(language=language), " ".join(refused.messages)
    city_line = f"{contact.post_code} {contact.city}".strip()
    address = [company.name if company else "", contact.name, contact.address, city_line]
    address.append(contact.country_code)
    return {
        "interaction": interaction,
        "contact": contact,
        "language": content.language or language,
        "address": [line for line in address if line],
        "date": interaction.date,
        "subject": content.subject,
        "body": content.text,
        "error": error,
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
            rows=lambda view: (
                InteractionLogEntry.objects.filter(
                    logged_segment=view.object,
                    correspondence_type=CorrespondenceType.HARD_COPY,
                    canceled=False,
                )
                .select_related("contact__company", "salesperson", "campaign", "template")
                .prefetch_related("template__languages")
                .order_by("id")
            ),
            per_page=LETTERS_PER_PAGE,
        )
        page = letters.page(self)
        context["letters_page"] = page
        context["letters"] = [
            letter(interaction, logged_segment=self.object) for interaction in page
        ]
        return context
