"""Logging a segment, the interaction template on segments and the interactions filter group
of Add contacts (docs/segments.md)."""

import time
from decimal import Decimal
from smtplib import SMTPException

import pytest
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from campaigns.models import CampaignEntry, InteractionLogEntry
from campaigns.services import set_entry_canceled
from contacts.models import Contact, ContactType, CorrespondenceType
from contacts.services import create_customer_from_contact
from pricing.models import CampaignTarget
from pricing.services import activate_campaign
from segments import services
from segments.criteria import CriteriaForm, describe, matching_contacts
from segments.models import LoggedSegment, Segment, SegmentLine
from segments.segment_logging import cancel_logged_segment, log_segment
from tests.factories import CampaignFactory, UserFactory, make_template, segment_to_log
from tests.segments.conftest import contact_ids

pytestmark = pytest.mark.django_db


def nothing_written():
    return (
        LoggedSegment.objects.count(),
        CampaignEntry.objects.count(),
        InteractionLogEntry.objects.count(),
    ) == (0, 0, 0)


# The acceptance lines ---------------------------------------------------------------


def test_logging_a_three_line_segment_makes_one_logged_segment_entry_and_three_interactions(
    world, campaign, letter_template
):
    user = UserFactory(username="logger")
    segment = segment_to_log(
        world, campaign, letter_template, campaign_target=True, subject="Spring {name}"
    )
    ann, bram, cat = (Contact.objects.get(name=name) for name in ("Ann", "Bram", "Cat"))
    SegmentLine.objects.filter(contact=bram).update(
        campaign_target=False,
        campaign_response=True,
        cost=Decimal("2.25"),
        duration=Decimal("7.5"),
        subject="Own subject",
        evaluation="positive",
    )

    result = log_segment(segment=segment, user=user)

    logged = LoggedSegment.objects.get()
    assert result.logged_segment == logged
    assert (result.interactions, result.entries, result.emails) == (3, 1, 0)
    assert (logged.segment_no, logged.description, logged.user, logged.line_count) == (
        segment.no,
        "Spring mailing",
        user,
        3,
    )
    entry = CampaignEntry.objects.get()
    assert (entry.campaign, entry.logged_segment, entry.segment_no, entry.description) == (
        campaign,
        logged,
        segment.no,
        "Spring mailing",
    )
    rows = {
        row["contact"]: row
        for row in InteractionLogEntry.objects.values(
            "contact",
            "contact_company",
            "campaign",
            "campaign_entry",
            "campaign_target",
            "campaign_response",
            "cost",
            "duration",
            "subject",
            "evaluation",
            "template",
            "description",
            "logged_segment",
            "segment_no",
            "correspondence_type",
            "user",
            "canceled",
        )
    }
    assert set(rows) == {ann.pk, bram.pk, cat.pk}
    for contact in (ann, cat):
        assert rows[contact.pk] == {
            "contact": contact.pk,
            "contact_company": contact.company_id,
            "campaign": campaign.pk,
            "campaign_entry": entry.pk,
            "campaign_target": True,
            "campaign_response": False,
            "cost": Decimal("1.50"),
            "duration": Decimal("5.0"),
            "subject": "Spring {name}",
            "evaluation": "",
            "template": letter_template.pk,
            "description": "Letter template",
            "logged_segment": logged.pk,
            "segment_no": segment.no,
            "correspondence_type": CorrespondenceType.HARD_COPY,
            "user": user.pk,
            "canceled": False,
        }
    own = rows[bram.pk]
    assert (own["campaign_target"], own["campaign_response"]) == (False, True)
    assert (own["cost"], own["duration"], own["subject"], own["evaluation"]) == (
        Decimal("2.25"),
        Decimal("7.5"),
        "Own subject",
        "positive",
    )
    figures = CampaignEntry.objects.with_figures().get()
    assert (figures.interaction_count, figures.cost, figures.duration) == (
        3,
        Decimal("5.25"),
        Decimal("17.5"),
    )


