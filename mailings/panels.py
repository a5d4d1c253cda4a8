"""The e-mail panels on the logged segment card, the contact card and the interaction
card, and the segment card's *Preview e-mails* button."""

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.jobs import visible_jobs
from core.panels import CardAction, CardPanel, register_card_action, register_card_panel

SHOWN = 20
# The contact card: the last messages and events, the last opt-outs and blocks cleared.
CONTACT_MESSAGES = 10
CONTACT_CLEARED = 3
INTERACTION_EVENTS = 20


def logged_segment_emails(logged, user):
    from mailings.models import DeliveryState, EmailDelivery
    from mailings.services import email_job

    ledger = EmailDelivery.objects.of_logged_segment(logged.pk)
    counts = ledger.counts()
    if not counts["total"]:
        return {"counts": counts}
    problems = list(
        ledger.filter(
            state__in=[DeliveryState.FAILED, DeliveryState.UNCERTAIN, DeliveryState.SKIPPED]
        )
        .select_related("interaction__contact")
        .order_by("pk")[: SHOWN + 1]
    )
    skipped = dict(
        ledger.filter(state=DeliveryState.SKIPPED)
        .order_by()
        .values_list("skip_reason")
        .annotate(n=Count("pk"))
    )
    job = email_job(logged.pk, visible_jobs(user))
    running = job is not None and not job.is_finished
    may_decide = user.has_perm("segments.log_segment") and not logged.canceled and not running
    return {
        "logged": logged,
        "counts": counts,
        "skipped_reasons": skipped,
        "problems": problems[:SHOWN],
        "more_problems": len(problems) > SHOWN,
        "email_job": job,
        "can_retry": may_decide and counts["failed"] > 0,
        "can_decide_uncertain": may_decide and counts["uncertain"] > 0,
    }


def contact_consent(contact, user):
    """A contact's e-mail consent in four queries: its opt-outs (the active one first,
    then the last cleared), the blocks of its address, its last messages and the last
    events about them or its address."""
    from mailings.models import BlockedAddress, DeliveryEvent, EmailDelivery, EmailOptOut

    address = (contact.email or "").lower()
    opt_outs = list(
        EmailOptOut.objects.filter(contact_id=contact.pk)
        .select_related("campaign", "cleared_by")
        .order_by(F("cleared_at").desc(nulls_first=True), "-id")[: CONTACT_CLEARED + 1]
    )
    active = opt_outs[0] if opt_outs and opt_outs[0].cleared_at is None else None
    blocks = (
        list(
            BlockedAddress.objects.filter(address=address)
            .select_related("cleared_by")
            .order_by(F("cleared_at").desc(nulls_first=True), "-id")[: CONTACT_CLEARED + 1]
        )
        if address
        else []
    )
    block = blocks[0] if blocks and blocks[0].cleared_at is None else None
    messages = list(
        EmailDelivery.objects.filter(interaction__contact_id=contact.pk)
        .select_related("interaction")
        .order_by("-interaction_id")[:CONTACT_MESSAGES]
    )
    about_contact = Q(delivery__interaction__contact_id=contact.pk)
    if address:
        about_contact |= Q(address=address)
    events = list(
        DeliveryEvent.objects.filter(about_contact).order_by("-occurred_at", "-id")[
            :CONTACT_MESSAGES
        ]
    )
    may_change = user.has_perm("contacts.change_contact")
    return {
        "contact": contact,
        "opt_out": active,
        "cleared_opt_outs": [o for o in opt_outs if o.cleared_at is not None][:CONTACT_CLEARED],
        "block": block,
        "cleared_blocks": [b for b in blocks if b.cleared_at is not None][:CONTACT_CLEARED],
        "messages": messages,
        "events": events,
        "can_record_opt_out": may_change and active is None,
        "can_clear_opt_out": may_change and active is not None,
        "can_unblock": may_change and block is not None,
    }


def interaction_delivery(entry):
    """The e-mail of an interaction of a logged segment and what the mail service
    reported about it (two queries; nothing when it had no e-mail)."""
    from mailings.models import DeliveryEvent, EmailDelivery

    delivery = EmailDelivery.objects.select_related("decided_by").filter(pk=entry.pk).first()
    events = (
        list(DeliveryEvent.objects.filter(delivery_id=entry.pk)[:INTERACTION_EVENTS])
        if delivery is not None
        else []
    )
    return {"delivery": delivery, "events": events, "interaction": entry}


def _preview_url(segment):
    return reverse("mailings:segment_email_preview", kwargs={"key": segment.no})


def register():
    register_card_panel(
        "segments.loggedsegment",
        CardPanel(
            title=_("E-mail delivery"),
            template="mailings/partials/logged_segment_panel.html",
            permission="segments.view_loggedsegment",
            get_context=logged_segment_emails,
            with_user=True,
            placement="top",
            order=10,
        ),
    )
    register_card_panel(
        "contacts.contact",
        CardPanel(
            title=_("Marketing e-mail"),
            template="mailings/partials/contact_consent_panel.html",
            permission="contacts.view_contact",
            get_context=contact_consent,
            with_user=True,
            order=5,
        ),
    )
    register_card_panel(
        "campaigns.interactionlogentry",
        CardPanel(
            title=_("E-mail"),
            template="mailings/partials/interaction_delivery_panel.html",
            permission="campaigns.view_interactionlogentry",
            get_context=interaction_delivery,
            placement="top",
            order=10,
        ),
    )
    register_card_action(
        "segments.segment",
        CardAction(
            label=_("Preview e-mails"),
            group="process",
            permission="segments.view_segment",
            url=_preview_url,
            icon="envelope-open",
            order=20,
        ),
    )
