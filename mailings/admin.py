"""Marketing e-mail in the Django admin (docs/mailings.md).

The ledger and the events are read only: only sending and the mail service write
them. Opt-outs and blocked addresses are records of consent: a new one and its
clearing (with a reason) go through the services of ``mailings.consent``, as on the
contact card; they are never edited otherwise nor deleted.
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.admin_base import RecordAdmin
from mailings import consent
from mailings.models import BlockedAddress, DeliveryEvent, EmailDelivery, EmailOptOut


class ReadOnlyAdmin(RecordAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "interaction",
        "logged_segment",
        "address",
        "language",
        "state",
        "skip_reason",
        "attempts",
        "sent_at",
        "message_id",
    ]
    list_filter = ["state", "skip_reason"]
    search_fields = ["address", "message_id"]
    list_select_related = ["interaction", "logged_segment"]
    raw_id_fields = ["interaction", "logged_segment", "decided_by"]
    show_full_result_count = False

    def get_object(self, request, object_id, from_field=None):
        # The key is the interaction's: a number beyond the database's integers is no
        # key (a lookup through a relation does not check the range itself).
        try:
            number = int(str(object_id))
        except ValueError:
            return None
        if not 0 < number < 2**63:
            return None
        return super().get_object(request, object_id, from_field)


@admin.register(DeliveryEvent)
class DeliveryEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "event", "address", "delivery", "description"]
    list_filter = ["event"]
    search_fields = ["address", "service_event_id"]
    list_select_related = ["delivery"]
    raw_id_fields = ["delivery"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False


class ConsentAdmin(RecordAdmin):
    """Add through the service; a change only clears an active record, with a reason."""

    add_fields: list[str] = []

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # A cleared record is history: shown, not changed.
        if obj is not None and obj.cleared_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.add_fields
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        names = [f.name for f in self.model._meta.fields if f.name != "id"]
        return [name for name in names if name != "clear_reason"]

    def clear(self, request, obj):
        raise NotImplementedError

    def add(self, request, obj):
        raise NotImplementedError

    def save_service(self, request, obj, form, change):
        if not change:
            saved = self.add(request, obj)
            obj.pk = saved.pk
            return
        if not (obj.clear_reason or "").strip():
            raise ValidationError(_("Fill in the reason cleared to clear it."))
        self.clear(request, obj)


@admin.register(EmailOptOut)
class EmailOptOutAdmin(ConsentAdmin):
    list_display = ["contact", "opted_out_at", "source", "campaign", "cleared_at", "cleared_by"]
    list_filter = ["source", "opted_out_at", "cleared_at"]
    search_fields = ["contact__no", "contact__name", "clear_reason"]
    list_select_related = ["contact", "campaign", "cleared_by"]
    raw_id_fields = ["contact", "campaign", "interaction", "cleared_by"]
    add_fields = ["contact", "source", "campaign"]

    def add(self, request, obj):
        opt_out, created = consent.record_opt_out(
            contact=obj.contact, source=obj.source, campaign=obj.campaign, user=request.user
        )
        if not created:
            raise ValidationError(
                _("Contact %(contact)s has opted out already.") % {"contact": obj.contact}
            )
        return opt_out

    def clear(self, request, obj):
        consent.clear_opt_out(contact=obj.contact, reason=obj.clear_reason, user=request.user)


@admin.register(BlockedAddress)
class BlockedAddressAdmin(ConsentAdmin):
    list_display = ["address", "blocked_at", "reason", "description", "cleared_at", "cleared_by"]
    list_filter = ["reason", "blocked_at", "cleared_at"]
    search_fields = ["address", "description", "clear_reason"]
    list_select_related = ["cleared_by"]
    raw_id_fields = ["cleared_by"]
    add_fields = ["address", "reason", "description"]

    def add(self, request, obj):
        block, created = consent.block_address(
            address=obj.address, reason=obj.reason, description=obj.description
        )
        if not created:
            raise ValidationError(
                _("The address %(address)s is blocked already.") % {"address": block.address}
            )
        return block

    def clear(self, request, obj):
        consent.unblock_address(address=obj.address, reason=obj.clear_reason, user=request.user)
