"""The e-mails of a segment before it is logged (docs/mailings.md, Preview and test
send): the message of one line exactly as it will be sent, the lines around it, what
the segment's lines will become, and a test e-mail of a line to the user.

A page reads a fixed number of queries whatever the number of lines: the line with
its neighbours (keyset by id, no OFFSET) in one query, its template's language versions
in one, one GROUP BY for the counts and one for the first skipped lines. Nothing is
recorded: no interaction, no ledger row, no opt-out.
"""

import smtplib
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db.models import Case, CharField, Count, F, OuterRef, Q, Subquery, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _

from contacts.models import CorrespondenceType
from mailings import tokens
from mailings.composing import bodies, sender
from mailings.content import render_message
from mailings.ledger import skip_reason
from mailings.models import SkipReason
from segments.models import SegmentLine

# Stands where a signed token goes in the links of a previewed message: it is no
# token, so the unsubscribe and response pages answer it as a bad link.
LINK_PLACEHOLDER = "preview"
TEST_SUBJECT_PREFIX = "[Test] "
SKIPPED_SHOWN = 20
SEARCH_MAX = 100
# Why a message is not sent, in the order the page lists them.
SKIP_REASONS = [SkipReason.NO_ADDRESS, SkipReason.OPTED_OUT, SkipReason.BOUNCED]


def preview_links() -> dict[str, str]:
    """The unsubscribe and response links of a previewed message (they do not work)."""
    return {
        name: tokens.absolute_url(reverse(f"mailings:{name}", kwargs={"token": LINK_PLACEHOLDER}))
        for name in ("unsubscribe", "response")
    }


def _lines(segment):
    return SegmentLine.objects.of_segment_in_order(segment)


def lines_with_neighbours(segment):
    """The lines of ``segment`` in No. order, each with the ids of the line before and
    after it, its position and the reason its e-mail would be skipped (one query)."""
    lines = _lines(segment)
    return (
        lines.select_related("contact__company", "salesperson", "campaign", "interaction_template")
        .prefetch_related("interaction_template__languages")
        .annotate(
            skip=skip_reason("contact"),
            previous_id=Subquery(
                lines.filter(id__lt=OuterRef("id")).order_by("-segment_id", "-id").values("id")[:1]
            ),
            next_id=Subquery(lines.filter(id__gt=OuterRef("id")).values("id")[:1]),
            position=Subquery(
                lines.filter(id__lte=OuterRef("id"))
                .order_by()
                .values("segment_id")
                .annotate(n=Count("id"))
                .values("n")
            ),
        )
    )


def line_id_of(value) -> int | None:
    """A line id from the query string (None when it is none)."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    return int(text) or None


@dataclass
class Selection:
    line: SegmentLine | None
    # What was asked for and not found: a line id, or a search without a match.
    missing_line: bool = False
    search: str = ""
    no_match: bool = False


def select_line(segment, *, line_id=None, search: str = "") -> Selection:
    """The line to show: the first whose contact No. is ``search`` or whose name holds
    it, else line ``line_id``, else the first line."""
    lines = lines_with_neighbours(segment)
    search = (search or "").strip()[:SEARCH_MAX]
    if search:
        found = lines.filter(Q(contact__no__iexact=search) | Q(contact__name__icontains=search))
        line = found.first()
        if line is not None:
            return Selection(line, search=search)
        return Selection(lines.first(), search=search, no_match=True)
    line_id = line_id_of(line_id)
    if line_id is not None:
        line = lines.filter(id=line_id).first()
        if line is not None:
            return Selection(line)
    return Selection(lines.first(), missing_line=line_id is not None)


def message_language(segment, line) -> str:
    """The language asked for: the segment's when it has one, else the contact's."""
    return segment.language or line.contact.language


@dataclass
class PreviewMessage:
    """One line's message as it will be sent (links with the preview token)."""

    to: str
    from_email: str
    reply_to: list[str]
    subject: str = ""
    text: str = ""
    html: str = ""
    # The language asked for, and the language of the version the texts came from.
    requested_language: str = ""
    language: str = ""
    error: str = ""

    @property
    def fell_back(self) -> bool:
        return bool(self.language) and self.language != self.requested_language


