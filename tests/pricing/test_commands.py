import pytest
from django.core.management import CommandError, call_command

from pricing.models import CampaignTarget
from tests.factories import campaign_with_segment, company

pytestmark = pytest.mark.django_db


def test_activate_and_deactivate_commands(capsys):
    a = company("A")
    campaign, _segment = campaign_with_segment(a, targets=[a])
    call_command("activate_campaign", campaign.no.lower())
    assert "is now activated (1 targets" in capsys.readouterr().out
    assert CampaignTarget.objects.count() == 1
    call_command("deactivate_campaign", campaign.no)
    assert "deactivated (1 targets removed)" in capsys.readouterr().out
    assert not CampaignTarget.objects.exists()


def test_activate_command_reports_refusals_and_unknown_numbers():
    campaign, _segment = campaign_with_segment()
    with pytest.raises(CommandError, match="campaign target"):
        call_command("activate_campaign", campaign.no)
    with pytest.raises(CommandError, match="does not exist"):
        call_command("activate_campaign", "CP9999")
