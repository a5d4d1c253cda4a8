"""The preview of a segment's e-mails before logging and the test e-mail to oneself
(docs/mailings.md, Preview and test send)."""

from urllib.parse import urlencode

from csp.decorators import csp_update
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView

from contacts.models import CorrespondenceType, Language
from core import generic_views as generic
from core.submit_once import hidden_field
from mailings import preview
from mailings.forms import TestEmailForm
from mailings.models import SkipReason
from segments.models import Segment


def preview_url(segment, line_id=None) -> str:
    """The preview page of ``segment``, at line ``line_id`` when given."""
    url = reverse("mailings:segment_email_preview", kwargs={"key": segment.no})
    return f"{url}?{urlencode({'line': line_id})}" if line_id else url


class SegmentPageMixin:
    model = Segment
    queryset = Segment.objects.select_related("campaign", "salesperson")

    def segment_crumbs(self, label):
        return [
            self.list_crumb(),
            (str(self.object), self.object.get_absolute_url()),
            (str(label), None),
        ]


# The HTML body is shown in a sandboxed frame (no scripts, no forms, no navigation) that
# takes the page's policy: an e-mail's inline styles and its images on https work there
# as in a mail program. The page's own markup still has none.
EMAIL_FRAME_POLICY = {"style-src": ["'unsafe-inline'"], "img-src": ["https:"]}


@method_decorator(csp_update(EMAIL_FRAME_POLICY), name="dispatch")
class SegmentEmailPreview(
    generic.ModelPermissionMixin,
    generic.KeyObjectMixin,
    SegmentPageMixin,
    generic.PageMixin,
    DetailView,
):
    """Every line's message as it will be sent, one line at a time, with what the
    segment's lines will become; nothing is recorded."""

    permission_required = "segments.view_segment"
    template_name = "mailings/segment_email_preview.html"

    def get_title(self):
        return _("Preview e-mails – %(segment)s") % {"segment": self.object}

    def get_breadcrumbs(self):
        return self.segment_crumbs(_("Preview e-mails"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        segment = self.object
        selection = preview.select_line(
            segment,
            line_id=self.request.GET.get("line"),
            search=self.request.GET.get("q", ""),
        )
        line = selection.line
        context["selection"] = selection
        context["line"] = line
        if line is not None:
            context["message"] = preview.preview_message(segment, line)
            context["is_email"] = line.correspondence_type == CorrespondenceType.EMAIL
            if line.previous_id:
                context["previous_url"] = preview_url(segment, line.previous_id)
            if line.next_id:
                context["next_url"] = preview_url(segment, line.next_id)
        summary = preview.summary(segment)
        context["summary"] = summary
        languages = dict(Language.choices)
        context["language_rows"] = [
            (languages.get(code, code), count) for code, count in sorted(summary.languages.items())
        ]
        types = dict(CorrespondenceType.choices)
        context["type_rows"] = [
            (types.get(code, code), count)
            for code, count in sorted(summary.correspondence_types.items())
        ]
        reasons = dict(SkipReason.choices)
        context["skip_rows"] = [
            (reasons[reason], summary.skipped[reason])
            for reason in preview.SKIP_REASONS
            if summary.skipped.get(reason)
        ]
        for skipped in summary.skipped_lines:
            skipped.skip_label = reasons.get(skipped.skip, skipped.skip)
        if line is not None:
            message = context["message"]
            context["line_skip_label"] = reasons.get(line.skip, "")
            context["language_label"] = languages.get(message.language, message.language)
            context["requested_language_label"] = languages.get(
                message.requested_language, message.requested_language
            )
        context["preview_url"] = preview_url(segment)
        user = self.request.user
        context["can_send_test"] = user.has_perm("segments.log_segment")
        if context["can_send_test"]:
            context["submit_once_field"] = hidden_field(self.request)
            context["user_email"] = user.email
        return context


class SendTestEmail(SegmentPageMixin, generic.ConfirmActionView):
    """Send the previewed line's message to the user's own address, marked as a test;
    nothing is logged or recorded."""

    permission_required = "segments.log_segment"
    action_label = gettext_lazy("Send a test to me")
    submit_label = gettext_lazy("Send")
    form_class = TestEmailForm
    line = None

    def get_breadcrumbs(self):
        return self.segment_crumbs(self.action_label)

    def get_initial(self):
        return {"line": preview.line_id_of(self.request.GET.get("line"))}

    def question(self):
        address = self.request.user.email
        if not address:
            return _(
                "Your user has no e-mail address, so a test cannot be sent. Ask an "
                "administrator to fill it in."
            )
        return _(
            "Send the e-mail of this line of segment %(segment)s to your own address "
            "%(address)s as a test? Nothing is logged."
        ) % {"segment": self.object.no, "address": address}

    def perform(self, form):
        line_id = form.cleaned_data.get("line")
        selection = preview.select_line(self.object, line_id=line_id)
        self.line = selection.line
        if selection.missing_line:
            self.line = None
            raise ValidationError(_("That line is no longer in the segment."))
        address = preview.send_test_email(
            segment=self.object, line=self.line, user=self.request.user
        )
        return _("Test e-mail sent to %(address)s.") % {"address": address}

    def get_success_url(self):
        return preview_url(self.object, getattr(self.line, "pk", None))
