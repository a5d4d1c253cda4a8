"""Counts before committing (docs/segments.md, Criteria): Add contacts, Reduce and
Refine say how many contacts match and how many lines they would add or remove, while
the filters are filled in, and change nothing; the counts are what the action then
does."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from segments import services
from segments.models import Segment, SegmentCriteriaAction, SegmentLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world):
    acme = world.company("Acme", industry=["RETAIL"], relations=["PROS"], city="Amsterdam")
    bolt = world.company("Bolt", industry=["WHOLESALE"], relations=["PROS"], city="Utrecht")
    return {
        "acme": acme,
        "bolt": bolt,
        "ann": world.person("Ann", acme, jobs=["PURCHASE"], city="Amsterdam"),
        "bob": world.person("Bob", acme, jobs=["SALES"], city="Amsterdam"),
        "cat": world.person("Cat", bolt, jobs=["PURCHASE"], city="Utrecht"),
        "dan": world.person("Dan", None, jobs=["PURCHASE"], city="Rotterdam"),
    }


ADD_CASES = [
    ({"type": "person"}, {}),
    ({"business_relations": ["PROS"]}, {}),
    ({"business_relations": ["PROS"]}, {"allow_related_companies": True}),
    ({"type": "company"}, {"expand_companies": True}),
    ({"city": "Amsterdam"}, {"allow_existing": True}),
    ({"city": "Amsterdam|Utrecht"}, {}),
    # A person's own code (probed per contact on PostgreSQL), with a company's code.
    ({"job_responsibilities": ["PURCHASE"]}, {}),
    ({"type": "person", "industry_groups": ["RETAIL"], "job_responsibilities": ["PURCHASE"]}, {}),
    ({"industry_groups": ["RETAIL"], "job_responsibilities": ["PURCHASE"]}, {}),
]


def _nothing_written(segment, lines_before):
    assert SegmentLine.objects.filter(segment=segment).count() == lines_before
    assert not SegmentCriteriaAction.objects.filter(segment=segment).exists()


@pytest.mark.parametrize(("filters", "options"), ADD_CASES)
def test_the_add_preview_counts_what_add_contacts_then_does(segment, people, filters, options):
    services.add_contacts(segment=segment, filters={"name": "Ann|Acme"})
    SegmentCriteriaAction.objects.all().delete()
    before = SegmentLine.objects.filter(segment=segment).count()
    preview = services.preview_add(segment=segment, filters=filters, **options)
    _nothing_written(segment, before)
    result = services.add_contacts(segment=segment, filters=filters, **options)
    assert (preview.added, preview.renewed) == (result.added, result.removed)
    if not options.get("allow_existing"):
        assert preview.matching >= preview.added


@pytest.mark.parametrize("keep_matching", [False, True])
@pytest.mark.parametrize("entire_companies", [False, True])
def test_the_reduce_and_refine_previews_count_what_the_actions_then_do(
    segment, people, keep_matching, entire_companies
):
    services.add_contacts(segment=segment, filters={}, allow_related_companies=True)
    SegmentCriteriaAction.objects.all().delete()
    before = SegmentLine.objects.filter(segment=segment).count()
    filters = {"city": "Amsterdam"}
    preview = services.preview_remove(
        segment=segment,
        filters=filters,
        entire_companies=entire_companies,
        keep_matching=keep_matching,
    )
    _nothing_written(segment, before)
    action = services.refine_contacts if keep_matching else services.reduce_contacts
    result = action(segment=segment, filters=filters, entire_companies=entire_companies)
    assert preview.removed == result.removed
    assert preview.removed > 0


def preview_url(segment):
    return reverse("segments:segment_criteria_preview", kwargs={"key": segment.no})


def test_the_add_page_counts_as_the_filters_are_filled_in(manager_client, segment, people):
    page = manager_client.get(
        reverse("segments:segment_add_contacts", kwargs={"key": segment.no})
    ).content.decode()
    assert 'id="criteria-preview"' in page
    assert preview_url(segment) in page
    response = manager_client.get(preview_url(segment), {"kind": "add", "type": "person"})
    assert response.content.decode().startswith("4 contacts match: 4 new lines would be added.")
    assert "Nothing changes until you confirm." in response.content.decode()
    assert not SegmentLine.objects.exists()


def test_the_reduce_and_refine_pages_count_the_lines(manager_client, segment, people):
    services.add_contacts(segment=segment, filters={"type": "person"})
    text = manager_client.get(
        preview_url(segment), {"kind": "reduce", "city": "Amsterdam"}
    ).content.decode()
    assert text.startswith("2 lines match and would be removed.")
    text = manager_client.get(
        preview_url(segment), {"kind": "refine", "city": "Amsterdam"}
    ).content.decode()
    assert text.startswith("2 lines match and are kept: 2 lines would be removed.")
    assert SegmentLine.objects.count() == 4


def test_a_filter_in_error_says_so_instead_of_a_count(manager_client, segment, people):
    text = manager_client.get(preview_url(segment), {"kind": "add", "name": "|"}).content.decode()
    assert text.strip() == (
        '<span class="text-body-secondary">Correct the filters to see how many contacts '
        "match.</span>"
    )


def test_the_preview_takes_the_same_queries_for_few_or_many_contacts(
    manager_client, segment, world
):
    def queries(count):
        for index in range(count):
            world.company(f"Count {len(str(index))}{index}", city="Leiden")
        with CaptureQueriesContext(connection) as captured:
            manager_client.get(preview_url(segment), {"kind": "add", "city": "Leiden"})
        return len(captured)

    assert queries(2) == queries(40)


def test_a_read_only_user_sees_the_count_but_not_the_action(viewer_client, segment, people):
    response = viewer_client.get(preview_url(segment), {"kind": "add"})
    assert response.status_code == 200
    add = reverse("segments:segment_add_contacts", kwargs={"key": segment.no})
    assert viewer_client.get(add).status_code == 403


@pytest.mark.postgres
def test_a_count_that_takes_too_long_is_given_up_with_a_message(
    manager_client, segment, people, monkeypatch
):
    from segments import criteria_views

    def slow_preview(self, kind, form):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")

    monkeypatch.setattr(criteria_views, "PREVIEW_SECONDS", 0.05)
    monkeypatch.setattr(criteria_views.CriteriaPreview, "preview", slow_preview)
    text = manager_client.get(preview_url(segment), {"kind": "add"}).content.decode()
    assert "These filters take too long to count here" in text
    # The page's own queries go on after the limit (it ended with the transaction).
    assert manager_client.get(preview_url(segment), {"kind": "add"}).status_code == 200


def _statements(run):
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured)


def test_each_preview_is_one_counting_statement(segment, people):
    """One statement counts the matches and the lines (on PostgreSQL between setting
    the planner options and putting them back); Refine reads the segment's number of
    lines too."""
    services.add_contacts(segment=segment, filters={"type": "person"})
    setup = 2 if connection.vendor == "postgresql" else 0
    filters = {"city": "Amsterdam", "business_relations": ["PROS"]}
    options = {"allow_existing": True, "expand_companies": True}
    assert (
        _statements(lambda: services.preview_add(segment=segment, filters=filters, **options))
        == 1 + setup
    )
    assert _statements(lambda: services.preview_remove(segment=segment, filters=filters)) == (
        1 + setup
    )
    assert (
        _statements(
            lambda: services.preview_remove(segment=segment, filters=filters, keep_matching=True)
        )
        == 2 + setup
    )


def test_refine_takes_the_number_of_lines_the_segment_keeps(segment, people):
    """Refine's lines in all are the segment's kept count (docs/segments.md, Totals),
    not counted again: only the capped count reads the lines."""
    services.add_contacts(segment=segment, filters={"type": "person"})
    segment.refresh_from_db()
    assert segment.line_count == 4
    with CaptureQueriesContext(connection) as captured:
        preview = services.preview_remove(
            segment=segment, filters={"city": "Amsterdam"}, keep_matching=True
        )
    assert (preview.matching, preview.removed) == (2, 2)
    line_table = SegmentLine._meta.db_table
    assert len([q for q in captured if line_table in q["sql"]]) == 1
    # The kept count is what Refine subtracts from.
    Segment.objects.filter(pk=segment.pk).update(line_count=10)
    preview = services.preview_remove(
        segment=segment, filters={"city": "Amsterdam"}, keep_matching=True
    )
    assert preview.removed == 8


def test_beyond_the_cap_the_counts_say_more_than(segment, people, monkeypatch, manager_client):
    from segments.services import previews

    monkeypatch.setattr(previews, "PREVIEW_CAP", 2)
    preview = services.preview_add(segment=segment, filters={"type": "person"})
    assert (preview.matching, preview.added, preview.capped) == (2, 2, True)
    assert not services.preview_add(segment=segment, filters={"name": "Ann|Bob"}).capped
    text = manager_client.get(preview_url(segment), {"kind": "add", "type": "person"})
    assert text.content.decode().startswith(
        "More than 2 contacts match: at least 2 new lines would be added."
    )
    services.add_contacts(segment=segment, filters={"type": "person"})
    preview = services.preview_remove(segment=segment, filters={"type": "person"})
    assert (preview.removed, preview.capped) == (2, True)
    text = manager_client.get(preview_url(segment), {"kind": "reduce", "type": "person"})
    assert text.content.decode().startswith("More than 2 lines match and would be removed.")
    preview = services.preview_remove(
        segment=segment, filters={"type": "person"}, keep_matching=True
    )
    # 4 lines, more than 2 kept: fewer than 2 removed (in fact none).
    assert (preview.matching, preview.removed, preview.capped) == (2, 2, True)
    text = manager_client.get(preview_url(segment), {"kind": "refine", "type": "person"})
    assert text.content.decode().startswith(
        "More than 2 lines match and are kept: fewer than 2 lines would be removed."
    )


def test_under_the_cap_the_counts_are_exact(segment, people, monkeypatch):
    from segments.services import previews

    monkeypatch.setattr(previews, "PREVIEW_CAP", 4)
    preview = services.preview_add(segment=segment, filters={"type": "person"})
    assert (preview.matching, preview.added, preview.capped) == (4, 4, False)


@pytest.mark.postgres
def test_the_planner_settings_of_a_count_are_put_back(segment, people):
    """A caller's later statements in the same transaction plan as usual."""

    def settings():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('jit'), current_setting('enable_hashjoin'), "
                "current_setting('enable_mergejoin')"
            )
            return cursor.fetchone()

    before = settings()
    services.preview_add(segment=segment, filters={"type": "person"})
    services.preview_remove(segment=segment, filters={"type": "person"}, keep_matching=True)
    assert settings() == before
