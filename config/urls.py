from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core.views import FaviconRedirect, HomeView, set_user_language

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("favicon.ico", FaviconRedirect.as_view(), name="favicon"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    # The language can be switched on the login page too; it is remembered per user.
    path("i18n/setlang/", set_user_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("core.urls")),
    path("", include("salespeople.urls")),
    path("", include("contacts.urls")),
    path("", include("campaigns.urls")),
    path("", include("segments.urls")),
    path("", include("mailings.urls")),
    path("", include("pricing.urls")),
    path("", include("quotes.urls")),
    path("", include("activities.urls")),
    path("", include("opportunities.urls")),
    # The integration API (docs/api.md) and the user's API tokens.
    path("api/v1/", include("api.urls")),
    path("", include("api.page_urls")),
]

# A lost database connection is a 503 page in the user's language, other errors the
# 500 page (core/error_pages.py).
handler500 = "core.error_pages.server_error"
