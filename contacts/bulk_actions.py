"""The bulk actions of the contact and customer lists (docs/contacts.md, Bulk actions):
assign a salesperson, delete, export the selection. Each calls a service of
``contacts.services``; *Add to segment* comes from the segments app."""

from django import forms
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from contacts import services
from core.generic_views.bulk import BulkAction, export_actions
from salespeople.models import Salesperson


class AssignSalespersonForm(forms.Form):
    salesperson = forms.ModelChoiceField(
        label=capfirst(gettext_lazy("salesperson")),
        queryset=Salesperson.objects.selectable().order_by("code"),
        to_field_name="code",
    )


def _count(n: int) -> str:
    return number_format(n, force_grouping=True)


def _assign_question(selection, data):
    salesperson = data.get("salesperson")
    if salesperson is None:
        return _("Choose the salesperson for %(selection)s.") % {"selection": selection.describe()}
    return _("Give %(selection)s salesperson %(salesperson)s?") % {
        "selection": selection.describe(),
        "salesperson": f"{salesperson.code} ({salesperson.name})",
    }


def _assign(*, selection, data, user):
    salesperson = data["salesperson"]
    changed = services.assign_salesperson(
        records=selection.queryset, salesperson=salesperson, user=user
    )
    message = ngettext(
        "%(n)s record now has salesperson %(code)s.",
        "%(n)s records now have salesperson %(code)s.",
        changed,
    ) % {"n": _count(changed), "code": salesperson.code}
    unchanged = selection.count - changed
    if unchanged > 0:
        message += " " + ngettext("%(n)s already had it.", "%(n)s already had it.", unchanged) % {
            "n": _count(unchanged)
        }
    return message


def assign_salesperson_action(model) -> BulkAction:
    meta = model._meta
    return BulkAction(
        name="assign_salesperson",
        label=gettext_lazy("Assign salesperson"),
        permission=f"{meta.app_label}.change_{meta.model_name}",
        run=_assign,
        question=_assign_question,
        form_class=AssignSalespersonForm,
        icon="bi-person-badge",
        submit_label=gettext_lazy("Assign salesperson"),
        order=20,
    )


def _delete_question(selection, data):
    return _(
        "Delete %(selection)s? Their classification codes, segment lines and e-mail "
        "opt-outs are deleted with them. When one of them is still in use (a customer, "
        "interactions, quotes, tasks, opportunities, persons of a company), nothing is "
        "deleted."
    ) % {"selection": selection.describe()}


def _delete(*, selection, data, user):
    deleted = services.delete_contacts(contacts=selection.queryset, user=user)
    return ngettext("%(n)s contact deleted.", "%(n)s contacts deleted.", deleted) % {
        "n": _count(deleted)
    }


def contact_actions(model) -> list[BulkAction]:
    return [
        assign_salesperson_action(model),
        BulkAction(
            name="delete",
            label=gettext_lazy("Delete"),
            permission="contacts.delete_contact",
            run=_delete,
            question=_delete_question,
            icon="bi-trash",
            danger=True,
            submit_label=gettext_lazy("Delete"),
            order=80,
        ),
        *export_actions(model),
    ]


def customer_actions(model) -> list[BulkAction]:
    return [assign_salesperson_action(model), *export_actions(model)]
