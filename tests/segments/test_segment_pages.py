import pytest
from django.urls import reverse

from segments import services
from segments.models import SavedSegmentCriteria, Segment, SegmentLine
from tests.factories import CampaignFactory
from tests.segments.conftest import contact_ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(world, campaign):
    acme = world.company("Acme", relations=["CUST"])
    bolt = world.company("Bolt", relations=["PROS"])
    persons = [
        world.person("Ann", acme, jobs=["PURCHASE"]),
        world.person("Cat", bolt, jobs=["PURCHASE"]),
    ]
    segment = Segment.objects.create(description="Buyers", campaign=campaign, subject="Hello")
    services.add_contacts(segment=segment, filters={"type": "person"})
    return segment, persons


def url(segment, name, **kwargs):
    return reverse(f"segments:{name}", kwargs={"key": segment.no, **kwargs})


def test_create_segment_with_target_needs_a_campaign(manager_client):
    response = manager_client.post(
        reverse("segments:segment_create"),
        {
            "description": "X",
            "campaign_target": "on",
            "date": "2026-01-01",
            "unit_cost": "0",
            "unit_duration": "0",
        },
    )
    assert response.status_code == 200
    assert "campaign_target" in response.context["form"].errors
    assert not Segment.objects.exists()


def test_clearing_the_campaign_clears_target_and_response(manager_client, filled):
    segment, _persons = filled
    segment.campaign_target = True
    segment.save()
    services.save_segment(segment=segment)
    segment.campaign = None
    services.save_segment(segment=segment, update_lines=True)
    segment.refresh_from_db()
    assert (segment.campaign_target, segment.campaign_response) == (False, False)
    assert not SegmentLine.objects.filter(segment=segment, campaign__isnull=False).exists()