def test_logged_segment_leaves_the_open_segments_and_cannot_be_logged_again(
    world, campaign, letter_template
):
    segment = segment_to_log(world, campaign, letter_template)
    log_segment(segment=segment)
    assert not Segment.objects.filter(pk=segment.pk).exists()
    assert not SegmentLine.objects.exists()
    with pytest.raises(ValidationError, match=f"Segment {segment.no} no longer exists"):
        log_segment(segment=segment)
    assert LoggedSegment.objects.count() == 1
    assert InteractionLogEntry.objects.count() == 3


def _empty(world, campaign, template):
    return Segment.objects.create(description="Empty", campaign=campaign)


def _no_description(world, campaign, template):
    return segment_to_log(world, campaign, template, description="  ")


def _line_without_template(world, campaign, template):
    segment = segment_to_log(world, campaign, template)
    SegmentLine.objects.filter(contact__name="Cat").update(interaction_template=None)
    return segment


def _email_without_address(world, campaign, template):
    segment = segment_to_log(world, campaign, template)
    SegmentLine.objects.update(correspondence_type=CorrespondenceType.EMAIL)
    Contact.objects.filter(name="Cat").update(email="")
    return segment


@pytest.mark.parametrize(
    ("build", "problem"),
    [
        (_empty, "has no lines to log"),
        (_no_description, "has no description"),
        (_line_without_template, "Cat has no interaction template"),
        (_email_without_address, "Cat has no e-mail address"),
    ],
)
def test_logging_is_refused_with_a_message_naming_the_problem_and_nothing_is_written(
    world, campaign, letter_template, build, problem, mailoutbox, django_capture_on_commit_callbacks
):
    segment = build(world, campaign, letter_template)
    lines = segment.lines.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ValidationError, match=problem):
            log_segment(segment=segment, send_attachments=True, create_follow_up=True)
    assert nothing_written()
    assert Segment.objects.filter(pk=segment.pk).exists()
    assert segment.lines.count() == lines
    assert Segment.objects.count() == 1  # no follow-up
    assert callbacks == []
    assert mailoutbox == []


# E-mail -------------------------------------------------------------------------------


