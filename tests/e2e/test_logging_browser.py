"""Step 8 of the acceptance story in the browser: log a segment with e-mail."""

import re

from django.core import mail
from playwright.sync_api import expect

from campaigns.models import CampaignEntry
from segments.models import LoggedSegment, Segment
from tests.e2e.conftest import screenshot
from tests.factories import CampaignFactory, World, make_template, segment_to_log


def test_log_a_segment_with_email_and_land_on_the_logged_segment(login):
    world = World()
    campaign = CampaignFactory(description="Spring mailing")
    template = make_template("EMAIL", "email")
    segment = segment_to_log(world, campaign, template, names=("Ann", "Bram", "Cat"))
    mail.outbox = []
    page = login()

    page.goto(f"{page.base_url}{segment.get_absolute_url()}")
    page.get_by_role("link", name="Log segment").click()
    expect(page.locator("main")).to_contain_text(
        f"Logging segment {segment.no} creates 3 interactions for campaign {campaign.no}."
    )
    expect(page.locator("main")).to_contain_text("3 e-mails will be sent")
    page.get_by_label("Send attachments").check()
    screenshot(page, "logging-01-confirm")
    page.get_by_role("button", name="Log", exact=True).click()

    logged = LoggedSegment.objects.get()
    page.wait_for_url(re.compile(rf"/logged-segments/{logged.pk}/$"))
    expect(page.locator(".alert-success")).to_contain_text(
        f"Segment {segment.no} logged: 3 interactions, 1 campaign entry, "
        "3 e-mails queued for sending."
    )
    entries = page.locator("#entries")
    entry = CampaignEntry.objects.get()
    expect(entries.get_by_role("row", name=re.compile(campaign.no))).to_contain_text(
        entry.description
    )
    expect(
        page.locator("#interactions").get_by_role("row", name=re.compile("Bram"))
    ).to_be_visible()
    screenshot(page, "logging-02-logged-segment")

    assert not Segment.objects.exists()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ann@acme.example",
        "bram@acme.example",
        "cat@acme.example",
    ]
    dutch = next(message for message in mail.outbox if message.to == ["bram@acme.example"])
    assert dutch.subject == "Voorjaarsaanbieding voor Bram"
