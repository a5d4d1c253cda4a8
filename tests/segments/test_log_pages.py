"""The pages of logging (docs/segments.md): Log on the segment card, logged segments,
printable letters, reuse segment; and the template and interactions filters on
the segment pages."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import CampaignEntry, InteractionLogEntry
from contacts.models import Contact, CorrespondenceType
from segments.models import LoggedSegment, Segment, SegmentCriteriaAction, SegmentLine
from segments.segment_logging import cancel_logged_segment, log_segment
from tests.factories import UserFactory, segment_to_log
from tests.segments.conftest import contact_ids

pytestmark = pytest.mark.django_db


def segment_url(segment, name):
    return reverse(f"segments:{name}", kwargs={"key": segment.no})


def logged_url(logged, name):
    return reverse(f"segments:{name}", kwargs={"key": logged.pk})


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def to_log(world, campaign, letter_template):
    return segment_to_log(world, campaign, letter_template, campaign_target=True)


@pytest.fixture
def logged(to_log):
    return log_segment(segment=to_log).logged_segment


# Log on the segment card ---------------------------------------------------------------


def test_segment_card_offers_log(manager_client, to_log):
    url = segment_url(to_log, "segment_log")
    assert url in manager_client.get(to_log.get_absolute_url()).content.decode()


def test_segment_card_offers_no_log_without_the_permission(viewer_client, to_log):
    url = segment_url(to_log, "segment_log")
    assert url not in viewer_client.get(to_log.get_absolute_url()).content.decode()


def test_log_is_forbidden_without_the_log_segment_permission(viewer_client, to_log):
    url = segment_url(to_log, "segment_log")
    assert viewer_client.get(url).status_code == 403
    assert viewer_client.post(url, {"send_attachments": "on"}).status_code == 403
    assert not LoggedSegment.objects.exists()


def test_log_question_says_what_will_be_created(manager_client, world, campaign, email_template):
    segment = segment_to_log(world, campaign, email_template)
    page = manager_client.get(segment_url(segment, "segment_log")).content.decode()
    assert (
        f"Logging segment {segment.no} creates 3 interactions for campaign {campaign.no}." in page
    )
    assert "With Send attachments, 3 e-mails will be sent." in page
    assert "Send attachments" in page
    assert "Create follow-up segment" in page


def test_log_question_warns_about_a_problem_before_logging(manager_client, world, campaign):
    segment = Segment.objects.create(description="", campaign=campaign)
    page = manager_client.get(segment_url(segment, "segment_log")).content.decode()
    assert "cannot be logged yet" in page
    assert "has no description" in page


def test_refused_log_comes_back_as_a_message_on_the_segment_card(manager_client, to_log):
    SegmentLine.objects.filter(contact__name="Bram").update(interaction_template=None)
    response = manager_client.post(segment_url(to_log, "segment_log"), follow=True)
    assert response.redirect_chain[-1][0] == to_log.get_absolute_url()
    assert any("Bram has no interaction template" in text for text in messages_of(response))
    assert not LoggedSegment.objects.exists()
    assert Segment.objects.filter(pk=to_log.pk).exists()


def test_log_redirects_to_the_logged_segment_card_with_what_it_did(
    manager_client, manager, world, campaign, email_template, mailoutbox
):
    segment = segment_to_log(world, campaign, email_template)
    response = manager_client.post(
        segment_url(segment, "segment_log"),
        {"send_attachments": "on", "create_follow_up": "on"},
        follow=True,
    )
    logged = LoggedSegment.objects.get()
    follow_up = Segment.objects.get()
    assert response.redirect_chain[-1][0] == logged.get_absolute_url()
    assert logged.user == manager
    text = " ".join(messages_of(response))
    # The test database wraps the request in a transaction: the e-mails are queued.
    assert (
        f"Segment {segment.no} logged: 3 interactions, 1 campaign entry, "
        "3 e-mails queued for sending." in text
    )
    assert f"Follow-up segment {follow_up.no} created." in text
    page = response.content.decode()
    assert campaign.no in page  # its campaign entry
    assert "Ann" in page
    assert "Bram" in page


def test_log_sends_the_emails_after_commit_and_says_how_many_failed(
    manager_client,
    world,
    campaign,
    email_template,
    mailoutbox,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.EMAIL_BACKEND = "tests.segments.test_logging.FailingForOneAddressBackend"
    segment = segment_to_log(world, campaign, email_template)
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(segment_url(segment, "segment_log"), {"send_attachments": "on"})
    assert len(mailoutbox) == 2
    page = manager_client.get(LoggedSegment.objects.get().get_absolute_url()).content.decode()
    assert "Attempt failed" in page


def test_a_logged_segment_cannot_be_logged_again(manager_client, to_log):
    url = segment_url(to_log, "segment_log")
    manager_client.post(url)
    assert manager_client.get(url).status_code == 404
    assert manager_client.post(url).status_code == 404
    assert LoggedSegment.objects.count() == 1
    assert to_log.no not in manager_client.get(reverse("segments:segment_list")).content.decode()


# Logged segment list and card --------------------------------------------------------


def test_logged_segment_list_filters_and_searches(manager_client, logged, world, letter_template):
    url = reverse("segments:loggedsegment_list")
    page = manager_client.get(url).content.decode()
    assert logged.segment_no in page
    assert "Spring mailing" in page
    cases = [
        ({"q": "spring"}, True),
        ({"q": "nothing like it"}, False),
        ({"canceled": "true"}, False),
        ({"canceled": "false"}, True),
        ({"date_from": logged.date.isoformat(), "date_to": logged.date.isoformat()}, True),
        ({"date_from": "2999-01-01"}, False),
        ({"user": UserFactory(username="someone").pk}, False),
    ]
    for params, shown in cases:
        response = manager_client.get(url, params)
        assert response.status_code == 200
        assert (logged.get_absolute_url() in response.content.decode()) is shown, params


@pytest.mark.parametrize(
    "params", [{"date_from": "not a date"}, {"user": "x"}, {"canceled": "maybe"}, {"page": "z"}]
)
def test_logged_segment_list_survives_bad_input(manager_client, logged, params):
    assert manager_client.get(reverse("segments:loggedsegment_list"), params).status_code == 200


def test_logged_segment_list_query_count_does_not_grow_with_rows(manager_client, manager):
    url = reverse("segments:loggedsegment_list")
    counts = []
    for size in (2, 30):
        LoggedSegment.objects.bulk_create(
            LoggedSegment(segment_no=f"SEG{index:05d}", description="Old", user=manager)
            for index in range(size)
        )
        with CaptureQueriesContext(connection) as queries:
            assert manager_client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_logged_segment_admin_pages(admin_client, logged):
    assert admin_client.get(reverse("admin:segments_loggedsegment_changelist")).status_code == 200
    change = reverse("admin:segments_loggedsegment_change", args=[logged.pk])
    assert admin_client.get(change).status_code == 200


def test_logged_segment_list_exports_csv(manager_client, logged):
    response = manager_client.get(reverse("segments:loggedsegment_list"), {"_export": "csv"})
    assert response.status_code == 200
    assert logged.segment_no in response.getvalue().decode()


def test_logged_segment_pages_need_the_view_permission(client, logged):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(reverse("segments:loggedsegment_list")).status_code == 403
    assert client.get(logged.get_absolute_url()).status_code == 403
    assert client.get(logged_url(logged, "loggedsegment_letters")).status_code == 403


def test_logged_segment_card_shows_entries_with_figures_and_interactions(manager_client, logged):
    response = manager_client.get(logged.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Logged segment {logged.pk}" in page
    assert response.context["breadcrumbs"][0][1] == reverse("segments:loggedsegment_list")
    (entry,) = response.context["entries"]
    assert (entry.interaction_count, entry.cost, entry.duration) == (
        3,
        Decimal("4.50"),
        Decimal("15.0"),
    )
    for name in ("Ann", "Bram", "Cat"):
        assert Contact.objects.get(name=name).no in page
    assert logged_url(logged, "loggedsegment_cancel") in page
    assert logged_url(logged, "loggedsegment_letters") in page  # hard-copy lines
    assert logged_url(logged, "loggedsegment_reuse") in page


@pytest.mark.parametrize("key", ["abc", "999999", "-1", "1.5"])
def test_unknown_logged_segment_is_404(manager_client, key):
    url = reverse("segments:loggedsegment_card", kwargs={"key": key})
    assert manager_client.get(url).status_code == 404


def test_logged_segment_card_query_count_does_not_grow_with_interactions(
    manager_client, world, campaign, letter_template
):
    counts = []
    for size in (3, 80):
        company = world.company(f"Co {size}")
        for index in range(size):
            world.person(f"Q{size}-{index}", company)
        segment = Segment(description=f"{size}", campaign=campaign)
        segment.interaction_template = letter_template
        from segments import services

        services.save_segment(segment=segment)
        services.add_contacts(segment=segment, filters={"name": f"Q{size}-*"})
        logged = log_segment(segment=segment).logged_segment
        with CaptureQueriesContext(connection) as queries:
            response = manager_client.get(logged.get_absolute_url(), {"page": 2})
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_viewer_sees_no_cancel_or_reuse(viewer_client, logged):
    page = viewer_client.get(logged.get_absolute_url()).content.decode()
    assert logged_url(logged, "loggedsegment_cancel") not in page
    assert logged_url(logged, "loggedsegment_reuse") not in page
    assert viewer_client.post(logged_url(logged, "loggedsegment_cancel")).status_code == 403
    assert viewer_client.post(logged_url(logged, "loggedsegment_reuse")).status_code == 403


def test_cancel_logged_segment_page(manager_client, logged):
    url = logged_url(logged, "loggedsegment_cancel")
    question = manager_client.get(url).content.decode()
    assert "1 campaign entry is canceled" in question
    assert "3 interactions" in question
    response = manager_client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == logged.get_absolute_url()
    assert any("3 interactions canceled" in text for text in messages_of(response))
    assert not CampaignEntry.objects.filter(canceled=False).exists()
    assert not InteractionLogEntry.objects.filter(canceled=False).exists()
    page = response.content.decode()
    assert url not in page  # no Cancel on a canceled logged segment
    assert logged_url(logged, "loggedsegment_letters") not in page  # nothing to print
    again = manager_client.post(url, follow=True)
    assert any("already canceled" in text for text in messages_of(again))


# Printable letters ------------------------------------------------------------------------


def test_letters_page_renders_each_letter_in_the_contacts_language(manager_client, to_log):
    Contact.objects.filter(name="Cat").update(address="<b>Side</b> road 2")
    to_log.subject = ""
    logged = log_segment(segment=to_log).logged_segment
    response = manager_client.get(logged_url(logged, "loggedsegment_letters"))
    assert response.status_code == 200
    page = response.content.decode()
    assert len(response.context["letters"]) == 3
    assert "css/letters.css" in page
    assert "Dear Ann," in page
    assert "Our spring offer for Acme in Utrecht." in page
    assert "Beste Bram," in page  # Dutch contact, Dutch text
    assert "{name}" not in page
    assert "3511 AB Utrecht" in page
    assert "&lt;b&gt;Side&lt;/b&gt; road 2" in page  # contact data is escaped
    assert f"Letters of logged segment {logged.pk}" in page


def test_letters_take_the_subject_of_the_language_version_before_the_lines(
    manager_client, world, campaign
):
    from tests.factories import make_template

    template = make_template("NOTE", CorrespondenceType.HARD_COPY)
    segment = segment_to_log(world, campaign, template, subject="Hello {name} of {company}")
    logged = log_segment(segment=segment).logged_segment
    page = manager_client.get(logged_url(logged, "loggedsegment_letters")).content.decode()
    assert "Spring offer for Ann" in page
    assert "Hello Ann" not in page


def test_letters_use_the_line_subject_merged_when_the_version_has_none(
    manager_client, world, campaign
):
    from tests.factories import make_template

    texts = {"en": ("", "Dear {{ contact.name }},"), "nl": ("", "Beste {{ contact.name }},")}
    template = make_template("NOTE", CorrespondenceType.HARD_COPY, languages=texts)
    segment = segment_to_log(
        world, campaign, template, subject="Hello {{ contact.name }} of {company}"
    )
    logged = log_segment(segment=segment).logged_segment
    page = manager_client.get(logged_url(logged, "loggedsegment_letters")).content.decode()
    assert "Hello Ann of Acme" in page  # a merge field, and an old placeholder
    assert "Hello Bram of Acme" in page


def test_letters_are_in_the_logged_segments_language_when_it_has_one(
    manager_client, world, campaign, letter_template
):
    segment = segment_to_log(world, campaign, letter_template)
    logged = log_segment(segment=segment).logged_segment
    logged.language = "nl"
    logged.save(update_fields=["language"])
    response = manager_client.get(logged_url(logged, "loggedsegment_letters"))
    letters = response.context["letters"]
    assert {letter["language"] for letter in letters} == {"nl"}
    assert {letter["subject"] for letter in letters} == {
        "Voorjaarsaanbieding voor Ann",
        "Voorjaarsaanbieding voor Bram",
        "Voorjaarsaanbieding voor Cat",
    }


def test_letters_merge_the_salesperson_campaign_and_segment_of_the_interaction(
    manager_client, world, campaign
):
    from tests.factories import SalespersonFactory, make_template

    body = (
        "{{ campaign.no }} / {{ segment.no }} {{ segment.description }}\n"
        "Kind regards, {{ salesperson.name }}"
    )
    template = make_template("NOTE", CorrespondenceType.HARD_COPY, languages={"en": ("S", body)})
    rep = SalespersonFactory(code="RS", name="Rita Rep")
    segment = segment_to_log(world, campaign, template, names=("Ann",), salesperson=rep)
    logged = log_segment(segment=segment).logged_segment
    (letter,) = manager_client.get(logged_url(logged, "loggedsegment_letters")).context["letters"]
    assert letter["body"] == (
        f"{campaign.no} / {segment.no} Spring mailing\nKind regards, Rita Rep"
    )


def test_letters_page_leaves_out_email_interactions(
    manager_client, world, campaign, email_template
):
    segment = segment_to_log(world, campaign, email_template)
    logged = log_segment(segment=segment).logged_segment
    response = manager_client.get(logged_url(logged, "loggedsegment_letters"))
    assert response.context["letters"] == []
    assert "no hard-copy interactions" in response.content.decode()
    assert logged_url(logged, "loggedsegment_letters") not in (
        manager_client.get(logged.get_absolute_url()).content.decode()
    )


def test_letters_page_leaves_out_canceled_interactions(manager_client, logged):
    InteractionLogEntry.objects.filter(contact__name="Ann").update(canceled=True)
    response = manager_client.get(logged_url(logged, "loggedsegment_letters"))
    # Letters come in interaction order; the set-based insert does not fix that order.
    assert sorted(letter["contact"].name for letter in response.context["letters"]) == [
        "Bram",
        "Cat",
    ]
    cancel_logged_segment(logged_segment=logged)
    response = manager_client.get(logged_url(logged, "loggedsegment_letters"))
    assert response.context["letters"] == []


def test_letters_page_paginates_with_constant_queries(
    manager_client, world, campaign, letter_template
):
    from segments import log_views, services

    counts = []
    for size in (2, 7):
        company = world.company(f"Letters {size}")
        for index in range(size):
            world.person(f"R{size}-{index}", company)
        segment = Segment(description=f"{size}", campaign=campaign)
        segment.interaction_template = letter_template
        services.save_segment(segment=segment)
        services.add_contacts(segment=segment, filters={"name": f"R{size}-*"})
        logged = log_segment(segment=segment).logged_segment
        with CaptureQueriesContext(connection) as queries:
            response = manager_client.get(logged_url(logged, "loggedsegment_letters"))
        counts.append(len(queries))
        assert len(response.context["letters"]) == size
    assert counts[0] == counts[1]
    assert log_views.LETTERS_PER_PAGE == 200


# Reuse segment ----------------------------------------------------------------------------


def test_reuse_segment_makes_a_new_segment_with_the_logged_contacts(
    manager_client, logged, campaign
):
    contacts = set(InteractionLogEntry.objects.values_list("contact_id", flat=True))
    url = logged_url(logged, "loggedsegment_reuse")
    assert "3 contacts" in manager_client.get(url).content.decode()
    response = manager_client.post(url, follow=True)
    segment = Segment.objects.get()
    assert response.redirect_chain[-1][0] == segment.get_absolute_url()
    assert contact_ids(segment) == contacts
    assert segment.campaign == campaign
    assert segment.description == logged.description
    action = SegmentCriteriaAction.objects.get(segment=segment)
    assert action.filters == {"logged_segment": logged.pk}
    assert f"logged segment = {logged.pk}" in response.content.decode()


# Template and interaction filters on the segment pages -------------------------------


def test_segment_card_shows_the_interaction_template_on_header_and_lines(manager_client, to_log):
    response = manager_client.get(to_log.get_absolute_url())
    page = response.content.decode()
    assert "Letter template" in page  # header section
    assert page.count(">LETTER</span>") == 3  # one per line


def test_choosing_a_template_on_the_edit_page_asks_about_the_fields_it_changes(
    manager_client, world, campaign, letter_template
):
    from tests.factories import make_template

    segment = segment_to_log(world, campaign, letter_template)
    email = make_template("MAILING", CorrespondenceType.EMAIL, unit_cost=Decimal("0.20"))
    data = {
        "description": segment.description,
        "campaign": campaign.pk,
        "date": segment.date.isoformat(),
        "interaction_template": email.pk,
        "correspondence_type": segment.correspondence_type,
        "unit_cost": segment.unit_cost,
        "unit_duration": segment.unit_duration,
    }
    response = manager_client.post(segment_url(segment, "segment_edit"), data)
    assert response.status_code == 200
    fields = response.context["propagation"]["fields"]
    assert {"interaction template", "unit cost", "correspondence type (default)"} <= set(fields)
    response = manager_client.post(
        segment_url(segment, "segment_edit"), {**data, "update_lines": "yes"}
    )
    assert response.status_code == 302
    line = SegmentLine.objects.filter(segment=segment).first()
    assert (line.interaction_template, line.cost, line.correspondence_type) == (
        email,
        Decimal("0.20"),
        CorrespondenceType.EMAIL,
    )


def test_line_edit_page_offers_the_interaction_template(manager_client, to_log, email_template):
    line = to_log.lines.first()
    url = reverse("segments:segmentline_edit", kwargs={"key": to_log.no, "line_id": line.pk})
    assert "interaction_template" in manager_client.get(url).content.decode()
    manager_client.post(
        url,
        {
            "interaction_template": email_template.pk,
            "campaign": line.campaign_id,
            "correspondence_type": CorrespondenceType.EMAIL,
            "cost": "1",
            "duration": "1",
        },
    )
    line.refresh_from_db()
    assert line.interaction_template == email_template


def test_add_contacts_page_with_the_interactions_group(manager_client, logged, world, campaign):
    segment = Segment.objects.create(description="Responders")
    url = segment_url(segment, "segment_add_contacts")
    page = manager_client.get(url).content.decode()
    assert "Interactions" in page
    assert "interaction_date_from" in page
    response = manager_client.post(
        url,
        {
            "interaction_templates": ["LETTER"],
            "interaction_campaign": campaign.no,
            "interaction_date_from": logged.date.isoformat(),
        },
        follow=True,
    )
    assert any("3 contacts added" in text for text in messages_of(response))
    assert "interaction template = LETTER" in response.content.decode()
    bad = manager_client.post(
        url, {"interaction_date_from": "2026-02-01", "interaction_date_to": "2026-01-01"}
    )
    assert bad.status_code == 200
    assert "interaction_date_to" in bad.context["form"].errors
    assert manager_client.post(url, {"interaction_campaign": "NOPE"}).status_code == 200


# Logged segments on the campaign card, the old address of a logged segment --------------


def _campaign_card(client, campaign):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(campaign.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_campaign_card_lists_its_logged_segments(manager_client, campaign, logged):
    page, _queries = _campaign_card(manager_client, campaign)
    assert "No segments are linked to this campaign" not in page
    assert 'id="campaign-logged-segments"' in page
    assert f'href="{logged.get_absolute_url()}">{logged.segment_no}</a>' in page
    assert logged.description in page
    panel = page.split('id="campaign-logged-segments"')[1]
    assert ">3</td>" in panel  # its 3 interactions of this campaign


def test_campaign_card_lists_logged_segments_in_a_fixed_number_of_queries(
    manager_client, world, campaign, letter_template
):
    log_segment(segment=segment_to_log(world, campaign, letter_template, names=("Ann",)))
    _page, one = _campaign_card(manager_client, campaign)
    for index in range(4):
        segment = segment_to_log(
            world, campaign, letter_template, names=(f"Dirk{index}", f"Eva{index}")
        )
        log_segment(segment=segment)
    page, many = _campaign_card(manager_client, campaign)
    assert page.count('href="/logged-segments/') >= 5
    assert many == one


def test_campaign_card_without_segments_says_so(manager_client, campaign):
    page, _queries = _campaign_card(manager_client, campaign)
    assert "No segments are linked to this campaign" in page
    assert 'id="campaign-logged-segments"' not in page


def test_old_address_of_a_logged_segment_leads_to_the_newest_logged_segment(
    manager_client, to_log, logged
):
    newer = LoggedSegment.objects.create(segment_no=logged.segment_no, description="Again")
    response = manager_client.get(reverse("segments:segment_card", kwargs={"key": to_log.no}))
    assert response.status_code == 302
    assert response["Location"] == newer.get_absolute_url()


def test_old_address_without_a_logged_segment_is_not_found(manager_client):
    response = manager_client.get(reverse("segments:segment_card", kwargs={"key": "SEG99999"}))
    assert response.status_code == 404


def test_a_segment_wins_over_a_logged_segment_of_the_same_no(manager_client, segment):
    LoggedSegment.objects.create(segment_no=segment.no, description="Old")
    response = manager_client.get(segment.get_absolute_url())
    assert response.status_code == 200
