"""Marketing e-mail (docs/mailings.md): the delivery ledger — one row and one state per
message of a logged segment — the events mail services report about a message, and
the consent records that stop marketing e-mail to a contact or an address."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, InteractionLogEntry
from contacts.models import Contact


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    UNCERTAIN = "uncertain", _("Uncertain")
    SKIPPED = "skipped", _("Skipped")


class SkipReason(models.TextChoices):
    NONE = "", _("—")
    NO_ADDRESS = "no_address", _("No e-mail address")
    OPTED_OUT = "opted_out", _("Opted out of marketing e-mail")
    BOUNCED = "bounced", _("Address bounced")
    CANCELED = "canceled", _("Interaction canceled")


class EmailDeliveryQuerySet(models.QuerySet):
    def of_logged_segment(self, logged_segment_id: int):
        return self.filter(logged_segment_id=logged_segment_id)

    def counts(self) -> dict[str, int]:
        """Messages per state (every state present, zero when none) and ``total``."""
        rows = self.order_by().values_list("state").annotate(n=models.Count("pk"))
        counts = {state: 0 for state in DeliveryState.values}
        counts.update(dict(rows))
        counts["total"] = sum(counts[state] for state in DeliveryState.values)
        counts["done"] = counts["total"] - counts["queued"] - counts["sending"]
        return counts


class EmailDelivery(models.Model):
    """The one message of an e-mail interaction of a logged segment.

    queued → sending → sent | failed | uncertain, or skipped at once. *Sent* is
    written only after the mail server accepted the message; a message left in
    *sending* by a worker that died becomes *uncertain*, never *sent*.
    """

    interaction = models.OneToOneField(
        InteractionLogEntry,
        verbose_name=_("interaction"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="delivery",
    )
    logged_segment = models.ForeignKey(
        "segments.LoggedSegment",
        verbose_name=_("logged segment"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    address = models.CharField(_("e-mail address"), max_length=254, blank=True)
    # The language of the message: the segment's when it had one, else the contact's.
    language = models.CharField(_("language"), max_length=5, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    skip_reason = models.CharField(
        _("reason skipped"), max_length=12, choices=SkipReason.choices, blank=True
    )
    # Stable per interaction, so that a message sent again is recognised downstream.
    message_id = models.CharField(_("Message-ID"), max_length=200, blank=True)
    # The run of the e-mail job that holds the message while it is being sent.
    claim = models.CharField(_("claim"), max_length=40, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    # Who decided what became of an uncertain message (sent again, or marked sent).
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = EmailDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("e-mail delivery")
        verbose_name_plural = _("e-mail deliveries")
        ordering = ["interaction_id"]
        indexes = [
            models.Index(fields=["logged_segment", "state"], name="delivery_segment_state_idx"),
            # The ledger of one logged segment in interaction order, a page at a time
            # (the API's deliveries, docs/api.md): constant time on any page.
            models.Index(
                fields=["logged_segment", "interaction"], name="delivery_segment_order_idx"
            ),
            models.Index(fields=["message_id"], name="delivery_message_id_idx"),
            models.Index(fields=["address"], name="delivery_address_idx"),
        ]

    def __str__(self):
        return f"{self.interaction_id} {self.address} ({self.get_state_display()})"


class DeliveryEventType(models.TextChoices):
    DELIVERED = "delivered", _("Delivered")
    BOUNCED = "bounced", _("Bounced")
    REJECTED = "rejected", _("Rejected")
    COMPLAINED = "complained", _("Complained (spam)")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    DEFERRED = "deferred", _("Deferred")
    OTHER = "other", _("Other")


class DeliveryEvent(models.Model):
    """What a mail service reported about a message (through its webhook)."""

    delivery = models.ForeignKey(
        EmailDelivery,
        verbose_name=_("delivery"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
    )
    address = models.CharField(_("e-mail address"), max_length=254, blank=True)
    event = models.CharField(_("event"), max_length=15, choices=DeliveryEventType.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    description = models.CharField(_("description"), max_length=500, blank=True)
    service_event_id = models.CharField(_("service event ID"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["address"], name="delivery_event_address_idx")]

    def __str__(self):
        return f"{self.address} {self.get_event_display()}"


class OptOutSource(models.TextChoices):
    UNSUBSCRIBE_LINK = "link", _("Unsubscribe link")
    ONE_CLICK = "one_click", _("One-click unsubscribe (mail program)")
    COMPLAINT = "complaint", _("Spam complaint")
    SERVICE = "service", _("Reported by the mail service")
    STAFF = "staff", _("Recorded by staff")


class EmailOptOut(models.Model):
    """A contact's opt-out of marketing e-mail. While it is active (not cleared) the
    contact gets no marketing e-mail; staff clear it only with a recorded reason."""

    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="+"
    )
    opted_out_at = models.DateTimeField(_("opted out at"))
    source = models.CharField(_("source"), max_length=10, choices=OptOutSource.choices)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    interaction = models.ForeignKey(
        InteractionLogEntry,
        verbose_name=_("interaction"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cleared by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    clear_reason = models.CharField(_("reason cleared"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("e-mail opt-out")
        verbose_name_plural = _("e-mail opt-outs")
        ordering = ["-opted_out_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact"],
                condition=Q(cleared_at=None),
                name="one_active_opt_out_per_contact",
            )
        ]

    def __str__(self):
        return f"{self.contact_id} {self.get_source_display()}"


class BlockedAddress(models.Model):
    """An e-mail address that bounced hard or was rejected: skipped from then on."""

    address = models.CharField(_("e-mail address"), max_length=254)
    blocked_at = models.DateTimeField(_("blocked at"))
    reason = models.CharField(
        _("reason"), max_length=15, choices=DeliveryEventType.choices, default="bounced"
    )
    description = models.CharField(_("description"), max_length=500, blank=True)
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cleared by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    clear_reason = models.CharField(_("reason cleared"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("blocked e-mail address")
        verbose_name_plural = _("blocked e-mail addresses")
        ordering = ["-blocked_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["address"],
                condition=Q(cleared_at=None),
                name="one_active_block_per_address",
            )
        ]

    def __str__(self):
        return self.address
