"""manage.py log_segment NO [--send] [--follow-up]: log a segment (docs/segments.md,
Logging a segment; docs/operations.md)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaigns.models import InteractionLogEntry
from segments.models import Segment
from segments.segment_logging import log_segment


class Command(BaseCommand):
    help = (
        "Log a segment: one interaction per line, campaign entries, optionally the "
        "e-mails (--send) and a follow-up segment (--follow-up)."
    )

    def add_arguments(self, parser):
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

    def handle(self, *args, no, send, follow_up, **options):
        verbosity = options["verbosity"]
        segment = Segment.objects.filter(no=no.strip().upper()).first()
        if segment is None:
            raise CommandError(_("Segment %(no)s does not exist.") % {"no": no})
        if verbosity >= 2:
            self.stdout.write(
                ngettext(
                    "Logging segment %(no)s (%(n)d line)…",
                    "Logging segment %(no)s (%(n)d lines)…",
                    segment.line_count,
                )
                % {"no": segment.no, "n": segment.line_count}
            )
        try:
            # With the immediate job backend the e-mails go out when log_segment's
            # transaction commits, before it returns; else a worker sends them.
            result = log_segment(segment=segment, send_attachments=send, create_follow_up=follow_up)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if not verbosity:
            return
        logged = result.logged_segment
        self.stdout.write(
            _("Segment %(no)s logged as logged segment %(logged)s.")
            % {"no": logged.segment_no, "logged": logged.pk}
        )
        self.stdout.write(
            ngettext(
                "%(n)d interaction created.", "%(n)d interactions created.", result.interactions
            )
            % {"n": result.interactions}
        )
        self.stdout.write(
            ngettext(
                "%(n)d campaign entry.",
                "%(n)d campaign entries.",
                result.entries,
            )
            % {"n": result.entries}
        )
        if send:
            self.report_emails(result)
        if result.follow_up is not None:
            self.stdout.write(
                _("Follow-up segment %(no)s created with %(n)d lines.")
                % {"no": result.follow_up.no, "n": result.follow_up.line_count}
            )

    def report_emails(self, result):
        interactions = InteractionLogEntry.objects.filter(logged_segment=result.logged_segment)
        sent = interactions.filter(email_sent_at__isnull=False).count()
        failed = interactions.filter(attempt_failed=True).count()
        if sent or failed or not result.job:
            self.stdout.write(
                ngettext("%(n)d e-mail sent.", "%(n)d e-mails sent.", sent) % {"n": sent}
            )
        else:
            queued = result.emails - result.emails_skipped
            self.stdout.write(
                ngettext(
                    "%(n)d e-mail queued; a worker sends it (job %(job)s).",
                    "%(n)d e-mails queued; a worker sends them (job %(job)s).",
                    queued,
                )
                % {"n": queued, "job": result.job.pk}
            )
        if result.emails_skipped:
            self.stdout.write(
                ngettext(
                    "%(n)d e-mail skipped (opted out, or the address bounced or is missing).",
                    "%(n)d e-mails skipped (opted out, or the address bounced or is missing).",
                    result.emails_skipped,
                )
                % {"n": result.emails_skipped}
            )
        if failed:
            self.stderr.write(
                ngettext(
                    "%(n)d e-mail could not be sent (marked Attempt failed).",
                    "%(n)d e-mails could not be sent (marked Attempt failed).",
                    failed,
                )
                % {"n": failed}
            )
