"""The campaign statistics page (docs/statistics.md)."""

from django import forms
from django.dispatch import Signal
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView

from campaigns.models import Campaign
from campaigns.statistics import campaign_statistics, cost_per_entry, timeline
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
        context["timeline"] = timeline(self.object, **dates)
        context["cost_per_entry"] = cost_per_entry(self.object)
        context["extra_charts"] = extra_charts(self.object, **dates)
        return context
