"""Logging a segment (docs/segments.md): interactions, campaign entries, e-mails, follow-up.

One transaction and a fixed number of set-based statements whatever the number
of lines; the e-mails go to the job queue (``core.jobs``) with the commit and
are sent by a worker, each at most once.
"""

import contextlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaigns.models import CampaignEntry, InteractionLogEntry
from campaigns.services import notify_interactions_changed
from contacts.models import CorrespondenceType
from core import audit
from core.arguments import bool_arg, record_arg
from core.concurrency import lock_stored
from core.jobs import start_job
from core.models import AuditAction, Job
from core.placeholders import render_placeholders
from core.sql import column_type, insert_from_select, typed_value
from segments.models import LoggedSegment, Segment, SegmentLine
from segments.services import insert_new_lines, refresh_line_count

# Messages claimed and sent per batch: the statements per job grow with the batches,
# never with the messages; a worker killed outright leaves at most one batch unsent.
EMAIL_BATCH = 100


@dataclass
class LogResult:
    logged_segment: LoggedSegment
    interactions: int
    entries: int
    emails: int
    follow_up: Segment | None
    job: Job | None = None


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
        segment_no=segment.no, description=segment.description, date=today, user=acting
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
        follow_up = Segment.objects.create(
            description=_("Follow-up on segment %(no)s") % {"no": segment.no},
            campaign=segment.campaign,
            salesperson=segment.salesperson,
        )
        insert_new_lines(
            follow_up,
            lines,
            contact=F("contact_id"),
            company=F("contact_company_id"),
            own_salesperson=F("salesperson_id"),
        )
        refresh_line_count(follow_up)

    # The segment leaves the open segments: its lines now live on as interactions.
    line_campaigns = campaign_ids | {segment.campaign_id}
    segment.delete()
    # One refresh of the campaigns' target groups covers the removed lines too.
    notify_interactions_changed(line_campaigns)
    job = None
    if emails:
        # After commit (immediate backend) or with the commit (database queue).
        job = queue_logged_segment_emails(logged=logged, user=acting)
    audit.record(
        acting,
        AuditAction.SEGMENT_LOGGED,
        logged,
        count,
        _("Segment %(no)s; campaign entries: %(entries)d, e-mails: %(emails)d")
        % {"no": segment.no, "entries": len(campaign_ids), "emails": emails},
    )
    return LogResult(
        logged_segment=logged,
        interactions=count,
        entries=len(campaign_ids),
        emails=emails,
        follow_up=follow_up,
        job=job,
    )


def build_email(interaction) -> EmailMessage:
    """The e-mail of one interaction, in its contact's language."""
    contact = interaction.contact
    subject, body = interaction.template.content(contact.language)
    subject = render_placeholders(interaction.subject or subject, contact)
    return EmailMessage(
        subject=subject,
        body=render_placeholders(body, contact),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[contact.email],
    )


EMAIL_KINDS = (Job.Kind.SEGMENT_EMAILS, Job.Kind.SEGMENT_EMAIL_RETRY)


def email_reference(logged_segment_id: int) -> str:
    return f"segments.loggedsegment:{logged_segment_id}"


def unsent_emails(logged_segment_id: int, *, failed: bool):
    """The e-mail interactions of a logged segment whose message has not gone out:
    never attempted (``failed=False``) or attempted and failed (``failed=True``)."""
    return InteractionLogEntry.objects.filter(
        logged_segment_id=logged_segment_id,
        correspondence_type=CorrespondenceType.EMAIL,
        canceled=False,
        email_sent_at__isnull=True,
        attempt_failed=failed,
    )


def queue_logged_segment_emails(*, logged: LoggedSegment, user=None, retry: bool = False):
    """Queue the e-mails of ``logged`` (or, with ``retry``, only those that failed)."""
    record_arg(logged, LoggedSegment, label=_("Logged segment"))
    retry = bool_arg(retry, label=_("Retry"))
    total = unsent_emails(logged.pk, failed=retry).count()
    if retry:
        description = _("Retry the failed e-mails of logged segment %(no)s") % {"no": logged.pk}
    else:
        description = _("E-mails of logged segment %(no)s (segment %(segment)s)") % {
            "no": logged.pk,
            "segment": logged.segment_no,
        }
    return start_job(
        kind=Job.Kind.SEGMENT_EMAIL_RETRY if retry else Job.Kind.SEGMENT_EMAILS,
        user=user,
        description=description,
        total=total,
        params={"logged_segment": logged.pk, "retry": retry},
        reference=email_reference(logged.pk),
        result_url=logged.get_absolute_url(),
    )


@dataclass
class EmailOutcome:
    sent: int
    failed: int


