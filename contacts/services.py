"""Write operations on contacts and customers that are more than a form save."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from contacts.codes import CODE_GROUPS
from contacts.models import (
    CUSTOMER_RELATION,
    BusinessRelation,
    Contact,
    ContactBusinessRelation,
    ContactType,
    Customer,
    CustomerDiscountGroup,
    CustomerPriceGroup,
)
from contacts.signals import (
    contacts_deleted,
    contacts_deleting,
    customer_created_from_contact,
    customer_deleting,
)
from core import audit
from core.arguments import m2m_arg, record_arg
from core.bulk_records import delete_set, lock_rows, selected_ids, selection_arg, write_history
from core.concurrency import lock_stored
from core.models import AuditAction
from core.services import delete_record, validate_record, write_record
from salespeople.models import Salesperson

# Fields a new person takes from its company when left blank (as NAV does).
INHERITED_FROM_COMPANY = ["address", "post_code", "city", "country_code", "phone", "salesperson"]


@transaction.atomic
def save_contact(*, contact: Contact, user=None, version: str | None = None, m2m=None) -> Contact:
    """Create or change a contact (validated here); a company belongs to no company, a
    new person fills blank address fields from its company. ``m2m``: the
    classification codes to set, ``{field name: codes}``; an existing contact is
    checked against ``version`` (``core.concurrency``) and only what changed is written.
    """
    record_arg(contact, Contact, saved=False)
    m2m = m2m_arg(Contact, m2m)
    stored = lock_stored(contact, version=version, m2m=m2m)
    if contact.type == ContactType.COMPANY:
        contact.company = None
    elif contact.pk is None and contact.company_id:
        company = contact.company
        for field in INHERITED_FROM_COMPANY:
            if not getattr(contact, field):
                setattr(contact, field, getattr(company, field))
    _check_codes(contact, m2m)
    validate_record(contact, stored=stored)
    try:
        write_record(contact, stored=stored, user=user)
    except ValidationError as error:
        # Two saves racing with one external id: the unique constraint refused the
        # second, which now sees the first (docs/api.md, Bulk upsert and external ids).
        if getattr(error, "code", None) == "integrity" and contact.external_id:
            owner = external_id_owner(contact.external_id, exclude_pk=contact.pk)
            if owner is not None:
                raise ValidationError(
                    {"external_id": external_id_taken(contact.external_id, owner)}
                ) from None
        raise
    for name, codes in m2m.items():
        getattr(contact, name).set(codes)
    return contact


def external_id_owner(external_id: str, *, exclude_pk=None) -> str | None:
    """The No. of the contact (other than ``exclude_pk``) with ``external_id``, if any."""
    if not isinstance(external_id, str) or not external_id or "\x00" in external_id:
        return None  # nothing to look for; a NUL is validate_record's error
    others = Contact.objects.filter(external_id=external_id)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    return others.values_list("no", flat=True).first()


def external_id_taken(external_id: str, owner_no: str) -> str:
    return _("External ID %(external_id)s is already used by contact %(no)s.") % {
        "external_id": external_id,
        "no": owner_no,
    }


# Classification codes and the type of contact they apply to (docs/contacts.md).
COMPANY_ONLY = tuple(g.name for g in CODE_GROUPS if g.applies_to == ContactType.COMPANY)
PERSON_ONLY = tuple(g.name for g in CODE_GROUPS if g.applies_to == ContactType.PERSON)


def _check_codes(contact: Contact, m2m: dict) -> None:
    wrong = PERSON_ONLY if contact.type == ContactType.COMPANY else COMPANY_ONLY
    errors = {
        name: _("This code does not apply to this type of contact.")
        for name in wrong
        if m2m.get(name)
    }
    if contact.type == ContactType.PERSON and contact.pk and contact.persons.exists():
        errors["type"] = _("This company has persons; it cannot become a person.")
    # A field error, not the constraint's message about the whole record.
    owner = external_id_owner(contact.external_id, exclude_pk=contact.pk)
    if owner is not None:
        errors["external_id"] = external_id_taken(contact.external_id, owner)
    if contact.company_id and contact.company_id == contact.pk:
        errors["company"] = _("A contact cannot be its own company.")
    elif contact.company_id:
        company = Contact.objects.filter(pk=contact.company_id).values_list("type", "no").first()
        if company is not None and company[0] != ContactType.COMPANY:
            errors["company"] = _("Contact %(no)s is not a company.") % {"no": company[1]}
    if errors:
        raise ValidationError(errors)


def customer_relation() -> BusinessRelation:
    relation, _created = BusinessRelation.objects.get_or_create(
        code=CUSTOMER_RELATION, defaults={"description": "Customer"}
    )
    return relation


@transaction.atomic
def create_customer_from_contact(
    *, contact: Contact, user=None, price_group=None, discount_group=None
) -> Customer:
    """NAV's *Create as customer*: a customer linked to company ``contact`` through CUST."""
    record_arg(contact, Contact, label=_("Contact"))
    record_arg(price_group, CustomerPriceGroup, label=_("Customer price group"), allow_none=True)
    discount_label = _("Customer discount group")
    record_arg(discount_group, CustomerDiscountGroup, label=discount_label, allow_none=True)
    contact = lock_stored(contact)
    if contact.type != ContactType.COMPANY:
        raise ValidationError(
            _("Only a company contact can become a customer; %(contact)s is a person.")
            % {"contact": contact}
        )
    existing = Customer.objects.filter(contact=contact).first()
    if existing:
        raise ValidationError(
            _("Contact %(contact)s is already customer %(customer)s.")
            % {"contact": contact, "customer": existing.no}
        )
    customer = Customer.objects.create(
        name=contact.name,
        salesperson=contact.salesperson,
        price_group=price_group,
        discount_group=discount_group,
        contact=contact,
    )
    ContactBusinessRelation.objects.get_or_create(
        contact=contact, business_relation=customer_relation()
    )
    customer_created_from_contact.send(sender=Customer, customer=customer, contact=contact)
    return customer


