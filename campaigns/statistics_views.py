"""The campaign statistics page (docs/statistics.md)."""

from django import forms
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView

from campaigns.models import Campaign
from campaigns.statistics import campaign_statistics, cost_per_entry, response_series
from core import generic_views as generic
from core.forms import DATE_INPUT

# Higher apps (opportunities) add charts to the statistics page. Arguments: campaign,
# date_from, date_to. Each receiver returns a chart or None: {"key", "title", "type"
# (Chart.js: "bar", "line", "doughnut" …), "labels", "datasets": [{"label", "data"}],
# "integer" (whole numbers on the axis), "empty" and "empty_text" (shown instead),
# "note" (optional, shown below)}.
campaign_charts_requested = Signal()


def extra_charts(campaign, **dates) -> list[dict]:
    charts = []
    for _receiver, chart in campaign_charts_requested.send(
        sender=Campaign, campaign=campaign, **dates
    ):
        if chart:
            charts.append({**chart, "data_id": f"chart-data-{chart['key']}"})
    return charts


class StatisticsFilterForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=DATE_INPUT)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period may not be before its start."))
        return cleaned


class CampaignStatisticsView(
    generic.ModelPermissionMixin, generic.KeyObjectMixin, generic.PageMixin, DetailView
):
    model = Campaign
    queryset = Campaign.objects.select_related("status", "salesperson")
    template_name = "campaigns/statistics.html"

    def get_title(self):
        return _("Statistics – %(campaign)s") % {"campaign": self.object}

    def get_breadcrumbs(self):
        return [
            self.list_crumb(),
            (str(self.object), self.object.get_absolute_url()),
            (_("Statistics"), None),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = StatisticsFilterForm(self.request.GET or None)
        dates = {}
        if form.is_bound and form.is_valid():
            dates = {k: v for k, v in form.cleaned_data.items() if v}
        context["form"] = form
        context["statistics"] = campaign_statistics(self.object, **dates)
        context["timeline"] = series = campaign_series(self.object, **dates)
        context["timeline_chart"] = response_chart(series)
        context["roi_chart"] = roi_chart(context["statistics"])
        context["cost_per_entry"] = cost_per_entry(self.object)
        context["extra_charts"] = extra_charts(self.object, **dates)
        return context


def campaign_series(campaign, date_from=None, date_to=None) -> dict:
    """The "contacted and responded over time" chart: from the campaign's starting
    date (or the first interaction) to today or its ending date, whichever is first,
    every day present (docs/statistics.md, Charts)."""
    today = timezone.localdate()
    last = min(today, campaign.ending_date) if campaign.ending_date else today
    first = (
        campaign.starting_date
        if campaign.starting_date and campaign.starting_date <= last
        else None
    )
    return response_series(
        [campaign.pk], date_from, date_to, first=first, last=last if first else None
    )


def roi_chart(statistics) -> dict:
    """The "cost and revenue" bars of the statistics page (a chart in the format of
    ``campaign_charts_requested``)."""
    return {
        "type": "bar",
        # Short: the labels of a horizontal bar chart share a phone's width.
        "labels": [
            _("Interaction cost"),
            _("Budget cost"),
            _("Won opportunities"),
            _("Quote lines"),
            _("Margin given away"),
        ],
        "datasets": [
            {
                "label": _("Amount"),
                "data": [
                    float(statistics.cost),
                    float(statistics.budget_cost),
                    float(statistics.won_value),
                    float(statistics.quote_revenue),
                    float(statistics.margin_given_away),
                ],
                "colors": ["danger", "danger", "success", "success", "warning"],
            }
        ],
        "horizontal": True,
    }


def response_chart(series: dict) -> dict:
    """The chart of a ``response_series``: contacted and responded per day or week, and
    the response rate so far (responded / contacted up to that day, %) on its own axis."""
    rates, contacted, responded = [], 0, 0
    for day_contacted, day_responded in zip(series["contacted"], series["responded"], strict=True):
        contacted += day_contacted
        responded += day_responded
        rates.append(round(responded * 100 / contacted, 1) if contacted else None)
    return {
        "type": "bar",
        "labels": series["labels"],
        "datasets": [
            {"label": _("Target contacts contacted"), "data": series["contacted"]},
            {"label": _("Contacts responded"), "data": series["responded"]},
            {
                "label": _("Response rate so far (%)"),
                "data": rates,
                "type": "line",
                "yAxisID": "y1",
                "spanGaps": True,
            },
        ],
        "integer": True,
        "rate_axis": True,
    }
