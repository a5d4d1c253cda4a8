from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from core import generic_views as generic
from salespeople.filters import SalespersonFilter, TeamFilter
from salespeople.forms import SalespersonForm, TeamForm
from salespeople.models import Salesperson, Team
from salespeople.tables import SalespersonTable, TeamTable


class SalespersonList(generic.RecordListView):
    model = Salesperson
    queryset = Salesperson.objects.select_related("user")
    table_class = SalespersonTable
    filterset_class = SalespersonFilter
    empty_text = _("No salespeople yet. Create the people who carry out your campaigns.")


class SalespersonCard(generic.RecordCardView):
    model = Salesperson
    sections = [
        (_("General"), ["code", "name", "email", "phone"]),
        (_("Sales"), ["commission_percent", "user", "blocked"]),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["teams"] = self.object.teams.all()
        return context


class SalespersonCreate(generic.RecordCreateView):
    model = Salesperson
    form_class = SalespersonForm


class SalespersonEdit(generic.RecordUpdateView):
    model = Salesperson
    form_class = SalespersonForm


class SalespersonDelete(generic.RecordDeleteView):
    model = Salesperson


class TeamList(generic.RecordListView):
    model = Team
    queryset = Team.objects.annotate(member_count=Count("members"))
    table_class = TeamTable
    filterset_class = TeamFilter
    empty_text = _("No teams yet. A team lets an activity go to several salespeople at once.")


class TeamCard(generic.RecordCardView):
    model = Team
    sections = [(_("General"), ["code", "name"])]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["members"] = self.object.members.all()
        return context


class TeamCreate(generic.RecordCreateView):
    model = Team
    form_class = TeamForm


class TeamEdit(generic.RecordUpdateView):
    model = Team
    form_class = TeamForm


class TeamDelete(generic.RecordDeleteView):
    model = Team
