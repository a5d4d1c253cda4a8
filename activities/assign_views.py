"""*Assign activity* from a campaign, a segment, a contact or an opportunity: the form,
the number of tasks it makes, then one set of tasks per contact (docs/activities.md)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from activities import services
from activities.forms import (
    AssignActivityForm,
)
from campaigns.models import Campaign
from contacts.models import Contact
from core import generic_views as generic
from segments.models import Segment


class AssignActivityBase(generic.ConfirmActionView):
    """Activity, start date and salesperson **or** team; then one task per step (and
    per contact). Subclasses set ``model`` and ``source``."""

    permission_required = "activities.assign_activity"
    form_class = AssignActivityForm
    template_name = "activities/assign_activity.html"
    action_label = gettext_lazy("Assign activity")
    submit_label = gettext_lazy("Assign activity")
    source = ""
    confirm_first = False
    refusals_on_form = True

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "source": self.source, "record": self.object}

    def perform(self, form):
        result = services.assign_activity(**form.assign_kwargs(), user=self.request.user)
        return self.result_message(form, result)

    def result_message(self, form, result) -> str:
        data = form.cleaned_data
        assignee = data.get("salesperson") or data.get("team")
        message = ngettext(
            "%(n)d task created for %(who)s from activity %(code)s.",
            "%(n)d tasks created for %(who)s from activity %(code)s.",
            result.tasks,
        ) % {"n": result.tasks, "who": assignee, "code": data["activity"].code}
        if result.contacts > 1:
            message += " " + ngettext("(%(n)d contact)", "(%(n)d contacts)", result.contacts) % {
                "n": result.contacts
            }
        return message


class AssignActivityToCampaign(AssignActivityBase):
    model = Campaign
    source = "campaign"

    def question(self):
        return _(
            "Assign an activity for campaign %(no)s: one task per step, dated by the step's "
            "date formula from the start date."
        ) % {"no": self.object.no}


class AssignActivityToContact(AssignActivityBase):
    model = Contact
    source = "contact"

    def question(self):
        return _("Assign an activity for contact %(contact)s: one task per step.") % {
            "contact": self.object
        }


class AssignActivityToSegment(AssignActivityBase):
    """From a segment: one set of tasks per contact of its lines, after confirmation."""

    model = Segment
    source = "segment"
    confirm_first = True

    def question(self):
        return ngettext(
            "Assign an activity to the %(n)d contact of segment %(no)s: one set of tasks "
            "per contact.",
            "Assign an activity to the %(n)d contacts of segment %(no)s: one set of tasks "
            "per contact.",
            self.object.line_count,
        ) % {"n": self.object.line_count, "no": self.object.no}

    def confirmation(self, form) -> str:
        data = form.cleaned_data
        preview = services.assignment_preview(
            activity=data["activity"], contact_count=self.object.line_count, team=data.get("team")
        )
        return ngettext(
            "Create %(tasks)d task for %(contacts)d contact (%(steps)d steps of activity "
            "%(code)s for %(who)s)?",
            "Create %(tasks)d tasks for %(contacts)d contacts (%(steps)d steps of activity "
            "%(code)s for %(who)s)?",
            preview["tasks"],
        ) % {
            **preview,
            "code": data["activity"].code,
            "who": data.get("salesperson") or data.get("team"),
        }
