"""What staff do about a contact's consent from the contact card (docs/mailings.md,
Consent on the contact card): record an opt-out, clear one, unblock an address."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.models import Contact
from core import generic_views as generic
from mailings import consent
from mailings.forms import ReasonForm
from mailings.models import OptOutSource


def when(moment) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


class ContactConsentAction(generic.ConfirmActionView):
    model = Contact
    permission_required = "contacts.change_contact"

    def get_success_url(self):
        return self.object.get_absolute_url() + "#email-consent"


class RecordOptOut(ContactConsentAction):
    """Staff record that the contact wants no more marketing e-mail (said by phone, in
    a letter …); source *recorded by staff*."""

    action_label = gettext_lazy("Record opt-out")
    submit_label = gettext_lazy("Record opt-out")

    def question(self):
        active = consent.active_opt_out(self.object.pk)
        if active is not None:
            return _("Contact %(contact)s opted out on %(date)s already.") % {
                "contact": self.object,
                "date": when(active.opted_out_at),
            }
        return _(
            "Record that contact %(contact)s wants no more marketing e-mail? Segments "
            "skip the contact's e-mails until staff clear the opt-out."
        ) % {"contact": self.object}

    def perform(self, form):
        opt_out, created = consent.record_opt_out(
            contact=self.object, source=OptOutSource.STAFF, user=self.request.user
        )
        if not created:
            raise ValidationError(
                _("Contact %(contact)s opted out on %(date)s already.")
                % {"contact": self.object, "date": when(opt_out.opted_out_at)}
            )
        return _("Contact %(contact)s gets no more marketing e-mail.") % {"contact": self.object}


class ClearOptOut(ContactConsentAction):
    """Staff clear the contact's opt-out, with a reason that is kept."""

    action_label = gettext_lazy("Clear opt-out")
    submit_label = gettext_lazy("Clear opt-out")
    form_class = ReasonForm
    refusals_on_form = True

    def question(self):
        active = consent.active_opt_out(self.object.pk)
        if active is None:
            return _("Contact %(contact)s has not opted out.") % {"contact": self.object}
        return _(
            "Contact %(contact)s opted out on %(date)s (%(source)s). Clear the opt-out, so "
            "that the contact gets marketing e-mail again? Only when the contact asked for "
            "it: say why."
        ) % {
            "contact": self.object,
            "date": when(active.opted_out_at),
            "source": active.get_source_display(),
        }

    def perform(self, form):
        consent.clear_opt_out(
            contact=self.object, reason=form.cleaned_data["reason"], user=self.request.user
        )
        return _("The opt-out of contact %(contact)s is cleared.") % {"contact": self.object}


class UnblockAddress(ContactConsentAction):
    """Staff unblock the contact's e-mail address (blocked after a bounce), with a
    reason that is kept."""

    action_label = gettext_lazy("Unblock address")
    submit_label = gettext_lazy("Unblock")
    form_class = ReasonForm
    refusals_on_form = True

    def question(self):
        block = consent.blocked_address(self.object.email)
        if block is None:
            return _("The e-mail address of contact %(contact)s is not blocked.") % {
                "contact": self.object
            }
        return _(
            "The address %(address)s was blocked on %(date)s (%(reason)s). Unblock it, so "
            "that marketing e-mail is sent to it again? Say why, e.g. the contact says the "
            "mailbox works again."
        ) % {
            "address": block.address,
            "date": when(block.blocked_at),
            "reason": block.get_reason_display(),
        }

    def perform(self, form):
        block = consent.unblock_address(
            address=self.object.email, reason=form.cleaned_data["reason"], user=self.request.user
        )
        return _("The address %(address)s is no longer blocked.") % {"address": block.address}
