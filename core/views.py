"""Core pages: the home page and the number series setup pages."""

from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from core import generic_views as generic
from core.filters import SearchFilterSet
from core.forms import NumberSeriesForm
from core.models import NumberSeries
from core.tables import NumberSeriesTable


class HomeView(TemplateView):
    """Start page: the workflow and the menus the user can open."""

    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Marketing Campaigns")
        return context


class NumberSeriesFilter(SearchFilterSet):
    search_fields = ("code", "description", "prefix")

    class Meta:
        model = NumberSeries
        fields = ["allow_manual"]


class NumberSeriesList(generic.RecordListView):
    model = NumberSeries
    table_class = NumberSeriesTable
    filterset_class = NumberSeriesFilter


class NumberSeriesCard(generic.RecordCardView):
    model = NumberSeries
    sections = [
        (_("General"), ["code", "description", "prefix", "digits"]),
        (_("Numbering"), ["last_number", "allow_manual"]),
    ]


class NumberSeriesCreate(generic.RecordCreateView):
    model = NumberSeries
    form_class = NumberSeriesForm


class NumberSeriesEdit(generic.RecordUpdateView):
    model = NumberSeries
    form_class = NumberSeriesForm


class NumberSeriesDelete(generic.RecordDeleteView):
    model = NumberSeries
