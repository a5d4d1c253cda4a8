"""Deleting a campaign (docs/campaigns.md): refused while entries or interactions live."""

import pytest
from django.core.exceptions import ValidationError

from campaigns.models import Campaign, CampaignEntry, InteractionLogEntry
from campaigns.services import delete_campaign, deletion_summary, set_entry_canceled
from contacts.models import Contact, ContactType
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign_with_entry():
    campaign = CampaignFactory()
    entry = CampaignEntry.objects.create(campaign=campaign, description="Mailing")
    contact = Contact.objects.create(type=ContactType.COMPANY, name="Acme")
    InteractionLogEntry.objects.create(
        campaign=campaign, campaign_entry=entry, contact=contact, contact_company=contact
    )
    return campaign, entry


def test_campaign_with_live_entries_cannot_be_deleted(campaign_with_entry):
    campaign, _entry = campaign_with_entry
    with pytest.raises(ValidationError, match="not canceled"):
        delete_campaign(campaign=campaign)
    assert Campaign.objects.filter(pk=campaign.pk).exists()


def test_canceled_entries_go_with_the_campaign_after_naming_them(campaign_with_entry):
    campaign, entry = campaign_with_entry
    set_entry_canceled(entry=entry, canceled=True)
    assert "1 canceled campaign entry" in deletion_summary(campaign)
    delete_campaign(campaign=campaign)
    assert not Campaign.objects.filter(pk=campaign.pk).exists()
    assert not CampaignEntry.objects.exists()
    assert not InteractionLogEntry.objects.exists()


def test_refusal_is_a_message_on_the_card_not_a_500(manager_client, campaign_with_entry):
    campaign, _entry = campaign_with_entry
    response = manager_client.post(campaign.get_url("delete"), follow=True)
    assert response.status_code == 200
    assert "Cancel them first" in response.content.decode()
    assert Campaign.objects.filter(pk=campaign.pk).exists()
