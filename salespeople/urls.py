from django.urls import include, path

from core.urls_helpers import record_urls
from salespeople import views
from salespeople.models import Salesperson, Team

app_name = "salespeople"

urlpatterns = [
    path(
        "setup/salespeople/",
        include(
            record_urls(
                Salesperson,
                list=views.SalespersonList,
                card=views.SalespersonCard,
                create=views.SalespersonCreate,
                edit=views.SalespersonEdit,
                delete=views.SalespersonDelete,
            )
        ),
    ),
    path(
        "setup/teams/",
        include(
            record_urls(
                Team,
                list=views.TeamList,
                card=views.TeamCard,
                create=views.TeamCreate,
                edit=views.TeamEdit,
                delete=views.TeamDelete,
            )
        ),
    ),
]
