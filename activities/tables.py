import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, Task


class ActivityTable(tables.Table):
    code = tables.Column(linkify=True)
    step_count = tables.Column(verbose_name=_("No. of steps"), attrs={"td": {"class": "text-end"}})

    class Meta:
        model = Activity
        fields = ["code", "description", "step_count"]


class TaskTable(tables.Table):
    no = tables.Column(linkify=True)
    salesperson = tables.Column(
        accessor="salesperson__code", verbose_name=_("Salesperson"), order_by="salesperson__code"
    )
    team = tables.Column(accessor="team__code", verbose_name=_("Team"), order_by="team__code")
    campaign = tables.Column(
        accessor="campaign__no", verbose_name=_("Campaign"), order_by="campaign__no"
    )
    contact = tables.Column(
        accessor="contact__name", verbose_name=_("Contact"), order_by="contact__name"
    )

    # Column priorities: 1 always shown, 2–6 from wider tables up (docs/lists.md).
    priorities = {
        "no": 1,
        "date": 2,
        "description": 1,
        "type": 3,
        "priority": 5,
        "status": 2,
        "salesperson": 3,
        "team": 5,
        "campaign": 4,
        "contact": 3,
        "closed": 5,
        "canceled": 5,
    }

    class Meta:
        model = Task
        fields = [
            "no",
            "date",
            "description",
            "type",
            "priority",
            "status",
            "salesperson",
            "team",
            "campaign",
            "contact",
            "closed",
            "canceled",
        ]
