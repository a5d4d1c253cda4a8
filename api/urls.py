from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from api import views

app_name = "api"


def api(view_class):
    """DRF authenticates (token or session) and answers 401/403 itself: the site's
    LoginRequiredMiddleware, which redirects to the login page, leaves it alone."""
    return login_not_required(view_class.as_view())


urlpatterns = [
    path("schema/", api(SpectacularAPIView), name="schema"),
    path("contacts/", api(views.ContactList), name="contact_list"),
    path("contacts/upsert/", api(views.ContactUpsert), name="contact_upsert"),
    path("contacts/<str:no>/", api(views.ContactDetail), name="contact_detail"),
    path("campaigns/", api(views.CampaignList), name="campaign_list"),
    path("campaigns/<str:no>/", api(views.CampaignDetail), name="campaign_detail"),
    path(
        "campaigns/<str:no>/activate/",
        api(views.CampaignActivate),
        name="campaign_activate",
    ),
    path(
        "campaigns/<str:no>/deactivate/",
        api(views.CampaignDeactivate),
        name="campaign_deactivate",
    ),
    path("interactions/", api(views.InteractionList), name="interaction_list"),
    path("prices/", api(views.BestPrice), name="best_price"),
    # --- Contacts in bulk and by external id ---
    # --- Segments, logged segments and their deliveries ---
    # --- Sales: companies, customers, quotes, tasks, opportunities ---
    # --- Documentation ---
]
