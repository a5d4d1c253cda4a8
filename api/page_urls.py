from django.urls import path

from api import page_views

app_name = "apitokens"

urlpatterns = [
    path("account/api-tokens/", page_views.ApiTokenList.as_view(), name="token_list"),
    path(
        "account/api-tokens/<int:pk>/revoke/",
        page_views.ApiTokenRevoke.as_view(),
        name="token_revoke",
    ),
    path("api/docs/", page_views.ApiDocs.as_view(), name="api_docs"),
]
