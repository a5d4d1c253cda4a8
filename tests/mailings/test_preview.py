"""The preview of a segment's e-mails before logging (docs/mailings.md, Preview and
test send): the real message per line in its language, the lines around it, the
summary with the skipped lines, and a fixed number of queries."""

import html
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Contact, CorrespondenceType
from core import roles
from mailings import consent, preview
from mailings.composing import footer
from mailings.models import EmailDelivery, EmailOptOut, OptOutSource, SkipReason
from segments import services as segment_services
from segments.models import SegmentLine
from segments.segment_logging import log_segment
from tests.factories import (
    InteractionTemplateFactory,
    PersonFactory,
    SalespersonFactory,
    UserFactory,
    make_template,
    segment_to_log,
)


@pytest.fixture
def salesperson(db):
    return SalespersonFactory(code="JO", name="Jo Verkoper", email="jo@sales.example")


@pytest.fixture
def segment(world, campaign, email_template, salesperson):
    """Ann (English), Bram (Dutch) and Cat (English) of Acme, e-mail, signed by Jo."""
    return segment_to_log(world, campaign, email_template, salesperson=salesperson)


@pytest.fixture
def staff_client(db):
    user = UserFactory(username="staffer", role=roles.MARKETING_STAFF, email="me@office.example")
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def preview_url(segment, **query):
    url = reverse("mailings:segment_email_preview", kwargs={"key": segment.no})
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def line_of(segment, name):
    return SegmentLine.objects.get(segment=segment, contact__name=name)


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response, html.unescape(response.content.decode())


def header(text, name):
    match = re.search(rf'data-header="{name}"[^>]*>(.*?)</dd>', text, re.S)
    return match.group(1).strip() if match else None


def body(text):
    match = re.search(r'data-body="text">(.*?)</pre>', text, re.S)
    return match.group(1) if match else ""


# --- The message --------------------------------------------------------------------------


def test_each_line_is_previewed_in_its_contacts_language_subject_and_body_alike(
    segment, staff_client
):
    _response, text = page(staff_client, preview_url(segment, line=line_of(segment, "Ann").pk))
    assert header(text, "subject") == "Spring offer for Ann"
    assert "Dear Ann," in body(text)
    assert "Voorjaars" not in text
    assert "Beste" not in text
    assert 'data-language="en"' in text

    _response, text = page(staff_client, preview_url(segment, line=line_of(segment, "Bram").pk))
    assert header(text, "subject") == "Voorjaarsaanbieding voor Bram"
    assert "Beste Bram," in body(text)
    assert "Onze voorjaarsaanbieding voor Acme in Utrecht." in body(text)
    assert "Spring offer" not in text
    assert "Dear " not in body(text)
    assert 'data-language="nl"' in text
    # The visible opt-out line is in the message's language too.
    link = preview.preview_links()["unsubscribe"]
    assert footer("nl", link)[0] in body(text)


def test_the_segments_language_wins_over_the_contacts(
    world, campaign, email_template, salesperson, staff_client
):
    segment = segment_to_log(
        world, campaign, email_template, salesperson=salesperson, language="nl"
    )
    _response, text = page(staff_client, preview_url(segment, line=line_of(segment, "Ann").pk))
    assert header(text, "subject") == "Voorjaarsaanbieding voor Ann"
    assert "Beste Ann," in body(text)


def test_a_language_without_a_version_falls_back_to_the_templates_default_language(
    world, campaign, salesperson, staff_client
):
    template = make_template(
        "DUTCHONLY",
        CorrespondenceType.EMAIL,
        default_language="nl",
        languages={"nl": ("Aanbod voor {{ contact.name }}", "Beste {{ contact.name }},")},
    )
    segment = segment_to_log(world, campaign, template, salesperson=salesperson)
    _response, text = page(staff_client, preview_url(segment, line=line_of(segment, "Ann").pk))
    assert header(text, "subject") == "Aanbod voor Ann"
    assert "Beste Ann," in body(text)
    assert 'data-language="nl"' in text
    assert "the template has no English version" in text


def test_the_headers_are_those_sending_uses_and_the_links_do_not_work(segment, staff_client):
    _response, text = page(staff_client, preview_url(segment))
    assert header(text, "from") == f"Jo Verkoper <{settings.DEFAULT_FROM_EMAIL}>"
    assert header(text, "reply-to") == "jo@sales.example"
    assert "ann@acme.example" in text
    link = re.search(r"(https?://\S+/mail/unsubscribe/[^/\s]+/)", body(text)).group(1)
    assert link.endswith(f"/mail/unsubscribe/{preview.LINK_PLACEHOLDER}/")
    path = "/" + link.split("/", 3)[3]
    assert Client().get(path).status_code == 400
    assert Client().post(path, {"List-Unsubscribe": "One-Click"}).status_code == 400
    assert not EmailOptOut.objects.exists()


