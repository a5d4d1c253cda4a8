import pytest
from django.core.management import call_command
from django.urls import reverse

from activities.models import Task
from opportunities.models import (
    Opportunity,
    OpportunityEntry,
    OpportunityStatus,
    SalesCycle,
    SalesCycleStage,
)
from tests.opportunities.conftest import new_opportunity

pytestmark = pytest.mark.django_db


def test_demo_has_opportunities_in_every_status_with_entries_and_is_idempotent(demo_data):
    assert set(Opportunity.objects.values_list("status", flat=True)) == set(
        OpportunityStatus.values
    )
    cycle = SalesCycle.objects.get(code="NEW")
    assert list(cycle.stages.values_list("completed_percent", flat=True)) == [10, 40, 70, 90]
    assert SalesCycle.objects.filter(blocked=True).exists()
    started = Opportunity.objects.exclude(status=OpportunityStatus.NOT_STARTED)
    for opportunity in started:
        assert opportunity.entries.filter(active=True).count() == 1
    assert not Opportunity.objects.filter(campaign__isnull=True).exists()
    # The presentation stage assigned its activity to the salesperson of the "sales" login.
    assert Task.objects.filter(
        opportunity__isnull=False, salesperson__user__username="sales"
    ).exists()
    counts = (Opportunity.objects.count(), OpportunityEntry.objects.count(), Task.objects.count())
    call_command("demo", verbosity=0)
    assert counts == (
        Opportunity.objects.count(),
        OpportunityEntry.objects.count(),
        Task.objects.count(),
    )


def test_admin_pages_for_every_model(admin_client, cycle):
    opportunity = new_opportunity(cycle, activate_first_stage=True)
    for model, obj in [
        (SalesCycle, cycle),
        (SalesCycleStage, cycle.stages.first()),
        (Opportunity, opportunity),
        (OpportunityEntry, opportunity.entries.first()),
    ]:
        name = f"admin:opportunities_{model._meta.model_name}"
        assert admin_client.get(reverse(f"{name}_changelist"), {"q": "x"}).status_code == 200
        assert admin_client.get(reverse(f"{name}_change", args=[obj.pk])).status_code == 200
        assert admin_client.get(reverse(f"{name}_add")).status_code == 200
