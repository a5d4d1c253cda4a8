"""The segment traps in the browser (docs/segments.md, docs/campaigns.md): a template
that turns the campaign target off says so and can be kept off the flags, a follow-up
segment keeps the flags, the old address of a logged segment leads to it, and the
campaign card lists its logged segments."""

import re

from playwright.sync_api import expect

from segments.models import Segment, SegmentLine
from segments.segment_logging import log_segment
from tests.factories import CampaignFactory, World, make_template, segment_to_log


def _targeted_segment():
    campaign = CampaignFactory(description="Spring mailing")
    letter = make_template("LETTER", "hard_copy")
    return segment_to_log(World(), campaign, letter, campaign_target=True), campaign


def test_template_that_turns_the_target_off_says_so_and_the_flags_can_be_kept(login):
    segment, _campaign = _targeted_segment()
    bus = make_template("BUS", "hard_copy")  # no campaign target
    page = login()

    page.goto(f"{page.base_url}/segments/{segment.no}/edit/")
    page.get_by_label("Interaction template").select_option(str(bus.pk))
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#template-flags")).to_contain_text(
        "Template BUS turns Campaign target off for the segment and for 3 lines."
    )
    page.get_by_label(re.compile("Keep the segment's Campaign target")).check()
    page.get_by_role("button", name="Yes, update the lines").click()
    page.wait_for_url(re.compile(rf"/segments/{segment.no}/$"))

    segment.refresh_from_db()
    assert segment.interaction_template.code == "BUS"
    assert segment.campaign_target is True
    assert SegmentLine.objects.filter(segment=segment, campaign_target=True).count() == 3


def test_follow_up_keeps_the_target_and_the_logged_segment_is_found(login):
    segment, campaign = _targeted_segment()
    page = login()

    page.goto(f"{page.base_url}{segment.get_absolute_url()}")
    page.get_by_role("link", name="Log segment").click()
    page.get_by_label("Create follow-up segment").check()
    page.get_by_role("button", name="Log", exact=True).click()
    page.wait_for_url(re.compile(r"/logged-segments/\d+/$"))
    logged_url = page.url

    # The follow-up's lines are still campaign targets.
    follow_up = Segment.objects.get()
    page.goto(f"{page.base_url}{follow_up.get_absolute_url()}")
    expect(
        page.get_by_role("checkbox", name=re.compile("^Campaign target: ")).and_(
            page.locator(":checked")
        )
    ).to_have_count(3)

    # The old address of the logged segment leads to its card.
    page.goto(f"{page.base_url}/segments/{segment.no}/")
    page.wait_for_url(logged_url)

    # The campaign card lists the logged segment, with a link to it.
    page.goto(f"{page.base_url}{campaign.get_absolute_url()}")
    logged_panel = page.locator("#campaign-logged-segments")
    expect(logged_panel).to_contain_text(segment.no)
    expect(logged_panel).to_contain_text("Spring mailing")
    logged_panel.get_by_role("link", name=segment.no).click()
    page.wait_for_url(logged_url)


def test_campaign_card_of_logged_segments_only(login):
    segment, campaign = _targeted_segment()
    log_segment(segment=segment)
    page = login()
    page.goto(f"{page.base_url}{campaign.get_absolute_url()}")
    expect(page.locator("main")).not_to_contain_text("No segments are linked to this campaign")
    expect(page.locator("#campaign-logged-segments")).to_contain_text(segment.no)