def test_email_lines_send_one_message_each_in_the_contacts_language_after_commit(
    world, campaign, email_template, mailoutbox, django_capture_on_commit_callbacks
):
    segment = segment_to_log(world, campaign, email_template, names=("Ann", "Bram"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = log_segment(segment=segment, send_attachments=True)
        assert mailoutbox == []  # nothing leaves before the transaction commits
    assert len(callbacks) == 1
    assert result.emails == 2
    assert LoggedSegment.objects.get().emails_queued == 2
    by_recipient = {message.to[0]: message for message in mailoutbox}
    assert set(by_recipient) == {"ann@acme.example", "bram@acme.example"}
    english, dutch = by_recipient["ann@acme.example"], by_recipient["bram@acme.example"]
    assert english.subject == "Spring offer for Ann"
    assert english.body.startswith("Dear Ann,\nOur spring offer for Acme in Utrecht.\n\n-- \n")
    assert "Unsubscribe: http" in english.body
    assert dutch.subject == "Voorjaarsaanbieding voor Bram"
    assert dutch.body.startswith("Beste Bram,\nOnze voorjaarsaanbieding voor Acme in Utrecht.")
    assert "Afmelden: http" in dutch.body or "Uitschrijven: http" in dutch.body
    assert not InteractionLogEntry.objects.filter(attempt_failed=True).exists()


def test_without_send_attachments_no_email_is_sent(
    world, campaign, email_template, mailoutbox, django_capture_on_commit_callbacks
):
    segment = segment_to_log(world, campaign, email_template)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = log_segment(segment=segment, send_attachments=False)
    assert (result.emails, callbacks, mailoutbox) == (0, [], [])


def test_hard_copy_lines_send_no_email(
    world, campaign, letter_template, mailoutbox, django_capture_on_commit_callbacks
):
    segment = segment_to_log(world, campaign, letter_template)
    with django_capture_on_commit_callbacks(execute=True):
        result = log_segment(segment=segment, send_attachments=True)
    assert (result.emails, mailoutbox) == (0, [])


def test_a_log_that_fails_after_logging_sends_nothing(
    world, campaign, email_template, mailoutbox, django_capture_on_commit_callbacks
):
    segment = segment_to_log(world, campaign, email_template)

    def log_then_fail():
        with transaction.atomic():
            log_segment(segment=segment, send_attachments=True)
            raise RuntimeError("the surrounding action failed")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            log_then_fail()
    assert callbacks == []
    assert mailoutbox == []
    assert nothing_written()
    assert Segment.objects.filter(pk=segment.pk).exists()


class FailingForOneAddressBackend(EmailBackend):
    """The locmem backend, except that mail to cat@… fails like an SMTP refusal."""

    def send_messages(self, messages):
        if any("cat@acme.example" in message.to for message in messages):
            raise SMTPException("550 mailbox unavailable")
        return super().send_messages(messages)


def test_a_message_that_fails_to_send_marks_its_interaction_attempt_failed(
    world, campaign, email_template, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.FailingForOneAddressBackend"
    segment = segment_to_log(world, campaign, email_template)
    with django_capture_on_commit_callbacks(execute=True):
        log_segment(segment=segment, send_attachments=True)
    assert sorted(message.to[0] for message in mailoutbox) == [
        "ann@acme.example",
        "bram@acme.example",
    ]
    failed = InteractionLogEntry.objects.filter(attempt_failed=True)
    assert list(failed.values_list("contact__name", flat=True)) == ["Cat"]
    assert InteractionLogEntry.objects.filter(attempt_failed=False).count() == 2


class CountingSmtpLikeBackend(EmailBackend):
    """Behaves like the SMTP backend: ``send_messages`` opens a connection when
    none is open and closes it again afterwards. Counts the connections made."""

    connections_made = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_open = False

    def open(self):
        if self.is_open:
            return False
        type(self).connections_made += 1
        self.is_open = True
        return True

    def close(self):
        self.is_open = False

    def send_messages(self, messages):
        new_connection = self.open()
        try:
            return super().send_messages(messages)
        finally:
            if new_connection:
                self.close()


def test_all_messages_go_through_one_connection(
    world, campaign, email_template, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.CountingSmtpLikeBackend"
    CountingSmtpLikeBackend.connections_made = 0
    segment = segment_to_log(world, campaign, email_template)
    with django_capture_on_commit_callbacks(execute=True):
        log_segment(segment=segment, send_attachments=True)
    assert len(mailoutbox) == 3
    assert CountingSmtpLikeBackend.connections_made == 1


class UnreachableBackend(EmailBackend):
    def open(self):
        raise ConnectionRefusedError("no mail server")

    def send_messages(self, messages):
        self.open()


def test_an_unreachable_mail_server_marks_every_attempt_failed(
    world, campaign, email_template, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.UnreachableBackend"
    segment = segment_to_log(world, campaign, email_template)
    with django_capture_on_commit_callbacks(execute=True):
        log_segment(segment=segment, send_attachments=True)
    assert mailoutbox == []
    assert InteractionLogEntry.objects.filter(attempt_failed=True).count() == 3


# Follow-up, cancel --------------------------------------------------------------------


def test_follow_up_segment_holds_the_same_contacts_and_campaign(world, campaign, letter_template):
    segment = segment_to_log(world, campaign, letter_template, campaign_target=True)
    contacts = contact_ids(segment)
    result = log_segment(segment=segment, create_follow_up=True)
    follow_up = Segment.objects.get()
    assert result.follow_up == follow_up
    assert follow_up.description == f"Follow-up on segment {segment.no}"
    assert follow_up.campaign == campaign
    assert follow_up.line_count == 3
    assert contact_ids(follow_up) == contacts
    assert set(follow_up.lines.values_list("campaign_id", flat=True)) == {campaign.pk}
    # The follow-up keeps the campaign flags of the header and of every line.
    assert (follow_up.campaign_target, follow_up.campaign_response) == (True, False)
    assert follow_up.lines.filter(campaign_target=True).count() == 3


def test_follow_up_segment_keeps_each_lines_campaign_and_flags(world, campaign, letter_template):
    other = CampaignFactory()
    segment = segment_to_log(
        world, campaign, letter_template, campaign_target=True, campaign_response=True
    )
    SegmentLine.objects.filter(contact__name="Bram").update(campaign_target=False)
    SegmentLine.objects.filter(contact__name="Cat").update(
        campaign=other, campaign_target=True, campaign_response=False
    )
    log_segment(segment=segment, create_follow_up=True)
    follow_up = Segment.objects.get()
    assert (follow_up.campaign, follow_up.campaign_target, follow_up.campaign_response) == (
        campaign,
        True,
        True,
    )
    lines = {
        line.contact.name: (line.campaign_id, line.campaign_target, line.campaign_response)
        for line in follow_up.lines.select_related("contact")
    }
    assert lines == {
        "Ann": (campaign.pk, True, True),
        "Bram": (campaign.pk, False, True),
        "Cat": (other.pk, True, False),
    }


def test_canceling_a_logged_segment_cancels_its_entries_and_interactions(
    world, campaign, letter_template
):
    other = CampaignFactory()
    segment = segment_to_log(world, campaign, letter_template)
    SegmentLine.objects.filter(contact__name="Cat").update(campaign=other)
    logged = log_segment(segment=segment).logged_segment
    assert CampaignEntry.objects.filter(canceled=False).count() == 2

    with CaptureQueriesContext(connection) as queries:
        changed = cancel_logged_segment(logged_segment=logged)

    assert changed == 3
    # The campaigns to refresh are read with DISTINCT, not one row per interaction.
    for query in queries:
        sql = query["sql"]
        assert not ("SELECT DISTINCT" in sql and '"campaigns_interactionlogentry"."id"' in sql)
    logged.refresh_from_db()
    assert logged.canceled
    assert not CampaignEntry.objects.filter(canceled=False).exists()
    assert not InteractionLogEntry.objects.filter(canceled=False).exists()


def test_logging_the_same_segment_no_again_reuses_its_open_campaign_entry(
    world, campaign, letter_template
):
    segment = segment_to_log(world, campaign, letter_template, names=("Ann",))
    number = segment.no
    log_segment(segment=segment)
    again = Segment(no=number, description="Again", interaction_template=letter_template)
    services.save_segment(segment=again)
    again.campaign = campaign
    services.save_segment(segment=again)
    services.add_contacts(segment=again, filters={"name": "Ann"})
    result = log_segment(segment=again)
    assert result.entries == 1
    assert CampaignEntry.objects.count() == 1
    assert InteractionLogEntry.objects.filter(campaign_entry__isnull=False).count() == 2


# Campaign target through interactions (docs/pricing.md) ------------------------------


def test_customer_reached_only_by_a_logged_target_interaction_is_a_target_until_canceled(
    world, campaign, letter_template
):
    segment = segment_to_log(world, campaign, letter_template, campaign_target=True)
    acme = Contact.objects.get(name="Acme")
    customer = create_customer_from_contact(contact=acme)
    log_segment(segment=segment)
    assert not SegmentLine.objects.filter(campaign=campaign).exists()  # only interactions left

    activate_campaign(campaign=campaign)
    assert CampaignTarget.objects.get(campaign=campaign).customer == customer

    set_entry_canceled(entry=CampaignEntry.objects.get(), canceled=True)
    assert not CampaignTarget.objects.filter(campaign=campaign).exists()


def test_canceling_the_entry_keeps_a_target_that_a_segment_line_still_refers_to(
    world, campaign, letter_template
):
    segment = segment_to_log(world, campaign, letter_template, campaign_target=True)
    acme = Contact.objects.get(name="Acme")
    customer = create_customer_from_contact(contact=acme)
    log_segment(segment=segment)
    still = Segment(description="Still targeted", campaign=campaign, campaign_target=True)
    services.save_segment(segment=still)
    services.add_contacts(segment=still, filters={"name": "Ann"})
    activate_campaign(campaign=campaign)

    set_entry_canceled(entry=CampaignEntry.objects.get(), canceled=True)
    assert CampaignTarget.objects.get(campaign=campaign).customer == customer


def test_logging_into_an_activated_campaign_adds_the_target(world, campaign, letter_template):
    acme = world.company("Target Co")
    create_customer_from_contact(contact=acme)
    seed = Segment(description="Seed", campaign=campaign, campaign_target=True)
    services.save_segment(segment=seed)
    services.add_contacts(segment=seed, filters={"name": "Target Co"})
    activate_campaign(campaign=campaign)
    segment = segment_to_log(world, campaign, letter_template, campaign_target=True)
    log_segment(segment=segment)
    customers = CampaignTarget.objects.filter(customer__isnull=False)
    assert set(customers.values_list("customer__contact__name", flat=True)) == {"Target Co"}
    # Acme is no customer: logging made it a contact target of the activated campaign.
    assert CampaignTarget.objects.filter(contact__name="Acme").exists()


# Query counts --------------------------------------------------------------------------


def _big_segment(world, campaign, template, size):
    company = world.company(f"Big {size}", email=f"big{size}@example.com")
    Contact.objects.bulk_create(
        Contact(
            no=f"L{size}-{index:06d}",
            type=ContactType.PERSON,
            name=f"Person {index}",
            company=company,
            email=f"p{index}@big{size}.example",
        )
        for index in range(size)
    )
    segment = Segment.objects.create(
        description=f"{size} lines", campaign=campaign, interaction_template=template
    )
    contacts = Contact.objects.filter(no__startswith=f"L{size}-")
    SegmentLine.objects.bulk_create(
        (
            SegmentLine(
                segment=segment,
                contact_id=contact_id,
                contact_company=company,
                campaign=campaign,
                campaign_target=True,
                interaction_template=template,
                correspondence_type=CorrespondenceType.EMAIL,
                cost=Decimal("1.00"),
                duration=Decimal("2.0"),
            )
            for contact_id in contacts.values_list("id", flat=True)
        ),
        batch_size=2000,
    )
    Segment.objects.filter(pk=segment.pk).update(line_count=size)
    return segment


def _log_counting(segment):
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = log_segment(segment=segment, send_attachments=True, create_follow_up=True)
        seconds = time.perf_counter() - started
    return result, queries, seconds


@pytest.mark.parametrize("size", [100, pytest.param(10_000, marks=pytest.mark.bench)])
@pytest.mark.parametrize("activated", [False, True])
def test_logging_runs_a_constant_number_of_queries_whatever_the_number_of_lines(
    world, campaign, email_template, activated, size
):
    if activated:  # then logging also refreshes the campaign's target group
        seed = Segment(description="Seed", campaign=campaign, campaign_target=True)
        services.save_segment(segment=seed)
        services.add_contacts(segment=seed, filters={"name": world.company("Seed Co").name})
        activate_campaign(campaign=campaign)
    small, small_queries, _seconds = _log_counting(
        _big_segment(world, campaign, email_template, 10)
    )
    large, large_queries, seconds = _log_counting(
        _big_segment(world, campaign, email_template, size)
    )
    assert (small.interactions, large.interactions) == (10, size)
    assert large.follow_up.line_count == size
    assert large.emails == size
    # On PostgreSQL an insert of 10,000 rows or more is followed by an ANALYZE of
    # its table (core.sql), and the targeted companies' table is analysed: statistics
    # upkeep, not a query per line.
    small_queries, large_queries = (
        [q for q in queries if not q["sql"].startswith("ANALYZE")]
        for queries in (small_queries, large_queries)
    )
    assert len(small_queries) == len(large_queries)
    # 40, 6 to lock the campaign and sum its interactions per day again, in a savepoint
    # (campaigns.InteractionDay; docs/concurrency.md, Lock order) and 6 more when the
    # target group is refreshed: the campaigns locked first, its two removals separate
    # anti-joins (docs/performance.md, Plans that stay linear), and its targeted
    # companies written to a temporary table and dropped, in a savepoint (docs/pricing.md,
    # Campaign activation and the target group).
    assert len(large_queries) <= 52
    # No query fetches one row per line (e.g. a DISTINCT defeated by the model ordering).
    for query in large_queries:
        sql = query["sql"]
        assert not ("SELECT DISTINCT" in sql and '"segments_segmentline"."id"' in sql), sql
    print(  # noqa: T201 - the numbers for the report
        f"\nlog_segment (activated={activated}): 10 lines {len(small_queries)} queries, "
        f"{size:,} lines {len(large_queries)} queries, {size:,} lines in {seconds:.2f}s"
    )


# The interaction template on the header (docs/segments.md) --------------------------


def test_choosing_a_template_on_the_header_copies_its_values(world, campaign):
    template = make_template(
        "CALL",
        CorrespondenceType.EMAIL,
        unit_cost=Decimal("4.00"),
        unit_duration=Decimal("12.5"),
        campaign=campaign,
        campaign_target=True,
        campaign_response=True,
        information_flow="outbound",
        initiated_by="us",
    )
    segment = Segment(description="New")
    services.save_segment(segment=segment)
    segment.interaction_template = template
    services.save_segment(segment=segment)
    segment.refresh_from_db()
    assert (segment.unit_cost, segment.unit_duration) == (Decimal("4.00"), Decimal("12.5"))
    assert segment.correspondence_type == CorrespondenceType.EMAIL
    assert segment.campaign == campaign  # the header had none
    assert (segment.campaign_target, segment.campaign_response) == (True, True)
    assert (segment.information_flow, segment.initiated_by) == ("outbound", "us")


def test_template_keeps_the_header_campaign_and_correspondence_type_when_it_has_none(
    world, campaign
):
    template = make_template("VISIT", "", unit_cost=Decimal("9.00"))
    segment = Segment(
        description="Own", campaign=campaign, correspondence_type=CorrespondenceType.HARD_COPY
    )
    services.save_segment(segment=segment)
    segment.interaction_template = template
    services.save_segment(segment=segment)
    segment.refresh_from_db()
    assert segment.campaign == campaign
    assert segment.correspondence_type == CorrespondenceType.HARD_COPY
    assert segment.unit_cost == Decimal("9.00")


def test_saving_again_with_the_same_template_keeps_typed_values(world, letter_template):
    segment = Segment(description="Typed", interaction_template=letter_template)
    services.save_segment(segment=segment)
    segment.unit_cost = Decimal("3.33")
    services.save_segment(segment=segment)
    segment.refresh_from_db()
    assert segment.unit_cost == Decimal("3.33")


def test_update_lines_carries_the_template_values_to_the_lines(world, campaign, letter_template):
    email = make_template("MAIL2", CorrespondenceType.EMAIL, unit_cost=Decimal("0.10"))
    segment = segment_to_log(world, campaign, letter_template)
    SegmentLine.objects.filter(contact__name="Cat").update(cost=Decimal("8.00"))
    segment.interaction_template = email
    updated = services.save_segment(segment=segment, update_lines=True)
    assert updated["interaction_template"] == 3
    assert updated["unit_cost"] == 2  # Cat's own cost stays
    assert updated["correspondence_type"] == 3
    lines = {line.contact.name: line for line in segment.lines.select_related("contact")}
    assert lines["Ann"].interaction_template == email
    assert lines["Ann"].cost == Decimal("0.10")
    assert lines["Ann"].correspondence_type == CorrespondenceType.EMAIL
    assert lines["Cat"].cost == Decimal("8.00")


# The interactions filter group of Add contacts (docs/segments.md) ---------------------


@pytest.fixture
def interactions(world, campaign, letter_template, email_template):
    """Ann: letter in January for the campaign; Bram: e-mail in March; Cat: a
    canceled letter; Dirk: nothing."""
    from datetime import date

    company = world.company("Acme")
    people = {name: world.person(name, company) for name in ("Ann", "Bram", "Cat", "Dirk")}
    rows = [
        ("Ann", letter_template, campaign, date(2026, 1, 15), False),
        ("Bram", email_template, None, date(2026, 3, 1), False),
        ("Cat", letter_template, campaign, date(2026, 1, 20), True),
    ]
    InteractionLogEntry.objects.bulk_create(
        InteractionLogEntry(
            contact=people[name],
            contact_company=company,
            template=template,
            campaign=interaction_campaign,
            date=day,
            canceled=canceled,
        )
        for name, template, interaction_campaign, day, canceled in rows
    )
    return people


def names(contacts):
    return set(contacts.values_list("name", flat=True))


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"interaction_templates": ["LETTER"]}, {"Ann"}),
        ({"interaction_templates": ["LETTER", "EMAIL"]}, {"Ann", "Bram"}),
        ({"interaction_campaign": "CAMPAIGN"}, {"Ann"}),
        ({"interaction_date_from": "2026-02-01"}, {"Bram"}),
        ({"interaction_date_to": "2026-01-31"}, {"Ann"}),
        (
            {
                "interaction_templates": ["EMAIL"],
                "interaction_date_from": "2026-01-01",
                "interaction_date_to": "2026-01-31",
            },
            set(),
        ),
        ({"interaction_templates": ["LETTER"], "type": "person", "name": "A*"}, {"Ann"}),
    ],
)
def test_interactions_group_selects_contacts_with_a_matching_interaction_not_canceled(
    interactions, campaign, filters, expected
):
    filters = {key: campaign.no if value == "CAMPAIGN" else value for key, value in filters.items()}
    assert names(matching_contacts(filters)) == expected


def test_interactions_group_is_one_subquery(interactions):
    sql = str(
        matching_contacts(
            {
                "interaction_templates": ["LETTER"],
                "interaction_date_from": "2026-01-01",
                "interaction_date_to": "2026-12-31",
            }
        ).query
    )
    assert sql.count('FROM "campaigns_interactionlogentry"') == 1


def test_add_contacts_with_the_interactions_group_and_its_summary(segment, interactions, campaign):
    form = CriteriaForm(
        data={
            "interaction_templates": ["LETTER"],
            "interaction_campaign": campaign.no,
            "interaction_date_from": "2026-01-01",
            "interaction_date_to": "2026-01-31",
        }
    )
    assert form.is_valid(), form.errors
    filters = form.filters()
    assert filters == {
        "interaction_templates": ["LETTER"],
        "interaction_campaign": campaign.no,
        "interaction_date_from": "2026-01-01",
        "interaction_date_to": "2026-01-31",
    }
    result = services.add_contacts(segment=segment, filters=filters)
    assert result.added == 1
    assert names(Contact.objects.filter(id__in=contact_ids(segment))) == {"Ann"}
    summary = describe(filters)
    assert "interaction template = LETTER" in summary
    assert f"interaction campaign = {campaign.no}" in summary
    assert "interaction date = 01-01-2026..31-01-2026" in summary  # the user's format


def test_interactions_group_rejects_reversed_dates():
    form = CriteriaForm(
        data={"interaction_date_from": "2026-02-01", "interaction_date_to": "2026-01-01"}
    )
    assert not form.is_valid()
    assert "interaction_date_to" in form.errors


def test_a_stored_invalid_date_is_refused_not_a_crash(segment, interactions):
    with pytest.raises(ValidationError, match="invalid date"):
        services.add_contacts(segment=segment, filters={"interaction_date_from": "2026-13-45"})


def test_logged_segment_filter_selects_its_contacts_even_when_canceled(
    world, campaign, letter_template
):
    segment = segment_to_log(world, campaign, letter_template)
    logged = log_segment(segment=segment).logged_segment
    cancel_logged_segment(logged_segment=logged)
    assert names(matching_contacts({"logged_segment": logged.pk})) == {"Ann", "Bram", "Cat"}
    assert names(matching_contacts({"interaction_templates": ["LETTER"]})) == set()
    assert describe({"logged_segment": logged.pk}) == f"logged segment = {logged.pk}"
