"""*Add to segment*, a bulk action of the contact list (docs/segments.md, Contacts
picked on the contact list): the selected contacts are added to a segment as a
criteria action, which the segment's *Go back* undoes like any other Add contacts."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from contacts.models import Contact
from core.generic_views.bulk import BulkAction, register_bulk_action
from segments import services
from segments.models import Segment


class AddToSegmentForm(forms.Form):
    segment = forms.ModelChoiceField(
        label=capfirst(gettext_lazy("segment")),
        queryset=Segment.objects.order_by("-no"),
        to_field_name="no",
    )
    expand_companies = forms.BooleanField(
        label=gettext_lazy("Expand companies"),
        required=False,
        help_text=gettext_lazy("Also add the persons of each company selected."),
    )
    ignore_exclusion = forms.BooleanField(
        label=gettext_lazy("Ignore exclusion"),
        required=False,
        help_text=gettext_lazy("Also add contacts marked Exclude from segments."),
    )


def selection_filters(selection) -> dict:
    """The criteria of the selection: the contacts' Nos. when picked one by one, else
    the contact list's filter (evaluated again when the action runs)."""
    if selection.all_matching:
        return {"contact_list": selection.query_string}
    return {"contacts": list(selection.queryset.order_by("no").values_list("no", flat=True))}


def _question(selection, data):
    segment = data.get("segment")
    if segment is None:
        return _("Add %(selection)s to a segment: choose the segment.") % {
            "selection": selection.describe()
        }
    return _("Add %(selection)s to segment %(no)s (%(description)s)?") % {
        "selection": selection.describe(),
        "no": segment.no,
        "description": segment.description or "-",
    }


def _run(*, selection, data, user):
    segment = data["segment"]
    result = services.add_contacts(
        segment=segment,
        filters=selection_filters(selection),
        expand_companies=data.get("expand_companies", False),
        allow_related_companies=True,  # picked by the user: keep each one picked
        ignore_exclusion=data.get("ignore_exclusion", False),
        user=user,
    )
    message = ngettext(
        "%(n)d contact added to segment %(no)s.",
        "%(n)d contacts added to segment %(no)s.",
        result.added,
    ) % {"n": result.added, "no": segment.no}
    skipped = selection.count - result.added
    if skipped > 0 and not data.get("expand_companies"):
        message += " " + ngettext(
            "%(n)d was skipped (already in the segment, or excluded from segments).",
            "%(n)d were skipped (already in the segment, or excluded from segments).",
            skipped,
        ) % {"n": skipped}
    return message


ADD_TO_SEGMENT = BulkAction(
    name="add_to_segment",
    label=gettext_lazy("Add to segment"),
    permission="segments.change_segment",
    run=_run,
    question=_question,
    form_class=AddToSegmentForm,
    icon="bi-people",
    submit_label=gettext_lazy("Add to segment"),
    order=10,
)


def register():
    register_bulk_action(Contact, ADD_TO_SEGMENT)
    connect()


def _contacts_deleting(sender, ids, **kwargs):
    services.lock_segments_holding(ids)


def _contacts_deleted(sender, **kwargs):
    services.refresh_stale_line_totals()


def connect():
    from contacts.signals import contacts_deleted, contacts_deleting

    contacts_deleting.connect(_contacts_deleting, dispatch_uid="segments.contacts_deleting")
    contacts_deleted.connect(_contacts_deleted, dispatch_uid="segments.contacts_deleted")
