"""Write operations on campaigns that are more than a form save."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from campaigns.models import Campaign, CampaignEntry, InteractionLogEntry
from campaigns.signals import (
    campaign_dates_changed,
    campaign_deleting,
    campaign_deletion_summary,
    interactions_changed,
)
from campaigns.statistics import refresh_interaction_days
from contacts.models import Contact
from core import audit
from core.arguments import bool_arg, date_arg, record_arg
from core.bulk_records import lock_rows
from core.concurrency import lock_stored
from core.models import AuditAction
from core.services import delete_record, validate_record, write_record
from salespeople.models import Salesperson


@transaction.atomic
def save_campaign(*, campaign: Campaign, user=None, version: str | None = None) -> Campaign:
    """Create or change ``campaign``.

    Validated here (the model's rules: dates in order, lengths, a selectable
    salesperson …); an existing campaign is locked and checked against ``version``
    (``core.concurrency``), and only the fields that changed are
    written: a copy loaded before an activation cannot clear *activated*. When the
    dates change, ``campaign_dates_changed`` is sent so that the campaign's sales
    prices and line discounts move with them (docs/campaigns.md).
    """
    record_arg(campaign, Campaign, saved=False)
    stored = lock_stored(campaign, version=version)
    validate_record(campaign, stored=stored)
    write_record(campaign, stored=stored, user=user)
    if stored is not None and (
        stored.starting_date != campaign.starting_date or stored.ending_date != campaign.ending_date
    ):
        campaign_dates_changed.send(
            sender=Campaign,
            campaign=campaign,
            old_starting_date=stored.starting_date,
            old_ending_date=stored.ending_date,
        )
    return campaign


@transaction.atomic
def delete_campaign(*, campaign: Campaign, user=None) -> None:
    """Delete ``campaign`` with what belongs to it: its canceled entries and their
    interactions, its campaign prices, discounts and target group (docs/campaigns.md).

    Refused while it has campaign entries or interactions that are not canceled;
    other records that still refer to it (tasks, opportunities, quotes) are named.
    """
    record_arg(campaign, Campaign, label=_("Campaign"))
    campaign = lock_stored(campaign)
    open_entries = CampaignEntry.objects.filter(campaign=campaign, canceled=False).count()
    open_interactions = InteractionLogEntry.objects.filter(
        campaign=campaign, canceled=False
    ).count()
    if open_entries or open_interactions:
        raise ValidationError(
            _(
                "Campaign %(no)s has %(entries)d campaign entries and %(interactions)d "
                "interactions that are not canceled. Cancel them first."
            )
            % {"no": campaign.no, "entries": open_entries, "interactions": open_interactions}
        )
    InteractionLogEntry.objects.filter(campaign=campaign).delete()
    CampaignEntry.objects.filter(campaign=campaign).delete()
    campaign_deleting.send(sender=Campaign, campaign=campaign)
    delete_record(instance=campaign, user=user)


def deletion_summary(campaign: Campaign) -> list[str]:
    """What would be deleted together with ``campaign``, as readable lines."""
    lines = []
    entries = CampaignEntry.objects.filter(campaign=campaign, canceled=True).count()
    if entries:
        lines.append(
            ngettext("%(n)d canceled campaign entry", "%(n)d canceled campaign entries", entries)
            % {"n": entries}
        )
    for _receiver, answer in campaign_deletion_summary.send(sender=Campaign, campaign=campaign):
        lines.extend(answer or [])
    return lines


# Interactions and campaign entries (docs/campaigns.md) ----------------------------


@transaction.atomic
def notify_interactions_changed(campaign_ids) -> None:
    """Every change of a campaign's interactions ends here: their sums per day are made
    again (``InteractionDay``, docs/dashboard.md) and ``interactions_changed`` is sent.

    The campaigns are locked first, in key order, until the caller's transaction ends:
    two users changing interactions of one campaign at once (canceling two entries,
    logging two segments) otherwise both delete and insert its day rows, and the
    second insert breaks the one-row-a-day key or deadlocks (docs/concurrency.md, Lock
    order). Counted after the lock, the sums include the other user's committed change."""
    campaign_ids = {pk for pk in campaign_ids if pk}
    if campaign_ids:
        lock_campaigns(campaign_ids)
        refresh_interaction_days(campaign_ids)
        interactions_changed.send(sender=InteractionLogEntry, campaign_ids=campaign_ids)


def lock_campaigns(campaign_ids) -> None:
    """Lock ``campaign_ids`` in key order for the rest of the transaction, without
    blocking the key checks of rows that refer to them (``FOR NO KEY UPDATE``). Every
    service calls it inside its transaction; called outside one it is harmless (no
    savepoint either way)."""
    with transaction.atomic(savepoint=False):
        lock_rows(Campaign, list(campaign_ids), no_key=True)


def interactions_entry(campaign: Campaign, user=None) -> CampaignEntry:
    """The campaign's entry for single interactions ("Interactions"), made when missing."""
    entry = (
        CampaignEntry.objects.filter(
            campaign=campaign, logged_segment__isnull=True, segment_no="", canceled=False
        )
        .order_by("id")
        .first()
    )
    if entry is None:
        entry = CampaignEntry.objects.create(
            campaign=campaign,
            description=_("Interactions"),
            user=user if getattr(user, "pk", None) else None,
        )
    return entry


