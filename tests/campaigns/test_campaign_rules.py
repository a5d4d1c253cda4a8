import datetime

import pytest
from django.db import IntegrityError

from campaigns.forms import CampaignForm
from campaigns.models import Campaign
from campaigns.services import save_campaign
from campaigns.signals import campaign_dates_changed
from core.models import NumberSeries
from tests.factories import CampaignFactory, CampaignStatusFactory, SalespersonFactory

pytestmark = pytest.mark.django_db

JAN_1 = datetime.date(2026, 1, 1)
JAN_31 = datetime.date(2026, 1, 31)


def form_data(**overrides):
    data = {"description": "Trade show", "starting_date": "2026-01-01", "ending_date": "2026-01-31"}
    data.update(overrides)
    return data


def test_starting_date_after_ending_date_is_refused_on_the_changed_field():
    form = CampaignForm(data=form_data(starting_date="2026-02-01"))
    assert not form.is_valid()
    assert "starting_date" in form.errors
    campaign = CampaignFactory(starting_date=JAN_1, ending_date=JAN_31)
    form = CampaignForm(instance=campaign, data=form_data(no=campaign.no, ending_date="2025-12-31"))
    assert not form.is_valid()
    assert list(form.errors) == ["ending_date"]
    assert "may not be after" in form.errors["ending_date"][0]


def test_equal_dates_are_accepted():
    form = CampaignForm(data=form_data(ending_date="2026-01-01"))
    assert form.is_valid(), form.errors


def test_open_ended_dates_are_accepted():
    assert CampaignForm(data=form_data(starting_date="", ending_date="")).is_valid()


def test_database_refuses_reversed_dates_too():
    with pytest.raises(IntegrityError):
        Campaign.objects.create(description="x", starting_date=JAN_31, ending_date=JAN_1)


def test_new_campaign_takes_the_next_number():
    form = CampaignForm(data=form_data())
    assert form.is_valid()
    campaign = save_campaign(campaign=form.save(commit=False))
    assert campaign.no == "CP0001"


def test_typed_number_is_kept_and_duplicate_refused():
    form = CampaignForm(data=form_data(no="cp9000"))
    assert form.is_valid(), form.errors
    assert save_campaign(campaign=form.save(commit=False)).no == "CP9000"
    form = CampaignForm(data=form_data(no="CP9000"))
    assert not form.is_valid()
    assert "no" in form.errors


def test_manual_number_refused_when_series_does_not_allow_it():
    NumberSeries.objects.filter(code="CAMPAIGN").update(allow_manual=False)
    form = CampaignForm(data=form_data(no="CP9000"))
    assert not form.is_valid()
    assert "does not allow manual numbers" in form.errors["no"][0]


def test_last_date_modified_changes_on_edit():
    campaign = CampaignFactory()
    Campaign.objects.filter(pk=campaign.pk).update(last_date_modified=datetime.date(2020, 1, 1))
    campaign.refresh_from_db()
    campaign.description = "Changed"
    save_campaign(campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.last_date_modified > datetime.date(2020, 1, 1)


def test_blocked_salesperson_cannot_be_chosen_on_a_new_campaign():
    blocked = SalespersonFactory(blocked=True)
    form = CampaignForm(data=form_data(salesperson=blocked.pk))
    assert not form.is_valid()
    assert "salesperson" in form.errors


def test_blocked_salesperson_stays_on_an_existing_campaign():
    salesperson = SalespersonFactory()
    campaign = CampaignFactory(salesperson=salesperson, starting_date=JAN_1, ending_date=JAN_31)
    salesperson.blocked = True
    salesperson.save()
    form = CampaignForm(
        instance=campaign,
        data=form_data(no=campaign.no, salesperson=salesperson.pk, status=campaign.status.pk),
    )
    assert form.is_valid(), form.errors


def test_changing_dates_announces_the_change_once():
    campaign = CampaignFactory(starting_date=JAN_1, ending_date=JAN_31)
    received = []

    def listener(sender, campaign, old_starting_date, old_ending_date, **kwargs):
        received.append((campaign.pk, old_starting_date, old_ending_date))

    campaign_dates_changed.connect(listener)
    try:
        campaign.description = "only the description"
        save_campaign(campaign=campaign)
        campaign.ending_date = datetime.date(2026, 2, 28)
        save_campaign(campaign=campaign)
    finally:
        campaign_dates_changed.disconnect(listener)
    assert received == [(campaign.pk, JAN_1, JAN_31)]


def test_active_on_includes_open_ended_campaigns():
    running = CampaignFactory(starting_date=JAN_1, ending_date=JAN_31)
    open_ended = CampaignFactory(starting_date=None, ending_date=None)
    CampaignFactory(starting_date=datetime.date(2026, 2, 1), ending_date=None)
    found = set(Campaign.objects.active_on(datetime.date(2026, 1, 15)))
    assert found == {running, open_ended}


def test_status_in_use_cannot_be_deleted_but_unused_can():
    status = CampaignStatusFactory(code="1-PLAN")
    CampaignFactory(status=status)
    unused = CampaignStatusFactory(code="9-UNUSED")
    unused.delete()
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        status.delete()
