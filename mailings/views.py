"""What a user decides about a logged segment's failed and uncertain e-mails."""

from django.utils.translation import gettext_lazy, ngettext

from mailings import services
from mailings.models import DeliveryState, EmailDelivery
from segments.log_views import LoggedSegmentAction


class EmailDecision(LoggedSegmentAction):
    permission_required = "segments.log_segment"
    state = ""

    def count(self) -> int:
        return (
            EmailDelivery.objects.of_logged_segment(self.object.pk).filter(state=self.state).count()
        )


class RetryFailedEmails(EmailDecision):
    """Queue again the messages that failed (the server refused them or they never left)."""

    state = DeliveryState.FAILED
    action_label = gettext_lazy("Retry failed e-mails")
    submit_label = gettext_lazy("Retry")

    def question(self):
        return ngettext(
            "Send again the %(n)d e-mail of logged segment %(no)s whose attempt failed?",
            "Send again the %(n)d e-mails of logged segment %(no)s whose attempt failed?",
            self.count(),
        ) % {"n": self.count(), "no": self.object.pk}

    def perform(self, form):
        count = services.retry_failed_emails(logged_segment=self.object, user=self.request.user)
        return ngettext(
            "%(n)d failed e-mail queued again.", "%(n)d failed e-mails queued again.", count
        ) % {"n": count}


class ResendUncertainEmails(EmailDecision):
    """Send the uncertain messages again: some of them may arrive twice."""

    state = DeliveryState.UNCERTAIN
    action_label = gettext_lazy("Send uncertain e-mails again")
    submit_label = gettext_lazy("Send again")

    def question(self):
        return ngettext(
            "%(n)d e-mail of logged segment %(no)s may or may not have gone out when its "
            "worker stopped. Send it again? If it did go out, the contact gets it twice.",
            "%(n)d e-mails of logged segment %(no)s may or may not have gone out when their "
            "worker stopped. Send them again? Those that did go out arrive twice.",
            self.count(),
        ) % {"n": self.count(), "no": self.object.pk}

    def perform(self, form):
        count = services.resend_uncertain_emails(logged_segment=self.object, user=self.request.user)
        return ngettext(
            "%(n)d uncertain e-mail queued again.", "%(n)d uncertain e-mails queued again.", count
        ) % {"n": count}


class MarkUncertainEmailsSent(EmailDecision):
    """Record the uncertain messages as sent (e.g. the mail server's log shows them)."""

    state = DeliveryState.UNCERTAIN
    action_label = gettext_lazy("Mark uncertain e-mails as sent")
    submit_label = gettext_lazy("Mark as sent")

    def question(self):
        return ngettext(
            "Record the %(n)d uncertain e-mail of logged segment %(no)s as sent? "
            "It will not be sent again.",
            "Record the %(n)d uncertain e-mails of logged segment %(no)s as sent? "
            "They will not be sent again.",
            self.count(),
        ) % {"n": self.count(), "no": self.object.pk}

    def perform(self, form):
        count = services.mark_uncertain_emails_sent(
            logged_segment=self.object, user=self.request.user
        )
        return ngettext(
            "%(n)d uncertain e-mail marked as sent.",
            "%(n)d uncertain e-mails marked as sent.",
            count,
        ) % {"n": count}