def test_an_html_body_is_shown_in_a_sandboxed_frame(world, campaign, salesperson, staff_client):
    template = InteractionTemplateFactory(code="HTML", correspondence_type=CorrespondenceType.EMAIL)
    template.languages.create(
        language="en",
        subject="Hi {{ contact.name }}",
        body_text="Hi {{ contact.name }}",
        body_html="<p>Hi <b>{{ contact.name }}</b></p><script>alert(1)</script>",
    )
    segment = segment_to_log(world, campaign, template, salesperson=salesperson)
    response = staff_client.get(preview_url(segment))
    raw = response.content.decode()
    frame = re.search(r"<iframe[^>]*>", raw).group(0)
    assert 'sandbox=""' in frame
    assert "srcdoc=" in frame
    assert "&lt;b&gt;Ann&lt;/b&gt;" in frame
    assert "<script>alert(1)</script>" not in raw  # only escaped, inside the frame


def test_a_line_not_sent_by_email_says_so(segment, staff_client):
    SegmentLine.objects.filter(segment=segment, contact__name="Cat").update(
        correspondence_type=CorrespondenceType.HARD_COPY
    )
    _response, text = page(staff_client, preview_url(segment, line=line_of(segment, "Cat").pk))
    assert "it is not sent by e-mail" in text


# --- The summary: languages, correspondence types, skipped lines --------------------------


def test_the_summary_counts_languages_and_types_and_lists_the_skipped_lines(segment, staff_client):
    Contact.objects.filter(name="Cat").update(email="")
    ann = Contact.objects.get(name="Ann")
    consent.record_opt_out(contact=ann, source=OptOutSource.STAFF)
    dan = PersonFactory(name="Dan", email="Dan@Bounce.example", language="nl")
    consent.block_address(address="dan@bounce.example", reason="bounced")
    eve = PersonFactory(name="Eve", email="", language="en")  # opted out too, but by letter
    consent.record_opt_out(contact=eve, source=OptOutSource.STAFF)
    segment_services.add_contacts(segment=segment, filters={"no": f"{dan.no}|{eve.no}"})
    SegmentLine.objects.filter(segment=segment, contact=eve).update(
        correspondence_type=CorrespondenceType.HARD_COPY
    )

    result = preview.summary(segment)
    assert result.total == 5
    assert result.languages == {"en": 3, "nl": 2}
    assert result.correspondence_types == {"email": 4, "hard_copy": 1}
    assert result.skipped == {
        SkipReason.NO_ADDRESS: 1,
        SkipReason.OPTED_OUT: 1,
        SkipReason.BOUNCED: 1,
    }
    assert sorted((line.contact.name, line.skip) for line in result.skipped_lines) == [
        ("Ann", SkipReason.OPTED_OUT),
        ("Cat", SkipReason.NO_ADDRESS),
        ("Dan", SkipReason.BOUNCED),
    ]

    _response, text = page(staff_client, preview_url(segment, line=line_of(segment, "Ann").pk))
    assert 'data-skip="opted_out"' in text
    skipped = re.search(r'data-summary="skipped">(.*?)</table>', text, re.S).group(1)
    for label in ("No e-mail address", "Opted out of marketing e-mail", "Address bounced"):
        assert label in skipped
    listed = re.search(r'data-summary="skipped-lines">(.*?)</table>', text, re.S).group(1)
    assert "Ann" in listed
    assert "Cat" in listed
    assert "Dan" in listed
    assert "Eve" not in listed


def test_the_preview_skips_exactly_what_logging_skips(segment, django_capture_on_commit_callbacks):
    consent.record_opt_out(contact=Contact.objects.get(name="Ann"), source=OptOutSource.STAFF)
    consent.block_address(address="CAT@acme.example", reason="bounced")
    expected = preview.summary(segment).skipped
    with django_capture_on_commit_callbacks(execute=True):
        result = log_segment(segment=segment, send_attachments=True)
    ledger = EmailDelivery.objects.of_logged_segment(result.logged_segment.pk)
    logged = {}
    for reason in ledger.exclude(skip_reason="").values_list("skip_reason", flat=True):
        logged[reason] = logged.get(reason, 0) + 1
    assert logged == expected == {SkipReason.OPTED_OUT: 1, SkipReason.BOUNCED: 1}


def test_only_the_first_twenty_skipped_lines_are_listed(world, campaign, email_template):
    for number in range(23):
        PersonFactory(name=f"Gone {number:02d}", email="", language="en")
    segment = segment_to_log(world, campaign, email_template, names=())
    result = preview.summary(segment)
    assert result.skipped == {SkipReason.NO_ADDRESS: 23}
    assert len(result.skipped_lines) == preview.SKIPPED_SHOWN


