"""Logging a segment (docs/segments.md): interactions, campaign entries, follow-up.

One transaction and a fixed number of set-based statements whatever the number
of lines. The e-mail interactions to be sent are handed to the e-mail app
(``segment_logged``), which writes their delivery ledger and queues the job that
sends them (docs/mailings.md).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from campaigns.models import CampaignEntry, InteractionLogEntry
from campaigns.services import notify_interactions_changed
from contacts.models import CorrespondenceType
from core import audit
from core.arguments import bool_arg, record_arg
from core.concurrency import lock_stored
from core.models import AuditAction, Job
from core.sql import column_type, insert_from_select, typed_value
from segments.models import LoggedSegment, Segment, SegmentLine
from segments.services import new_line_values, refresh_line_totals
from segments.signals import segment_logged


@dataclass
class LogResult:
    logged_segment: LoggedSegment
    interactions: int
    entries: int
    emails: int
    follow_up: Segment | None
    job: Job | None = None
    # E-mails not sent: opted out, address blocked or missing (docs/mailings.md).
    emails_skipped: int = 0


def check_segment_can_be_logged(segment: Segment) -> None:
    """Refuse a segment that cannot be logged, naming the problem (docs/segments.md)."""
    if not segment.description.strip():
        raise ValidationError(
            _("Segment %(no)s has no description; fill it in before logging.") % {"no": segment.no}
        )
    lines = SegmentLine.objects.filter(segment=segment)
    if not lines.exists():
        raise ValidationError(_("Segment %(no)s has no lines to log.") % {"no": segment.no})
    missing = lines.filter(interaction_template__isnull=True).select_related("contact").first()
    if missing:
        raise ValidationError(
            _("The line of contact %(contact)s has no interaction template.")
            % {"contact": missing.contact}
        )
    no_address = (
        lines.filter(correspondence_type=CorrespondenceType.EMAIL, contact__email="")
        .select_related("contact")
        .first()
    )
    if no_address:
        raise ValidationError(
            _("Contact %(contact)s has no e-mail address, but its line is to be sent by e-mail.")
            % {"contact": no_address.contact}
        )


@transaction.atomic
def log_segment(
    *, segment: Segment, send_attachments: bool = False, create_follow_up: bool = False, user=None
) -> LogResult:
    record_arg(segment, Segment, label=_("Segment"))
    send_attachments = bool_arg(send_attachments, label=_("Send attachments"))
    create_follow_up = bool_arg(create_follow_up, label=_("Create follow-up segment"))
    locked = Segment.objects.select_for_update().filter(pk=segment.pk).first()
    if locked is None:
        # Logged (and so removed) a moment ago by someone else, or deleted.
        raise ValidationError(
            _("Segment %(no)s no longer exists: it was logged or deleted.") % {"no": segment.no}
        )
    segment = locked
    check_segment_can_be_logged(segment)
    today = timezone.localdate()
    acting = user if getattr(user, "pk", None) else None
    logged = LoggedSegment.objects.create(
        segment_no=segment.no,
        description=segment.description,
        date=today,
        user=acting,
        language=segment.language,
    )
    lines = SegmentLine.objects.filter(segment=segment)

    # One campaign entry per campaign on the lines (reusing the one this segment made).
    # order_by(): the model's ordering would put "id" into the SELECT DISTINCT and
    # fetch one row per line.
    campaign_ids = set(
        lines.exclude(campaign=None).order_by().values_list("campaign_id", flat=True).distinct()
    )
    existing = {
        entry.campaign_id: entry
        for entry in CampaignEntry.objects.filter(
            campaign_id__in=campaign_ids, segment_no=segment.no, canceled=False
        )
    }
    new_entries = [
        CampaignEntry(
            campaign_id=campaign_id,
            description=segment.description,
            date=today,
            user=acting,
            segment_no=segment.no,
            logged_segment=logged,
            salesperson_id=segment.salesperson_id,
        )
        for campaign_id in campaign_ids - set(existing)
    ]
    CampaignEntry.objects.bulk_create(new_entries)
    entry_of_campaign = (
        CampaignEntry.objects.filter(
            campaign_id=OuterRef("campaign_id"), segment_no=segment.no, canceled=False
        )
        .order_by("-id")
        .values("id")[:1]
    )

    entry = InteractionLogEntry
    annotations = {
        "i_contact": F("contact_id"),
        "i_contact_company": F("contact_company_id"),
        "i_date": Coalesce(F("date"), typed_value(entry, "date", today)),
        "i_template": F("interaction_template_id"),
        "i_description": Coalesce(
            F("interaction_template__description"), typed_value(entry, "description", "")
        ),
        "i_subject": F("subject"),
        "i_salesperson": F("salesperson_id"),
        "i_cost": F("cost"),
        "i_duration": F("duration"),
        "i_information_flow": typed_value(entry, "information_flow", segment.information_flow),
        "i_initiated_by": typed_value(entry, "initiated_by", segment.initiated_by),
        "i_campaign": F("campaign_id"),
        "i_campaign_entry": Subquery(
            entry_of_campaign, output_field=column_type(entry, "campaign_entry")
        ),
        "i_campaign_target": F("campaign_target"),
        "i_campaign_response": F("campaign_response"),
        "i_segment_no": typed_value(entry, "segment_no", segment.no),
        "i_logged_segment": typed_value(entry, "logged_segment", logged.pk),
        "i_correspondence_type": F("correspondence_type"),
        "i_evaluation": F("evaluation"),
        "i_attempt_failed": typed_value(entry, "attempt_failed", False),
        "i_canceled": typed_value(entry, "canceled", False),
        "i_postponed": typed_value(entry, "postponed", False),
        "i_user": typed_value(entry, "user", acting.pk if acting else None),
    }
    columns = {
        "contact": "i_contact",
        "contact_company": "i_contact_company",
        "date": "i_date",
        "template": "i_template",
        "description": "i_description",
        "subject": "i_subject",
        "salesperson": "i_salesperson",
        "cost": "i_cost",
        "duration": "i_duration",
        "information_flow": "i_information_flow",
        "initiated_by": "i_initiated_by",
        "campaign": "i_campaign",
        "campaign_entry": "i_campaign_entry",
        "campaign_target": "i_campaign_target",
        "campaign_response": "i_campaign_response",
        "segment_no": "i_segment_no",
        "logged_segment": "i_logged_segment",
        "correspondence_type": "i_correspondence_type",
        "evaluation": "i_evaluation",
        "attempt_failed": "i_attempt_failed",
        "canceled": "i_canceled",
        "postponed": "i_postponed",
        "user": "i_user",
    }
    count = insert_from_select(InteractionLogEntry, columns, lines.annotate(**annotations))

    emails = 0
    if send_attachments:
        emails = InteractionLogEntry.objects.filter(
            logged_segment=logged, correspondence_type=CorrespondenceType.EMAIL
        ).count()
    LoggedSegment.objects.filter(pk=logged.pk).update(line_count=count, emails_queued=emails)
    logged.line_count, logged.emails_queued = count, emails

    follow_up = None
    if create_follow_up:
        follow_up = _create_follow_up(segment, lines)

    # The segment leaves the open segments: its lines now live on as interactions.
    line_campaigns = campaign_ids | {segment.campaign_id}
    segment.delete()
    # One refresh of the campaigns' target groups covers the removed lines too.
    notify_interactions_changed(line_campaigns)
    # The e-mail app writes the delivery ledger and queues the job that sends it:
    # after commit (immediate backend) or with the commit (database queue).
    responses = segment_logged.send(
        sender=LoggedSegment,
        logged_segment=logged,
        user=acting,
        send_emails=bool(emails),
        language=logged.language,
    )
    sending = next((reply for _receiver, reply in responses if reply is not None), None)
    job = getattr(sending, "job", None)
    audit.record(
        acting,
        AuditAction.SEGMENT_LOGGED,
        logged,
        count,
        audit.message(
            gettext_noop("Segment %(no)s; campaign entries: %(entries)d, e-mails: %(emails)d"),
            no=segment.no,
            entries=len(campaign_ids),
            emails=emails,
        ),
    )
    return LogResult(
        logged_segment=logged,
        interactions=count,
        entries=len(campaign_ids),
        emails=emails,
        follow_up=follow_up,
        job=job,
        emails_skipped=getattr(sending, "skipped", 0),
    )


def _create_follow_up(segment: Segment, lines) -> Segment:
    """The follow-up segment (docs/segments.md, Logging a segment): the same contacts,
    salesperson and campaign, and the *campaign target* / *campaign response* flags of
    the header and of every line, which the user may change afterwards. One INSERT …
    SELECT for the lines."""
    follow_up = Segment.objects.create(
        description=_("Follow-up on segment %(no)s") % {"no": segment.no},
        campaign=segment.campaign,
        campaign_target=segment.campaign_target,
        campaign_response=segment.campaign_response,
        salesperson=segment.salesperson,
    )
    values = new_line_values(
        follow_up,
        contact=F("contact_id"),
        company=F("contact_company_id"),
        own_salesperson=F("salesperson_id"),
    )
    # Each line keeps its own campaign and flags, not only the header's.
    values |= {
        "l_campaign": F("campaign_id"),
        "l_campaign_target": F("campaign_target"),
        "l_campaign_response": F("campaign_response"),
    }
    columns = {name.removeprefix("l_"): name for name in values}
    insert_from_select(SegmentLine, columns, lines.annotate(**values))
    refresh_line_totals(follow_up)
    return follow_up


@transaction.atomic
def cancel_logged_segment(*, logged_segment: LoggedSegment, user=None) -> int:
    """Cancel a logged segment: its campaign entries and interactions. Returns the
    number of interactions canceled; a logged segment already canceled is refused
    (two users canceling at once: the second waits for the lock, then is refused)."""
    record_arg(logged_segment, LoggedSegment)
    logged = lock_stored(logged_segment)
    if logged.canceled:
        raise ValidationError(_("Logged segment %(no)s is already canceled.") % {"no": logged.pk})
    LoggedSegment.objects.filter(pk=logged.pk).update(canceled=True)
    CampaignEntry.objects.filter(logged_segment=logged).update(canceled=True)
    changed = InteractionLogEntry.objects.filter(logged_segment=logged).update(canceled=True)
    campaigns = set(
        InteractionLogEntry.objects.filter(logged_segment=logged)
        .order_by()
        .values_list("campaign_id", flat=True)
        .distinct()
    )
    notify_interactions_changed(campaigns)
    logged_segment.canceled = True
    audit.record(user, AuditAction.LOGGED_SEGMENT_CANCELED, logged, changed)
    return changed
