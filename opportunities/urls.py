from django.urls import include, path

from core.urls_helpers import record_urls
from opportunities import views
from opportunities.models import Opportunity, SalesCycle

app_name = "opportunities"

urlpatterns = [
    path(
        "setup/sales-cycles/",
        include(
            [
                *record_urls(
                    SalesCycle,
                    list=views.SalesCycleList,
                    card=views.SalesCycleCard,
                    create=views.SalesCycleCreate,
                    edit=views.SalesCycleEdit,
                    delete=views.SalesCycleDelete,
                ),
                path(
                    "<str:key>/stages/new/",
                    views.StageCreate.as_view(),
                    name="salescyclestage_create",
                ),
                path(
                    "<str:key>/stages/<int:stage>/edit/",
                    views.StageEdit.as_view(),
                    name="salescyclestage_edit",
                ),
                path(
                    "<str:key>/stages/<int:stage>/delete/",
                    views.StageDelete.as_view(),
                    name="salescyclestage_delete",
                ),
            ]
        ),
    ),
    path(
        "opportunities/",
        include(
            [
                *record_urls(
                    Opportunity,
                    list=views.OpportunityList,
                    card=views.OpportunityCard,
                    create=views.OpportunityCreate,
                    edit=views.OpportunityEdit,
                    delete=views.OpportunityDelete,
                ),
                path("<str:key>/next-stage/", views.NextStage.as_view(), name="opportunity_next"),
                path(
                    "<str:key>/previous-stage/",
                    views.PreviousStage.as_view(),
                    name="opportunity_previous",
                ),
                path(
                    "<str:key>/go-to-stage/",
                    views.GoToStage.as_view(),
                    name="opportunity_go_to_stage",
                ),
                path(
                    "<str:key>/close/", views.CloseOpportunity.as_view(), name="opportunity_close"
                ),
                path(
                    "<str:key>/assign-activity/",
                    views.AssignActivityToOpportunity.as_view(),
                    name="opportunity_assign_activity",
                ),
            ]
        ),
    ),
]
