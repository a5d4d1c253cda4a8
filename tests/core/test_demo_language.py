"""``manage.py demo --language nl``: the demo data in Dutch, matching the home page's
guide (docs/operations.md)."""

import io

import pytest
from django.core.management import call_command
from django.utils import translation

from activities.models import Activity, Task
from campaigns.models import Campaign, CampaignStatus, InteractionTemplate
from contacts.models import IndustryGroup
from core.models import UserPreference
from core.navigation import WORKFLOW
from opportunities.demo_history import WON
from opportunities.models import Opportunity, SalesCycleStage
from pricing.models import CampaignTarget, Item
from quotes.models import SalesQuoteLine
from segments.models import LoggedSegment, Segment

pytestmark = pytest.mark.django_db


def load_demo(*args):
    call_command("demo", *args, stdout=io.StringIO(), stderr=io.StringIO())


def test_the_dutch_demo_has_the_status_codes_of_the_home_page_guide():
    load_demo("--language", "nl")
    codes = set(CampaignStatus.objects.values_list("code", flat=True))
    assert codes == {"1-PLAN", "2-ACTIEF", "3-KLAAR", "4-GESTOPT"}
    with translation.override("nl"):
        guide = str(WORKFLOW[0][0])  # "Stel campagnestatuscodes in (1-PLAN, 2-ACTIEF, …)."
    for code in ("1-PLAN", "2-ACTIEF", "3-KLAAR"):
        assert code in guide
    assert CampaignStatus.objects.get(code="2-ACTIEF").description == "Lopend"


def test_the_dutch_demo_is_dutch_and_as_complete_as_the_english_one():
    load_demo("--language", "nl")
    mailing = Campaign.objects.get(description="Direct mailing kantoormeubilair")
    assert mailing.activated
    assert mailing.status.code == "2-ACTIEF"
    # Every part that the English demo builds from these records is there: the
    # modules find each other's records by the same translated descriptions.
    assert CampaignTarget.objects.filter(campaign=mailing).exists()
    assert Segment.objects.filter(description="Inkopers voor de mailing kantoormeubilair").exists()
    assert LoggedSegment.objects.count() == 3
    assert Task.objects.filter(description="Bellen over de mailing").exists()
    # Three of opportunities.demo, and the won ones of its history (demo_history).
    assert Opportunity.objects.filter(campaign=mailing).count() == 3 + len(WON)
    assert SalesQuoteLine.objects.filter(item__description="Kabelgoot").exists()
    assert Item.objects.filter(description="Ergonomische bureaustoel ATHENE").exists()
    assert IndustryGroup.objects.get(code="RETAIL").description == "Detailhandel"
    assert Activity.objects.get(code="TRADESHOW").description == "Opvolging beurs"
    assert SalesCycleStage.objects.filter(description="Onderhandeling").exists()
    assert InteractionTemplate.objects.get(code="LETTER").description == "Brief"
    # The demo logins start in Dutch.
    assert set(UserPreference.objects.values_list("user__username", "language")) == {
        ("demo", "nl"),
        ("manager", "nl"),
        ("staff", "nl"),
        ("sales", "nl"),
        ("viewer", "nl"),
    }


def test_the_default_demo_is_english_and_leaves_the_language_choice_alone():
    load_demo()
    assert Campaign.objects.filter(description="Office furniture direct mailing").exists()
    assert CampaignStatus.objects.filter(code="2-ACTIVE").exists()
    assert not UserPreference.objects.exists()
    # Loading again (in another language) adds no second set of campaigns.
    load_demo("--language", "nl")
    assert Campaign.objects.count() == 6
    assert not Campaign.objects.filter(description="Direct mailing kantoormeubilair").exists()


def test_an_unknown_language_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="invalid choice"):
        load_demo("--language", "fr")