@transaction.atomic
def delete_customer(*, customer: Customer, user=None) -> None:
    """Delete ``customer`` and its CUST relation; campaign targets turn back into contacts.
    A customer with sales quotes is refused (the quotes are named)."""
    record_arg(customer, Customer, label=_("Customer"))
    customer = lock_stored(customer)
    contact = customer.contact
    if contact is not None:
        customer_deleting.send(sender=Customer, customer=customer, contact=contact)
        ContactBusinessRelation.objects.filter(
            contact=contact, business_relation__code=CUSTOMER_RELATION
        ).delete()
    delete_record(instance=customer, user=user)


# Bulk actions on the rows of the contact and customer lists (docs/contacts.md, Bulk
# actions): a fixed number of statements however many records are selected.
BULK_DELETE_LIMIT = 10_000


@transaction.atomic
def delete_contact(*, contact: Contact, user=None) -> None:
    """Delete ``contact`` (its card's or the admin's *Delete*): refused, naming them,
    when it is still used; its classification codes, segment lines and opt-outs go
    with it, and the segments that lose a line are counted again (``contacts_deleted``,
    docs/segments.md, Totals)."""
    record_arg(contact, Contact, label=_("Contact"))
    contacts_deleting.send(sender=Contact, ids=[contact.pk])
    delete_record(instance=contact, user=user)
    contacts_deleted.send(sender=Contact, count=1)


@transaction.atomic
def assign_salesperson(*, records, salesperson=None, user=None) -> int:
    """Give every contact (or customer) of ``records`` (a selection: a query set)
    ``salesperson`` (``None``: no salesperson) in one ``UPDATE``, with a change-history
    row per record changed and one audit entry. A blocked salesperson cannot be chosen
    (as on the contact card). Returns the number of records changed; those that already
    had the salesperson are left alone."""
    rows = selection_arg(records, (Contact, Customer), label=_("Records"))
    salesperson = record_arg(
        salesperson, Salesperson, label=_("Salesperson"), key="salesperson", allow_none=True
    )
    if salesperson is not None:
        salesperson = Salesperson.objects.filter(pk=salesperson.pk).first()
        if salesperson is None:
            raise ValidationError({"salesperson": _("This salesperson no longer exists.")})
        if salesperson.blocked:
            raise ValidationError(
                {
                    "salesperson": _("Salesperson %(record)s is blocked; it cannot be chosen.")
                    % {"record": salesperson}
                }
            )
        changing = rows.exclude(salesperson=salesperson)
    else:
        changing = rows.filter(salesperson__isnull=False)
    model = rows.model
    # Lock the records to change first (one statement, in key order): the same action
    # on the same records at the same moment waits here, and what still needs the
    # salesperson is read after it, so history, update and audit count only those.
    if not lock_rows(model, changing.values("pk")):
        return 0
    # Read the selection before the UPDATE changes what it selects (a list filtered by
    # the old salesperson): the history rows first, then the update of the same rows.
    write_history(changing, history_type="~", user=user, values={"salesperson": salesperson})
    changed = model._base_manager.filter(pk__in=changing.values("pk")).update(
        salesperson=salesperson
    )
    if not changed:
        return 0
    audit.record(
        user,
        AuditAction.SALESPERSON_ASSIGNED,
        None,
        changed,
        audit.message(
            gettext_noop("%(things)s: salesperson %(salesperson)s"),
            things=audit.model_name(model, plural=True),
            salesperson=salesperson.code if salesperson else "-",
        ),
    )
    return changed


@transaction.atomic
def delete_contacts(*, contacts, user=None) -> int:
    """Delete the contacts of ``contacts`` (a selection) as deleting each on its card
    would, all or nothing: refused, naming them, when any is still used (a customer,
    interactions, quotes, tasks, opportunities, persons of a company not deleted with
    it); their classification codes, segment lines and opt-outs go with them. At most
    ``BULK_DELETE_LIMIT`` at once. Returns the number deleted."""
    rows = selection_arg(contacts, (Contact,), label=_("Contacts"))
    ids = selected_ids(rows, limit=BULK_DELETE_LIMIT)
    if not ids:
        return 0
    contacts_deleting.send(sender=Contact, ids=ids)
    deleted = delete_set(Contact, ids, user=user)
    if not deleted:  # deleted meanwhile by another user
        return 0
    contacts_deleted.send(sender=Contact, count=deleted)
    audit.record(
        user,
        AuditAction.RECORDS_DELETED,
        None,
        deleted,
        audit.model_name(Contact, plural=True),
    )
    return deleted