@transaction.atomic
def log_interaction(*, interaction: InteractionLogEntry, user=None) -> InteractionLogEntry:
    """Log one interaction for one contact (from its card); with a campaign it joins
    that campaign's "Interactions" entry."""
    record_arg(interaction, InteractionLogEntry, label=_("Interaction"), saved=False)
    if interaction.pk is not None:
        raise ValidationError(_("A logged interaction is not logged again."))
    contact = record_arg(
        getattr(interaction, "contact", None), Contact, label=_("Contact"), key="contact"
    )
    interaction.contact_company_id = contact.company_id or contact.id
    if interaction.campaign_id is None:
        _lock_contact(contact)
        interaction.campaign_target = interaction.campaign_response = False
        interaction.campaign_entry = None
    else:
        # Lock the campaign: two first interactions must not make two entries.
        lock_campaigns({interaction.campaign_id})
        _lock_contact(contact)
        interaction.campaign_entry = interactions_entry(interaction.campaign, user)
    if getattr(user, "pk", None):
        interaction.user = user
    validate_record(interaction)
    write_record(interaction, user=user)
    notify_interactions_changed({interaction.campaign_id})
    return interaction


def _lock_contact(contact) -> None:
    """Hold the contact until the interaction is committed: a user deleting it at the
    same moment waits and then sees the interaction, or deleted it first and this is
    refused (docs/concurrency.md, Lock order)."""
    if not lock_rows(Contact, [contact.pk], no_key=True):
        raise ValidationError(
            {"contact": _("Contact %(no)s was deleted by another user.") % {"no": contact.no}}
        )


@transaction.atomic
def set_entry_canceled(*, entry: CampaignEntry, canceled: bool, user=None) -> int:
    """Cancel (or undo the cancel of) an entry and all its interactions; returns
    the number of interactions changed."""
    record_arg(entry, CampaignEntry, label=_("Campaign entry"))
    canceled = bool_arg(canceled, label=_("Canceled"))
    lock_campaigns({entry.campaign_id})  # the campaign before its entries
    entry = lock_stored(entry)
    CampaignEntry.objects.filter(pk=entry.pk).update(canceled=canceled)
    changed = (
        InteractionLogEntry.objects.filter(campaign_entry=entry)
        .exclude(canceled=canceled)
        .update(canceled=canceled)
    )
    entry.canceled = canceled
    notify_interactions_changed({entry.campaign_id})
    return changed


@transaction.atomic
def delete_campaign_entry(*, entry: CampaignEntry, user=None) -> int:
    """Delete a canceled entry with its interactions; a live entry is refused."""
    record_arg(entry, CampaignEntry, label=_("Campaign entry"))
    lock_campaigns({entry.campaign_id})  # the campaign before its entries
    entry = lock_stored(entry)  # as stored: the caller's copy may hold other values
    if not CampaignEntry.objects.filter(pk=entry.pk, canceled=True).exists():
        raise ValidationError(
            _("Campaign entry %(no)s is not canceled. Cancel it before deleting it.")
            % {"no": entry.pk}
        )
    removed, _detail = InteractionLogEntry.objects.filter(campaign_entry=entry).delete()
    CampaignEntry.objects.filter(pk=entry.pk).delete()
    notify_interactions_changed({entry.campaign_id})
    audit.record(
        user,
        AuditAction.CAMPAIGN_ENTRIES_DELETED,
        entry.campaign,
        1,
        _("Campaign entry %(no)s %(description)s; interaction log entries: %(n)d")
        % {"no": entry.pk, "description": entry.description, "n": removed},
    )
    return removed


@transaction.atomic
def delete_canceled_campaign_entries(
    *, campaign=None, date_from=None, date_to=None, salesperson=None, user=None
) -> int:
    """Delete the canceled entries (and their interactions) that match the filters;
    returns the number of entries deleted. Three statements whatever the count."""
    record_arg(campaign, Campaign, label=_("Campaign"), allow_none=True)
    record_arg(salesperson, Salesperson, label=_("Salesperson"), allow_none=True)
    date_from = date_arg(date_from, label=_("Date from"), allow_none=True)
    date_to = date_arg(date_to, label=_("Date to"), allow_none=True)
    entries = CampaignEntry.objects.canceled_matching(
        campaign=campaign, date_from=date_from, date_to=date_to, salesperson=salesperson
    )
    campaign_ids = set(entries.values_list("campaign_id", flat=True).distinct())
    lock_campaigns(campaign_ids)  # the campaigns before their entries
    _total, removed = InteractionLogEntry.objects.filter(
        campaign_entry__in=entries.values("id")
    ).delete()
    interactions = removed.get(InteractionLogEntry._meta.label, 0)
    _total, detail = CampaignEntry.objects.filter(id__in=entries.values("id")).delete()
    notify_interactions_changed(campaign_ids)
    deleted = detail.get(CampaignEntry._meta.label, 0)
    # Worded in the reader's language when the audit log is read (core.audit).
    filters = [
        audit.message(label, value=value)
        for label, value in (
            (gettext_noop("date from: %(value)s"), date_from),
            (gettext_noop("date to: %(value)s"), date_to),
            (gettext_noop("salesperson: %(value)s"), getattr(salesperson, "code", salesperson)),
        )
        if value
    ]
    filters.append(audit.message(gettext_noop("interaction log entries: %(n)d"), n=interactions))
    detail = audit.message(
        "; ".join(f"%({index})s" for index in range(len(filters))),
        **{str(index): part for index, part in enumerate(filters)},
    )
    audit.record(user, AuditAction.CAMPAIGN_ENTRIES_DELETED, campaign, deleted, detail)
    return deleted
