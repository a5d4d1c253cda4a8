"""Bulk actions in the browser (docs/contacts.md, Bulk actions): select rows on the
contact list, add them to a segment, see the lines, and undo it with Go back."""

import re

from playwright.sync_api import expect

from segments.models import SegmentLine
from tests.factories import SegmentFactory, World


def test_select_rows_add_them_to_a_segment_and_go_back(login):
    world = World()
    acme = world.company("Acme Bulk")
    world.person("Anna Bulk", acme)
    world.company("Other Bulk")
    segment = SegmentFactory(description="Spring mailing")
    page = login()
    page.goto(f"{page.base_url}/contacts/?q=Bulk")
    bar = page.locator("[data-bulk-bar]")
    # The header's box selects the page's rows; unticking one leaves two.
    page.locator("[data-bulk-page]").check()
    expect(bar).to_contain_text("3 selected")
    page.get_by_label(re.compile(r"Select .* Other Bulk")).uncheck()
    expect(bar).to_contain_text("2 selected")

    bar.get_by_role("button", name="Add to segment").click()
    expect(page.locator("[data-bulk-question]")).to_contain_text(
        "Add 2 contacts to a segment: choose the segment."
    )
    page.get_by_label("Segment").select_option(segment.no)
    page.get_by_role("button", name="Next").click()
    expect(page.locator("[data-bulk-question]")).to_contain_text(
        f"Add 2 contacts to segment {segment.no} (Spring mailing)?"
    )
    assert not SegmentLine.objects.exists()  # nothing until confirmed
    page.get_by_role("button", name="Add to segment").click()
    page.wait_for_url(re.compile(r"/contacts/\?q=Bulk$"))
    expect(page.locator("body")).to_contain_text(f"2 contacts added to segment {segment.no}.")

    page.goto(f"{page.base_url}/segments/{segment.no}/")
    expect(page.locator("body")).to_contain_text("Anna Bulk")
    expect(page.locator("body")).to_contain_text("Acme Bulk")
    page.get_by_role("link", name="Go back").click()
    page.get_by_role("button", name="Yes").click()
    page.wait_for_url(re.compile(rf"/segments/{segment.no}/$"))
    expect(page.locator("body")).not_to_contain_text("Anna Bulk")
    assert not SegmentLine.objects.filter(segment=segment).exists()
