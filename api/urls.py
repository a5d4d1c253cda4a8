from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from api import sales_views, segment_views, views
from api.contact_bulk import ContactBulkUpsert

app_name = "api"


def api(view_class):
    """DRF authenticates (token or session) and answers 401/403 itself: the site's
    LoginRequiredMiddleware, which redirects to the login page, leaves it alone."""
    return login_not_required(view_class.as_view())


urlpatterns = [
    path("schema/", api(SpectacularAPIView), name="schema"),
    path("contacts/", api(views.ContactList), name="contact_list"),
    path("contacts/upsert/", api(views.ContactUpsert), name="contact_upsert"),
    path("contacts/bulk-upsert/", api(ContactBulkUpsert), name="contact_bulk_upsert"),
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
    # (contacts/bulk-upsert/ is above contacts/<str:no>/, which would take it.)
    # --- Segments, logged segments and their deliveries ---
    path("segments/", api(segment_views.SegmentList), name="segment_list"),
    path("segments/<str:no>/", api(segment_views.SegmentDetail), name="segment_detail"),
    path("segments/<str:no>/lines/", api(segment_views.SegmentLineList), name="segment_lines"),
    path(
        "segments/<str:no>/add-contacts/",
        api(segment_views.SegmentAddContacts),
        name="segment_add_contacts",
    ),
    path("segments/<str:no>/reduce/", api(segment_views.SegmentReduce), name="segment_reduce"),
    path("segments/<str:no>/refine/", api(segment_views.SegmentRefine), name="segment_refine"),
    path("segments/<str:no>/go-back/", api(segment_views.SegmentGoBack), name="segment_go_back"),
    path("logged-segments/", api(segment_views.LoggedSegmentList), name="logged_segment_list"),
    path(
        "logged-segments/<int:pk>/",
        api(segment_views.LoggedSegmentDetail),
        name="logged_segment_detail",
    ),
    path(
        "logged-segments/<int:pk>/deliveries/",
        api(segment_views.DeliveryList),
        name="logged_segment_deliveries",
    ),
    # --- Sales: companies, customers, quotes, tasks, opportunities ---
    path("companies/", api(sales_views.CompanyList), name="company_list"),
    path("companies/<str:no>/", api(sales_views.CompanyDetail), name="company_detail"),
    path("customers/", api(sales_views.CustomerList), name="customer_list"),
    path("customers/<str:no>/", api(sales_views.CustomerDetail), name="customer_detail"),
    path("quotes/", api(sales_views.SalesQuoteList), name="quote_list"),
    path("quotes/<str:no>/", api(sales_views.SalesQuoteDetail), name="quote_detail"),
    path("my/tasks/", api(sales_views.MyTaskList), name="my_task_list"),
    path(
        "my/opportunities/",
        api(sales_views.MyOpportunityList),
        name="my_opportunity_list",
    ),
    # --- Documentation ---
]