def send_logged_segment_emails(
    logged_segment_id: int, *, retry: bool = False, progress=None
) -> EmailOutcome:
    """Send one e-mail per e-mail interaction of a logged segment, in batches.

    Each batch is claimed (``email_sent_at`` set where still empty: one UPDATE)
    before its messages are handed over, so a job run twice, resumed after a crash
    or racing another worker never sends a message twice. A message that could
    not be sent releases its claim and marks the interaction *attempt failed*
    (one UPDATE per batch); ``retry=True`` sends only those. A worker stopped
    with a signal releases the claims of the batch it has not sent; a worker
    killed outright (SIGKILL, power loss) may leave at most one batch claimed
    but unsent: at most once, never twice.
    """
    selection = unsent_emails(logged_segment_id, failed=retry).order_by("id")
    done_before = 0
    if progress is not None:
        pending = selection.count()
        total = max(progress.job.total, pending)
        done_before = total - pending
        progress(done_before, total)
    outcome = EmailOutcome(sent=0, failed=0)
    connection = get_connection()
    # One open connection for all messages: sending one message at a time on a
    # closed SMTP backend connects and logs in again for every message. When it
    # cannot open, each message's own attempt fails and is marked below.
    with contextlib.suppress(Exception):
        connection.open()
    last_id = 0
    try:
        while True:
            batch = list(
                selection.filter(id__gt=last_id).select_related(
                    "contact__company", "contact__salesperson", "template"
                )[:EMAIL_BATCH]
            )
            if not batch:
                break
            last_id = batch[-1].pk
            _send_batch(connection, batch, outcome)
            if progress is not None:
                progress(done_before + outcome.sent + outcome.failed, progress.job.total)
    finally:
        with contextlib.suppress(Exception):
            connection.close()
    if progress is not None:
        done = done_before + outcome.sent + outcome.failed
        progress(done, max(progress.job.total, done))
    return outcome


def _send_batch(connection, batch, outcome: EmailOutcome) -> None:
    stamp = timezone.now()
    ids = [interaction.pk for interaction in batch]
    claimed = InteractionLogEntry.objects.filter(id__in=ids, email_sent_at__isnull=True).update(
        email_sent_at=stamp, attempt_failed=False
    )
    if claimed < len(ids):  # another run of the job took some meanwhile
        ours = set(
            InteractionLogEntry.objects.filter(id__in=ids, email_sent_at=stamp).values_list(
                "id", flat=True
            )
        )
        batch = [interaction for interaction in batch if interaction.pk in ours]
    failed, handed_over = [], 0
    try:
        for interaction in batch:
            try:
                connection.send_messages([build_email(interaction)])
            except Exception:  # noqa: BLE001 - any transport error marks the attempt failed
                failed.append(interaction.pk)
            handed_over += 1
    except BaseException:
        # The worker is stopping (SystemExit, KeyboardInterrupt): release the claims
        # of the messages not handed over, so that the resumed job sends them.
        unsent = [interaction.pk for interaction in batch[handed_over:]]
        InteractionLogEntry.objects.filter(id__in=unsent).update(email_sent_at=None)
        raise
    finally:
        if failed:
            InteractionLogEntry.objects.filter(id__in=failed).update(
                email_sent_at=None, attempt_failed=True
            )
    outcome.failed += len(failed)
    outcome.sent += len(batch) - len(failed)


def run_email_job(job: Job, progress) -> str:
    """The handler of the e-mail jobs (registered in ``SegmentsConfig.ready``)."""
    outcome = send_logged_segment_emails(
        job.params["logged_segment"], retry=bool(job.params.get("retry")), progress=progress
    )
    if outcome.failed:
        return ngettext(
            "%(n)d e-mail could not be sent; its interaction is marked Attempt failed.",
            "%(n)d e-mails could not be sent; their interactions are marked Attempt failed.",
            outcome.failed,
        ) % {"n": outcome.failed}
    return ""


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


@transaction.atomic
def retry_failed_emails(*, logged_segment: LoggedSegment, user=None) -> int:
    """Queue again only the e-mails of ``logged_segment`` whose attempt failed (each is
    sent at most once); returns how many. Refused for a canceled logged segment, while
    its e-mails are still being sent, and when none failed."""
    record_arg(logged_segment, LoggedSegment)
    logged = lock_stored(logged_segment)
    if logged.canceled:
        raise ValidationError(_("Logged segment %(no)s is canceled.") % {"no": logged.pk})
    running = Job.objects.filter(
        reference=email_reference(logged.pk),
        state__in=[Job.State.QUEUED, Job.State.RUNNING],
    ).exists()
    if running:
        raise ValidationError(
            _("The e-mails of this logged segment are still being sent; wait for that job.")
        )
    failed = unsent_emails(logged.pk, failed=True).count()
    if not failed:
        raise ValidationError(_("No e-mail of this logged segment has failed."))
    queue_logged_segment_emails(logged=logged, user=user, retry=True)
    return failed
