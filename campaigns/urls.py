from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from campaigns import statistics_urls, views
from campaigns.models import Campaign, CampaignEntry, CampaignStatus, InteractionTemplate
from core.code_tables import code_table_urls
from core.urls_helpers import record_urls

app_name = "campaigns"

urlpatterns = [
    path(
        "setup/campaign-statuses/",
        include(
            code_table_urls(
                CampaignStatus,
                empty_text=_(
                    "No campaign status codes yet. Set them up before creating campaigns."
                ),
            )
        ),
    ),
    path(
        "campaigns/",
        include(
            record_urls(
                Campaign,
                list=views.CampaignList,
                card=views.CampaignCard,
                create=views.CampaignCreate,
                edit=views.CampaignEdit,
                delete=views.CampaignDelete,
            )
        ),
    ),
    *statistics_urls.urlpatterns,
    path(
        "setup/interaction-templates/",
        include(
            record_urls(
                InteractionTemplate,
                list=views.InteractionTemplateList,
                card=views.InteractionTemplateCard,
                create=views.InteractionTemplateCreate,
                edit=views.InteractionTemplateEdit,
                delete=views.InteractionTemplateDelete,
            )
        ),
    ),
    path(
        "interactions/",
        include(
            [
                path("", views.InteractionList.as_view(), name="interactionlogentry_list"),
                path(
                    "<str:key>/", views.InteractionCard.as_view(), name="interactionlogentry_card"
                ),
                path(
                    "<str:key>/evaluation/",
                    views.InteractionEvaluation.as_view(),
                    name="interactionlogentry_evaluation",
                ),
            ]
        ),
    ),
    path(
        "contacts/<str:key>/log-interaction/",
        views.ContactLogInteraction.as_view(),
        name="contact_log_interaction",
    ),
    path(
        "campaign-entries/",
        include(
            [
                # Before the card's <key>/ so that it is not taken for an entry No.
                path(
                    "delete-canceled/",
                    views.DeleteCanceledEntries.as_view(),
                    name="campaignentry_delete_canceled",
                ),
                *record_urls(
                    CampaignEntry,
                    list=views.CampaignEntryList,
                    card=views.CampaignEntryCard,
                    delete=views.CampaignEntryDelete,
                ),
                path("<str:key>/cancel/", views.EntryCancel.as_view(), name="campaignentry_cancel"),
                path(
                    "<str:key>/undo-cancel/",
                    views.EntryUndoCancel.as_view(),
                    name="campaignentry_undo_cancel",
                ),
            ]
        ),
    ),
]
