"""manage.py log_segment NO [--send] [--follow-up] [--dry-run] [--json]: log a segment
(docs/segments.md, Logging a segment; docs/operations.md)."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaigns.models import InteractionLogEntry
from core.management.base import OperatorCommand, Report
from core.management.lookups import get_by_code
from segments.models import Segment
from segments.segment_logging import log_segment


class Command(OperatorCommand):
    help = (
        "Log a segment: one interaction per line, campaign entries, optionally the "
        "e-mails (--send) and a follow-up segment (--follow-up)."
    )

    def add_command_arguments(self, parser):
        parser.add_argument("no", help="segment No., e.g. SEG00001")
        parser.add_argument(
            "--send",
            action="store_true",
            help="send the e-mails of the lines with e-mail correspondence (send attachments)",
        )
        parser.add_argument(
            "--follow-up",
            action="store_true",
            dest="follow_up",
            help="create a follow-up segment with the same campaign and contacts",
        )

    def run(self, *, no, send, follow_up, dry_run, **options):
        segment = get_by_code(Segment, "no", no, _("Segment %(code)s does not exist."))
        self.say(
            ngettext(
                "Logging segment %(no)s (%(n)d line)…",
                "Logging segment %(no)s (%(n)d lines)…",
                segment.line_count,
            )
            % {"no": segment.no, "n": segment.line_count}
        )
        # With the immediate job backend the e-mails go out when log_segment's
        # transaction commits, before it returns; else a worker sends them. A dry run's
        # transaction never commits, so nothing is queued or sent.
        result = log_segment(segment=segment, send_attachments=send, create_follow_up=follow_up)
        queued = result.emails - result.emails_skipped if send else 0
        report = Report(
            summary={
                "segment": segment.no,
                "logged_segment": None if dry_run else result.logged_segment.pk,
                "interactions": result.interactions,
                "campaign_entries": result.entries,
                "emails": queued,
                "emails_skipped": result.emails_skipped if send else 0,
                "job": None if dry_run or result.job is None else result.job.pk,
                "follow_up_segment": None if result.follow_up is None else result.follow_up.no,
            }
        )
        lines = report.lines
        if dry_run:
            lines.append(_("Segment %(no)s would be logged.") % {"no": segment.no})
        else:
            lines.append(
                _("Segment %(no)s logged as logged segment %(logged)s.")
                % {"no": segment.no, "logged": result.logged_segment.pk}
            )
        lines.append(
            ngettext(
                "%(n)d interaction created.", "%(n)d interactions created.", result.interactions
            )
            % {"n": result.interactions}
        )
        lines.append(
            ngettext("%(n)d campaign entry.", "%(n)d campaign entries.", result.entries)
            % {"n": result.entries}
        )
        if send:
            self.report_emails(report, result, queued, dry_run)
        if result.follow_up is not None:
            lines.append(
                _("Follow-up segment %(no)s created with %(n)d lines.")
                % {"no": result.follow_up.no, "n": result.follow_up.line_count}
            )
        return report

    def report_emails(self, report, result, queued, dry_run):
        if dry_run:
            report.lines.append(
                ngettext("%(n)d e-mail would be queued.", "%(n)d e-mails would be queued.", queued)
                % {"n": queued}
            )
        else:
            interactions = InteractionLogEntry.objects.filter(logged_segment=result.logged_segment)
            sent = interactions.filter(email_sent_at__isnull=False).count()
            failed = interactions.filter(attempt_failed=True).count()
            report.summary.update(emails_sent=sent, emails_failed=failed)
            if sent or failed or not result.job:
                report.lines.append(
                    ngettext("%(n)d e-mail sent.", "%(n)d e-mails sent.", sent) % {"n": sent}
                )
            else:
                report.lines.append(
                    ngettext(
                        "%(n)d e-mail queued; a worker sends it (job %(job)s).",
                        "%(n)d e-mails queued; a worker sends them (job %(job)s).",
                        queued,
                    )
                    % {"n": queued, "job": result.job.pk}
                )
            if failed:
                report.warnings.append(
                    ngettext(
                        "%(n)d e-mail could not be sent (marked Attempt failed).",
                        "%(n)d e-mails could not be sent (marked Attempt failed).",
                        failed,
                    )
                    % {"n": failed}
                )
        if result.emails_skipped:
            report.lines.append(
                ngettext(
                    "%(n)d e-mail skipped (opted out, or the address bounced or is missing).",
                    "%(n)d e-mails skipped (opted out, or the address bounced or is missing).",
                    result.emails_skipped,
                )
                % {"n": result.emails_skipped}
            )