def _edit_data(segment, **changes):
    data = {
        "description": segment.description,
        "campaign": segment.campaign_id or "",
        "date": segment.date.isoformat(),
        "subject": segment.subject,
        "unit_cost": segment.unit_cost,
        "unit_duration": segment.unit_duration,
        "correspondence_type": segment.correspondence_type,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_header_change_asks_before_updating_the_lines(manager_client, filled):
    segment, persons = filled
    SegmentLine.objects.filter(contact=persons[1]).update(subject="Own subject")
    response = manager_client.post(url(segment, "segment_edit"), _edit_data(segment, subject="New"))
    assert response.status_code == 200
    assert "Update the lines" in response.content.decode()
    segment.refresh_from_db()
    assert segment.subject == "Hello"  # nothing saved yet

    response = manager_client.post(
        url(segment, "segment_edit"), _edit_data(segment, subject="New", update_lines="yes")
    )
    assert response.status_code == 302
    subjects = dict(SegmentLine.objects.values_list("contact__name", "subject"))
    # Only the line that still carried the header's old value follows.
    assert subjects == {"Ann": "New", "Cat": "Own subject"}


def test_the_card_ticks_campaign_target_and_asks_about_the_lines(manager_client, filled):
    """The header's check boxes on the card (docs/segments.md): ticking Campaign target
    on a segment with lines asks whether the lines follow, like the edit page."""
    segment, _persons = filled
    card = manager_client.get(segment.get_absolute_url()).content.decode()
    assert 'id="segment-flags"' in card
    assert url(segment, "segment_flags") in card
    version = card.split('name="_version" value="')[1].split('"')[0]
    data = {"_version": version, "campaign_target": "on"}
    response = manager_client.post(url(segment, "segment_flags"), data)
    assert response.status_code == 200
    assert "Update the lines" in response.content.decode()
    segment.refresh_from_db()
    assert segment.campaign_target is False  # nothing saved before the answer

    response = manager_client.post(url(segment, "segment_flags"), {**data, "update_lines": "yes"})
    assert response.status_code == 302
    segment.refresh_from_db()
    assert (segment.campaign_target, segment.campaign_response) == (True, False)
    assert set(SegmentLine.objects.values_list("campaign_target", flat=True)) == {True}
    assert segment.subject == "Hello"  # the other header fields stay as they were


def test_the_card_flags_refuse_a_stale_card(manager_client, filled):
    segment, _persons = filled
    card = manager_client.get(segment.get_absolute_url()).content.decode()
    version = card.split('name="_version" value="')[1].split('"')[0]
    Segment.objects.filter(pk=segment.pk).update(subject="Changed meanwhile")
    response = manager_client.post(
        url(segment, "segment_flags"),
        {"_version": version, "campaign_response": "on", "update_lines": "no"},
    )
    assert response.status_code == 200
    segment.refresh_from_db()
    assert segment.campaign_response is False


def test_the_card_shows_no_flag_boxes_to_a_reader(viewer_client, filled):
    segment, _persons = filled
    card = viewer_client.get(segment.get_absolute_url()).content.decode()
    assert 'id="segment-flags"' not in card


def test_header_change_without_updating_lines(manager_client, filled):
    segment, _persons = filled
    response = manager_client.post(
        url(segment, "segment_edit"), _edit_data(segment, subject="New", update_lines="no")
    )
    assert response.status_code == 302
    segment.refresh_from_db()
    assert segment.subject == "New"
    assert set(SegmentLine.objects.values_list("subject", flat=True)) == {"Hello"}


def test_header_campaign_target_applies_to_lines_carrying_the_header_value(manager_client, filled):
    segment, persons = filled
    response = manager_client.post(
        url(segment, "segment_edit"),
        _edit_data(segment, campaign_target="on", update_lines="yes"),
    )
    assert response.status_code == 302
    assert SegmentLine.objects.filter(campaign_target=True).count() == 2


def test_toggle_campaign_target_with_htmx_returns_the_row(manager_client, filled):
    segment, persons = filled
    line = SegmentLine.objects.get(contact=persons[0])
    response = manager_client.post(
        url(segment, "segmentline_toggle_target", line_id=line.pk),
        {"value": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.strip().startswith(f'<tr id="line-{line.pk}"')
    assert f'id="target-{line.pk}" checked' in body
    line.refresh_from_db()
    assert line.campaign_target is True
    # An unticked check box posts no value: the line is no target.
    manager_client.post(url(segment, "segmentline_toggle_target", line_id=line.pk), {})
    line.refresh_from_db()
    assert line.campaign_target is False


def test_toggle_on_a_line_without_campaign_is_refused(manager_client, world):
    segment = Segment.objects.create(description="No campaign")
    world.person("Eve", jobs=["IT"])
    services.add_contacts(segment=segment, filters={"type": "person"})
    line = segment.lines.get()
    response = manager_client.post(
        url(segment, "segmentline_toggle_target", line_id=line.pk), {"value": "1"}, follow=True
    )
    assert "has no campaign" in response.content.decode()
    line.refresh_from_db()
    assert line.campaign_target is False


def test_line_of_another_segment_is_404(manager_client, filled):
    segment, _persons = filled
    other = Segment.objects.create(description="Other")
    line = segment.lines.first()
    response = manager_client.post(url(other, "segmentline_toggle_target", line_id=line.pk))
    assert response.status_code == 404


def test_add_reduce_go_back_through_the_pages(manager_client, filled, world):
    segment, persons = filled
    response = manager_client.post(
        url(segment, "segment_reduce"), {"business_relations": ["PROS"]}, follow=True
    )
    assert "1 line removed" in response.content.decode()
    assert contact_ids(segment) == {persons[0].id}
    confirm = manager_client.get(url(segment, "segment_go_back"))
    assert "Undo criteria action 2" in confirm.content.decode()
    response = manager_client.post(url(segment, "segment_go_back"), follow=True)
    assert "undone" in response.content.decode()
    assert contact_ids(segment) == {p.id for p in persons}


def test_go_back_without_actions_says_so(manager_client):
    segment = Segment.objects.create(description="Empty")
    response = manager_client.post(url(segment, "segment_go_back"), follow=True)
    assert "no criteria action to undo" in response.content.decode()


def test_save_and_reuse_criteria_pages(manager_client, filled):
    segment, _persons = filled
    response = manager_client.post(
        url(segment, "segment_save_criteria"), {"code": "persons", "description": "All persons"}
    )
    assert response.status_code == 302
    criteria = SavedSegmentCriteria.objects.get(code="PERSONS")
    other = Segment.objects.create(description="Other")
    manager_client.post(url(other, "segment_reuse_criteria"), {"criteria": criteria.pk})
    assert contact_ids(other) == contact_ids(segment)
    card = manager_client.get(criteria.get_absolute_url()).content.decode()
    assert "type = Person" in card


def test_card_shows_criteria_summary_and_lines(manager_client, filled):
    segment, persons = filled
    page = manager_client.get(segment.get_absolute_url()).content.decode()
    assert "type = Person" in page
    assert persons[0].no in page
    assert "2 lines" in page


def test_segment_card_query_count_does_not_grow_with_lines(manager_client, world, campaign):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (3, 60):
        company = world.company(f"Co{size}")
        for index in range(size):
            world.person(f"S{size}-{index}", company)
        segment = Segment.objects.create(description=f"{size}", campaign=campaign)
        services.add_contacts(segment=segment, filters={"name": f"S{size}-*"})
        with CaptureQueriesContext(connection) as queries:
            response = manager_client.get(segment.get_absolute_url())
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_segment_card_reads_its_lines_from_the_segment_and_id_index(manager_client, filled):
    """With ``segment = …`` PostgreSQL ordered by id alone and walked the primary key
    past every other segment's lines; a range on the segment ordered by (segment, id)
    leaves the index on (segment, id) as the only ordered path."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    segment, persons = filled
    with CaptureQueriesContext(connection) as queries:
        page = manager_client.get(segment.get_absolute_url()).content.decode()
    assert persons[0].no in page
    line_table = connection.ops.quote_name(SegmentLine._meta.db_table)
    pages = [q["sql"] for q in queries if q["sql"].startswith("SELECT") and "LIMIT" in q["sql"]]
    lines_page = next(sql for sql in pages if f"FROM {line_table}" in sql)
    qn = connection.ops.quote_name
    segment_column = f"{line_table}.{qn('segment_id')}"
    assert f"{segment_column} >=" in lines_page
    assert f"{segment_column} <=" in lines_page
    assert f"ORDER BY {segment_column} ASC, {line_table}.{qn('id')} ASC" in lines_page
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "EXPLAIN QUERY PLAN "  # noqa: S608 - a table name, the values are parameters
                f"SELECT id FROM {line_table} WHERE segment_id >= %s AND segment_id <= %s "
                "ORDER BY segment_id, id LIMIT 51",
                [segment.pk, segment.pk],
            )
            plan = " ".join(str(row) for row in cursor.fetchall())
        # An index delivers the order (SQLite's index on segment keeps the rowid,
        # which is the id): no sort of the segment's lines.
        assert "USING" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


def test_campaign_card_lists_its_segments(manager_client, filled):
    segment, _persons = filled
    page = manager_client.get(segment.campaign.get_absolute_url()).content.decode()
    assert segment.no in page
    other_campaign = CampaignFactory()
    assert segment.no not in manager_client.get(other_campaign.get_absolute_url()).content.decode()


def test_contact_card_lists_the_contact_segments(manager_client, filled):
    segment, persons = filled
    page = manager_client.get(persons[0].get_absolute_url()).content.decode()
    assert segment.no in page


def test_read_only_user_cannot_change_segments(viewer_client, filled):
    segment, _persons = filled
    line = segment.lines.first()
    assert viewer_client.get(segment.get_absolute_url()).status_code == 200
    for name, kwargs in [
        ("segment_add_contacts", {}),
        ("segment_reduce", {}),
        ("segment_refine", {}),
        ("segment_go_back", {}),
        ("segment_reuse_criteria", {}),
        ("segment_save_criteria", {}),
        ("segment_edit", {}),
        ("segment_delete", {}),
        ("segmentline_toggle_target", {"line_id": line.pk}),
        ("segmentline_edit", {"line_id": line.pk}),
    ]:
        assert viewer_client.post(url(segment, name, **kwargs)).status_code == 403, name
    assert segment.lines.count() == 2


def test_delete_segment_names_its_lines(manager_client, filled):
    segment, _persons = filled
    page = manager_client.get(url(segment, "segment_delete")).content.decode()
    assert "2 segment lines" in page
    manager_client.post(url(segment, "segment_delete"))
    assert not Segment.objects.exists()
    assert not SegmentLine.objects.exists()


# A template that changes the campaign flags says so (docs/segments.md, Header and lines)


@pytest.fixture
def targeted(filled):
    """The segment and its two lines are campaign targets; template BUS is not."""
    from contacts.models import CorrespondenceType
    from tests.factories import make_template

    segment, _persons = filled
    segment.campaign_target = True
    services.save_segment(segment=segment, update_lines=True)
    return segment, make_template("BUS", CorrespondenceType.HARD_COPY, unit_cost="7.00")


def test_template_flag_changes_name_the_flag_and_count_the_lines(
    targeted, django_assert_max_num_queries
):
    segment, bus = targeted
    chosen, old = Segment.objects.get(pk=segment.pk), Segment.objects.get(pk=segment.pk)
    chosen.interaction_template = bus
    with django_assert_max_num_queries(2):  # the template, the lines
        changes = services.template_flag_changes(chosen, old)
    assert [(c["field"], c["value"], c["lines"], c["template"]) for c in changes] == [
        ("campaign_target", False, 2, "BUS")
    ]
    assert services.describe_template_flag_change(changes[0]) == (
        "Template BUS turns Campaign target off for the segment and for 2 lines."
    )


def test_no_flag_change_when_the_template_agrees(targeted):
    segment, bus = targeted
    bus.campaign, bus.campaign_target = segment.campaign, True
    bus.save()
    chosen = Segment.objects.get(pk=segment.pk)
    chosen.interaction_template = bus
    assert services.template_flag_changes(chosen, Segment.objects.get(pk=segment.pk)) == []


def test_save_segment_can_keep_the_campaign_flags_and_take_the_other_values(targeted):
    segment, bus = targeted
    segment.interaction_template = bus
    services.save_segment(segment=segment, update_lines=True, keep_campaign_flags=True)
    segment.refresh_from_db()
    assert segment.campaign_target is True
    assert str(segment.unit_cost) == "7.00"
    assert SegmentLine.objects.filter(segment=segment, campaign_target=True).count() == 2


def test_save_segment_takes_the_templates_flags_by_default(targeted):
    segment, bus = targeted
    segment.interaction_template = bus
    services.save_segment(segment=segment, update_lines=True)
    segment.refresh_from_db()
    assert segment.campaign_target is False
    assert not SegmentLine.objects.filter(segment=segment, campaign_target=True).exists()


def test_edit_page_says_what_the_template_turns_off_and_offers_to_keep(manager_client, targeted):
    segment, bus = targeted
    data = _edit_data(segment, interaction_template=bus.pk, campaign_target="on")
    response = manager_client.post(url(segment, "segment_edit"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Template BUS turns Campaign target off for the segment and for 2 lines." in page
    assert 'name="template_flags" value="keep"' in page
    segment.refresh_from_db()
    assert segment.interaction_template_id is None  # nothing saved yet

    response = manager_client.post(
        url(segment, "segment_edit"), {**data, "template_flags": "keep", "update_lines": "yes"}
    )
    assert response.status_code == 302
    segment.refresh_from_db()
    assert (segment.interaction_template_id, segment.campaign_target) == (bus.pk, True)
    assert str(segment.unit_cost) == "7.00"
    assert SegmentLine.objects.filter(segment=segment, campaign_target=True).count() == 2


def test_edit_page_applies_the_templates_flags_when_chosen(manager_client, targeted):
    segment, bus = targeted
    data = _edit_data(segment, interaction_template=bus.pk, campaign_target="on")
    response = manager_client.post(
        url(segment, "segment_edit"), {**data, "template_flags": "template", "update_lines": "yes"}
    )
    assert response.status_code == 302
    segment.refresh_from_db()
    assert segment.campaign_target is False
    assert not SegmentLine.objects.filter(segment=segment, campaign_target=True).exists()
