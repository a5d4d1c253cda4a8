"""Services of marketing e-mail (docs/mailings.md): queueing a logged segment's
messages, and what a user decides about failed and uncertain ones."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from campaigns.models import InteractionLogEntry
from core import audit
from core.arguments import record_arg
from core.concurrency import lock_stored
from core.jobs import start_job
from core.models import AuditAction, Job
from mailings.ledger import create_deliveries
from mailings.models import DeliveryState, EmailDelivery
from segments.models import LoggedSegment


def email_reference(logged_segment_id: int) -> str:
    return f"segments.loggedsegment:{logged_segment_id}"


def email_job(logged_segment_id: int, jobs=None):
    """The latest e-mail job of a logged segment (among ``jobs``, default all)."""
    jobs = Job.objects.all() if jobs is None else jobs
    return jobs.filter(reference=email_reference(logged_segment_id)).first()


def queue_emails(*, logged: LoggedSegment, user=None, retry: bool = False) -> Job:
    """Start the job that sends the queued messages of ``logged``."""
    counts = EmailDelivery.objects.of_logged_segment(logged.pk).counts()
    if retry:
        description = _("Send again e-mails of logged segment %(no)s") % {"no": logged.pk}
    else:
        description = _("E-mails of logged segment %(no)s (segment %(segment)s)") % {
            "no": logged.pk,
            "segment": logged.segment_no,
        }
    return start_job(
        kind=Job.Kind.SEGMENT_EMAIL_RETRY if retry else Job.Kind.SEGMENT_EMAILS,
        user=user,
        description=description,
        total=counts["total"],
        params={"logged_segment": logged.pk},
        reference=email_reference(logged.pk),
        result_url=logged.get_absolute_url(),
    )


@dataclass(frozen=True)
class SendingStarted:
    job: Job | None
    queued: int
    skipped: int


def start_sending(*, logged: LoggedSegment, user=None, language: str = "") -> SendingStarted:
    """Write the ledger of a logged segment just logged and queue its messages
    (inside the logging transaction). No job when every message is skipped."""
    create_deliveries(logged.pk, language=language)
    counts = EmailDelivery.objects.of_logged_segment(logged.pk).counts()
    job = queue_emails(logged=logged, user=user) if counts["queued"] else None
    return SendingStarted(job=job, queued=counts["queued"], skipped=counts["skipped"])


def _lock_for_decision(logged_segment) -> LoggedSegment:
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
    return logged


@transaction.atomic
def retry_failed_emails(*, logged_segment: LoggedSegment, user=None) -> int:
    """Queue again the messages that failed (the server refused them or they never
    left); returns how many. Refused while a job of the logged segment runs."""
    logged = _lock_for_decision(logged_segment)
    failed = EmailDelivery.objects.of_logged_segment(logged.pk).filter(state=DeliveryState.FAILED)
    count = failed.update(state=DeliveryState.QUEUED, claim="", updated_at=timezone.now())
    if not count:
        raise ValidationError(_("No e-mail of this logged segment has failed."))
    InteractionLogEntry.objects.filter(logged_segment=logged, attempt_failed=True).update(
        attempt_failed=False
    )
    queue_emails(logged=logged, user=user, retry=True)
    return count


@transaction.atomic
def resend_uncertain_emails(*, logged_segment: LoggedSegment, user=None) -> int:
    """Send the uncertain messages again (some may then arrive twice: the user was
    warned); returns how many."""
    logged = _lock_for_decision(logged_segment)
    acting = user if getattr(user, "pk", None) else None
    count = (
        EmailDelivery.objects.of_logged_segment(logged.pk)
        .filter(state=DeliveryState.UNCERTAIN)
        .update(state=DeliveryState.QUEUED, claim="", updated_at=timezone.now(), decided_by=acting)
    )
    if not count:
        raise ValidationError(_("No e-mail of this logged segment is uncertain."))
    audit.record(
        acting,
        AuditAction.EMAILS_DECIDED,
        logged,
        count,
        audit.message(gettext_noop("Uncertain e-mails sent again")),
    )
    queue_emails(logged=logged, user=user, retry=True)
    return count


@transaction.atomic
def mark_uncertain_emails_sent(*, logged_segment: LoggedSegment, user=None) -> int:
    """Record the uncertain messages as sent (the user checked they went out)."""
    logged = _lock_for_decision(logged_segment)
    acting = user if getattr(user, "pk", None) else None
    uncertain = EmailDelivery.objects.of_logged_segment(logged.pk).filter(
        state=DeliveryState.UNCERTAIN
    )
    ids = list(uncertain.values_list("pk", flat=True))
    if not ids:
        raise ValidationError(_("No e-mail of this logged segment is uncertain."))
    now = timezone.now()
    EmailDelivery.objects.filter(pk__in=ids).update(
        state=DeliveryState.SENT, sent_at=now, updated_at=now, decided_by=acting
    )
    InteractionLogEntry.objects.filter(pk__in=ids).update(email_sent_at=now)
    audit.record(
        acting,
        AuditAction.EMAILS_DECIDED,
        logged,
        len(ids),
        audit.message(gettext_noop("Uncertain e-mails marked as sent")),
    )
    return len(ids)
