from core.filters import SearchFilterSet
from salespeople.models import Salesperson, Team


class SalespersonFilter(SearchFilterSet):
    search_fields = ("code", "name", "email")

    class Meta:
        model = Salesperson
        fields = ["blocked"]


class TeamFilter(SearchFilterSet):
    search_fields = ("code", "name")

    class Meta:
        model = Team
        fields = ["members"]
