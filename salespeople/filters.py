from core.filters import CONTAINS, SearchFilterSet
from salespeople.models import Salesperson, Team


class SalespersonFilter(SearchFilterSet):
    search_fields = ("code", "name", "email")
    search_mode = CONTAINS  # setup table: stays small

    class Meta:
        model = Salesperson
        fields = ["blocked"]


class TeamFilter(SearchFilterSet):
    search_fields = ("code", "name")
    search_mode = CONTAINS  # setup table: stays small

    class Meta:
        model = Team
        fields = ["members"]