def preview_message(segment, line) -> PreviewMessage:
    """The message of ``line`` (from ``lines_with_neighbours``), rendered as sending
    renders it (``mailings.composing``)."""
    links = preview_links()
    requested = message_language(segment, line)
    from_email, reply_to = sender(line.salesperson)
    preview = PreviewMessage(
        to=line.contact.email,
        from_email=from_email,
        reply_to=reply_to,
        requested_language=requested,
    )
    try:
        message = render_message(
            template=line.interaction_template,
            language=requested,
            contact=line.contact,
            salesperson=line.salesperson,
            campaign=line.campaign,
            segment=segment,
            subject=line.subject,
            extra={"unsubscribe_url": links["unsubscribe"], "response_url": links["response"]},
        )
    except ValidationError as error:
        preview.error = " ".join(error.messages)
        return preview
    preview.text, preview.html = bodies(message, requested, links["unsubscribe"])
    preview.subject = message.subject
    preview.language = message.language
    return preview


@dataclass
class Summary:
    """What the segment's lines will become: lines per language and per correspondence
    type, and the e-mails that will be skipped, per reason and the first of them."""

    total: int = 0
    languages: dict[str, int] = field(default_factory=dict)
    correspondence_types: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    skipped_lines: list = field(default_factory=list)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    @property
    def emails(self) -> int:
        return self.correspondence_types.get(CorrespondenceType.EMAIL, 0)


def summary(segment) -> Summary:
    """``Summary`` of ``segment`` in two queries: one GROUP BY (language, correspondence
    type, skip reason) and the first ``SKIPPED_SHOWN`` skipped lines. The skip reasons
    are those of logging (``mailings.ledger.skip_reason``), for e-mail lines only."""
    email = Q(correspondence_type=CorrespondenceType.EMAIL)
    language = Value(segment.language) if segment.language else F("contact__language")
    rows = (
        SegmentLine.objects.filter(segment=segment)
        .order_by()
        .annotate(
            m_language=language,
            m_reason=Case(
                When(email, then=skip_reason("contact")),
                default=Value(""),
                output_field=CharField(max_length=12),
            ),
        )
        .values_list("m_language", "correspondence_type", "m_reason")
        .annotate(n=Count("id"))
    )
    result = Summary()
    for language_code, correspondence_type, reason, count in rows:
        result.total += count
        languages = result.languages
        languages[language_code] = languages.get(language_code, 0) + count
        types = result.correspondence_types
        types[correspondence_type] = types.get(correspondence_type, 0) + count
        if reason:
            result.skipped[reason] = result.skipped.get(reason, 0) + count
    if result.skipped:
        result.skipped_lines = list(
            _lines(segment)
            .filter(email)
            .annotate(skip=skip_reason("contact"))
            .filter(~Q(skip=""))
            .select_related("contact")[:SKIPPED_SHOWN]
        )
    return result


def send_test_email(*, segment, line, user) -> str:
    """Send the message of ``line`` to ``user``'s own address, subject marked as a test,
    at once through Django's mail backend; returns the address. Records nothing."""
    address = (getattr(user, "email", "") or "").strip()
    if not address:
        raise ValidationError(
            _(
                "Your user has no e-mail address, so there is nowhere to send the test. "
                "Ask an administrator to fill it in."
            )
        )
    if line is None:
        raise ValidationError(_("The segment has no lines."))
    preview = preview_message(segment, line)
    if preview.error:
        raise ValidationError(
            _("The e-mail cannot be rendered: %(problem)s") % {"problem": preview.error}
        )
    email = EmailMultiAlternatives(
        subject=TEST_SUBJECT_PREFIX + preview.subject,
        body=preview.text,
        from_email=preview.from_email,
        to=[address],
        reply_to=preview.reply_to,
        headers={"Auto-Submitted": "auto-generated"},
    )
    if preview.html:
        email.attach_alternative(preview.html, "text/html")
    try:
        email.send()
    except (smtplib.SMTPException, OSError) as error:
        raise ValidationError(
            _("The test e-mail could not be sent: %(error)s") % {"error": error}
        ) from None
    return address
