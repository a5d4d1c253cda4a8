from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from campaigns import entry_views, interaction_views, statistics_urls, views
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
            [
                *record_urls(
                    InteractionTemplate,
                    list=interaction_views.InteractionTemplateList,
                    card=interaction_views.InteractionTemplateCard,
                    create=interaction_views.InteractionTemplateCreate,
                    edit=interaction_views.InteractionTemplateEdit,
                    delete=interaction_views.InteractionTemplateDelete,
                ),
                path(
                    "<str:key>/languages/new/",
                    interaction_views.TemplateLanguageCreate.as_view(),
                    name="interactiontemplatelanguage_create",
                ),
                path(
                    "<str:key>/languages/<str:language>/edit/",
                    interaction_views.TemplateLanguageEdit.as_view(),
                    name="interactiontemplatelanguage_edit",
                ),
                path(
                    "<str:key>/languages/<str:language>/delete/",
                    interaction_views.TemplateLanguageDelete.as_view(),
                    name="interactiontemplatelanguage_delete",
                ),
            ]
        ),
    ),
    path(
        "interactions/",
        include(
            [
                path(
                    "", interaction_views.InteractionList.as_view(), name="interactionlogentry_list"
                ),
                path(
                    "<str:key>/",
                    interaction_views.InteractionCard.as_view(),
                    name="interactionlogentry_card",
                ),
                path(
                    "<str:key>/evaluation/",
                    interaction_views.InteractionEvaluation.as_view(),
                    name="interactionlogentry_evaluation",
                ),
            ]
        ),
    ),
    path(
        "contacts/<str:key>/log-interaction/",
        interaction_views.ContactLogInteraction.as_view(),
        name="contact_log_interaction",
    ),
    path(
        "campaign-entries/",
        include(
            [
                # Before the card's <key>/ so that it is not taken for an entry No.
                path(
                    "delete-canceled/",
                    entry_views.DeleteCanceledEntries.as_view(),
                    name="campaignentry_delete_canceled",
                ),
                *record_urls(
                    CampaignEntry,
                    list=entry_views.CampaignEntryList,
                    card=entry_views.CampaignEntryCard,
                    delete=entry_views.CampaignEntryDelete,
                ),
                path(
                    "<str:key>/cancel/",
                    entry_views.EntryCancel.as_view(),
                    name="campaignentry_cancel",
                ),
                path(
                    "<str:key>/undo-cancel/",
                    entry_views.EntryUndoCancel.as_view(),
                    name="campaignentry_undo_cancel",
                ),
            ]
        ),
    ),
]