# --- Navigation ---------------------------------------------------------------------------


def test_previous_and_next_walk_the_lines_in_order(segment, staff_client):
    ids = list(
        SegmentLine.objects.filter(segment=segment).order_by("id").values_list("id", flat=True)
    )
    response, text = page(staff_client, preview_url(segment))
    assert response.context["line"].pk == ids[0]
    assert response.context.get("previous_url") is None
    assert response.context["next_url"].endswith(f"?line={ids[1]}")
    assert "Line 1 of 3" in text
    response, text = page(staff_client, response.context["next_url"])
    assert response.context["line"].pk == ids[1]
    assert response.context["previous_url"].endswith(f"?line={ids[0]}")
    assert "Line 2 of 3" in text
    response, _text = page(staff_client, preview_url(segment, line=ids[2]))
    assert response.context.get("next_url") is None


def test_jump_to_a_contact_by_no_or_name(segment, staff_client):
    bram = Contact.objects.get(name="Bram")
    response, _text = page(staff_client, preview_url(segment, q=bram.no.lower()))
    assert response.context["line"].contact == bram
    response, _text = page(staff_client, preview_url(segment, q="ra"))
    assert response.context["line"].contact == bram
    response, text = page(staff_client, preview_url(segment, q="Nobody"))
    assert response.context["selection"].no_match
    assert "No line of this segment has a contact" in text
    assert response.context["line"].contact.name == "Ann"


def test_an_unknown_or_foreign_line_shows_the_first_line(
    segment, world, campaign, email_template, staff_client
):
    other = segment_to_log(world, campaign, email_template, names=("Zed",), description="Other")
    foreign = SegmentLine.objects.filter(segment=other).first()
    for value in (foreign.pk, "abc", "-1", "9" * 40, ""):
        response, _text = page(staff_client, preview_url(segment, line=value))
        assert response.context["line"].segment_id == segment.pk
        assert response.context["line"].contact.name == "Ann"


def test_an_empty_segment_has_a_page_that_says_so(staff_client, db):
    from tests.factories import SegmentFactory

    segment = SegmentFactory()
    _response, text = page(staff_client, preview_url(segment))
    assert "The segment has no lines yet" in text


# --- Queries, languages of the page, the button -------------------------------------------


def test_the_page_runs_the_same_queries_for_3_and_300_lines(
    segment, staff_client, django_assert_num_queries
):
    consent.record_opt_out(contact=Contact.objects.get(name="Cat"), source=OptOutSource.STAFF)
    middle = line_of(segment, "Bram").pk
    with CaptureQueriesContext(connection) as queries:
        page(staff_client, preview_url(segment, line=middle))
    with CaptureQueriesContext(connection) as search_queries:
        page(staff_client, preview_url(segment, q="Bram"))
    for number in range(297):
        person = PersonFactory(
            name=f"Bulk {number:03d}", email=f"bulk{number}@example.com", company=None
        )
        if number % 10 == 0:
            consent.record_opt_out(contact=person, source=OptOutSource.STAFF)
    segment_services.add_contacts(segment=segment, filters={"name": "Bulk*"})
    assert SegmentLine.objects.filter(segment=segment).count() == 300
    with django_assert_num_queries(len(queries)):
        _response, text = page(staff_client, preview_url(segment, line=middle))
    assert "Line 2 of 300" in text
    with django_assert_num_queries(len(search_queries)):
        page(staff_client, preview_url(segment, q="Bram"))


def test_the_page_speaks_the_users_language_and_the_message_its_own(segment, staff_client):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    response, text = page(staff_client, preview_url(segment, line=line_of(segment, "Ann").pk))
    assert response.headers.get("Content-Language") == "nl"
    assert "Onderwerp" in text  # the page in Dutch
    assert header(text, "subject") == "Spring offer for Ann"  # the message in English
    assert "Dear Ann," in body(text)


def test_the_segment_card_has_the_button_and_a_viewer_may_preview_but_not_send(
    segment, viewer_client
):
    card = viewer_client.get(segment.get_absolute_url()).content.decode()
    assert preview_url(segment) in card
    assert "Preview e-mails" in card
    response, text = page(viewer_client, preview_url(segment))
    assert "Send a test to me" not in text
    send = reverse("mailings:segment_send_test_email", kwargs={"key": segment.no})
    assert viewer_client.post(send, {"line": line_of(segment, "Ann").pk}).status_code == 403


def test_the_frame_may_use_inline_styles_but_nothing_may_run_scripts(segment, staff_client):
    policy = staff_client.get(preview_url(segment))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert "'unsafe-inline'" in directives["style-src"]
    assert directives["script-src"] == "'self'"
    card = staff_client.get(segment.get_absolute_url())["Content-Security-Policy"]
    assert "unsafe-inline" not in card
