"""Consent (docs/mailings.md): opt-outs of marketing e-mail, blocked addresses, and the
responses recipients record themselves through a link in an e-mail."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import InformationFlow, InitiatedBy, InteractionLogEntry
from campaigns.services import notify_interactions_changed
from contacts.models import Contact
from core import audit
from core.arguments import record_arg, text_arg
from core.models import AuditAction
from mailings.models import BlockedAddress, EmailOptOut, OptOutSource


def active_opt_out(contact_id: int) -> EmailOptOut | None:
    return EmailOptOut.objects.filter(contact_id=contact_id, cleared_at=None).first()


@transaction.atomic
def record_opt_out(
    *, contact: Contact, source: str, campaign=None, interaction=None, user=None
) -> tuple[EmailOptOut, bool]:
    """Record that ``contact`` wants no more marketing e-mail; returns the opt-out and
    whether it is new (a second unsubscribe keeps the first record)."""
    record_arg(contact, Contact)
    if source not in OptOutSource.values:
        raise ValidationError(_("Unknown opt-out source."))
    Contact.objects.select_for_update().filter(pk=contact.pk).first()  # one at a time
    existing = active_opt_out(contact.pk)
    if existing is not None:
        return existing, False
    opt_out = EmailOptOut.objects.create(
        contact_id=contact.pk,
        opted_out_at=timezone.now(),
        source=source,
        campaign_id=getattr(campaign, "pk", campaign),
        interaction_id=getattr(interaction, "pk", interaction),
    )
    acting = user if getattr(user, "pk", None) else None
    source = audit.choice(EmailOptOut, "source", opt_out.source)
    audit.record(acting, AuditAction.EMAIL_OPT_OUT, contact, 1, source)
    return opt_out, True


@transaction.atomic
def clear_opt_out(*, contact: Contact, reason: str, user=None) -> EmailOptOut:
    """Staff clear a contact's opt-out; only with a reason, which is kept."""
    record_arg(contact, Contact)
    reason = text_arg(reason, label=_("Reason"), max_length=200)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the opt-out is cleared.")})
    active = EmailOptOut.objects.select_for_update().filter(contact_id=contact.pk, cleared_at=None)
    opt_out = active.first()
    if opt_out is None:
        raise ValidationError(_("Contact %(no)s has not opted out.") % {"no": contact.no})
    acting = user if getattr(user, "pk", None) else None
    opt_out.cleared_at = timezone.now()
    opt_out.cleared_by = acting
    opt_out.clear_reason = reason.strip()
    opt_out.save(update_fields=["cleared_at", "cleared_by", "clear_reason"])
    audit.record(acting, AuditAction.EMAIL_OPT_OUT_CLEARED, contact, 1, opt_out.clear_reason)
    return opt_out


def blocked_address(address: str) -> BlockedAddress | None:
    if not address:
        return None
    return BlockedAddress.objects.filter(address=address.lower(), cleared_at=None).first()


@transaction.atomic
def block_address(
    *, address: str, reason: str, description: str = ""
) -> tuple[BlockedAddress, bool]:
    """Block ``address`` (a hard bounce, a rejection); returns the block and whether
    it is new."""
    address = text_arg(address, label=_("E-mail address"), max_length=254).strip().lower()
    if not address:
        raise ValidationError(_("No e-mail address."))
    existing = (
        BlockedAddress.objects.select_for_update().filter(address=address, cleared_at=None).first()
    )
    if existing is not None:
        return existing, False
    block = BlockedAddress.objects.create(
        address=address, blocked_at=timezone.now(), reason=reason, description=description[:500]
    )
    return block, True


@transaction.atomic
def unblock_address(*, address: str, reason: str, user=None) -> BlockedAddress:
    """Staff unblock an address (it bounced, and the contact says it works again); only
    with a reason, which is kept with who unblocked it and when."""
    address = text_arg(address, label=_("E-mail address"), max_length=254).strip().lower()
    reason = text_arg(reason, label=_("Reason"), key="reason", max_length=200)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the address is unblocked.")})
    block = (
        BlockedAddress.objects.select_for_update().filter(address=address, cleared_at=None).first()
        if address
        else None
    )
    if block is None:
        raise ValidationError(
            _("The address %(address)s is not blocked.") % {"address": address or "–"}
        )
    acting = user if getattr(user, "pk", None) else None
    block.cleared_at = timezone.now()
    block.cleared_by = acting
    block.clear_reason = reason.strip()
    block.save(update_fields=["cleared_at", "cleared_by", "clear_reason"])
    audit.record(acting, AuditAction.EMAIL_ADDRESS_UNBLOCKED, block, 1, block.clear_reason)
    return block


@transaction.atomic
def record_response(*, interaction: InteractionLogEntry) -> tuple[InteractionLogEntry | None, bool]:
    """The recipient of ``interaction``'s e-mail said yes through its response link:
    a *campaign response* interaction for that contact and campaign, once (a second
    click, or a response recorded another way, adds nothing). Returns the response
    and whether it is new; no response without a campaign."""
    record_arg(interaction, InteractionLogEntry)
    if interaction.campaign_id is None or interaction.canceled:
        return None, False
    Contact.objects.select_for_update().filter(pk=interaction.contact_id).first()
    existing = (
        InteractionLogEntry.objects.filter(
            contact_id=interaction.contact_id,
            campaign_id=interaction.campaign_id,
            campaign_response=True,
            canceled=False,
        )
        .order_by("id")
        .first()
    )
    if existing is not None:
        return existing, False
    response = InteractionLogEntry.objects.create(
        contact_id=interaction.contact_id,
        contact_company_id=interaction.contact_company_id,
        date=timezone.localdate(),
        template_id=interaction.template_id,
        description=(_("Response to: %(subject)s") % {"subject": interaction.subject})[:100],
        subject=interaction.subject,
        salesperson_id=interaction.salesperson_id,
        information_flow=InformationFlow.INBOUND,
        initiated_by=InitiatedBy.THEM,
        campaign_id=interaction.campaign_id,
        campaign_entry_id=interaction.campaign_entry_id,
        campaign_response=True,
        segment_no=interaction.segment_no,
    )
    notify_interactions_changed({interaction.campaign_id})
    return response, True
