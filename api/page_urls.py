from django.urls import path

from api import token_views

app_name = "apitokens"

urlpatterns = [
    path("account/api-tokens/", token_views.ApiTokenList.as_view(), name="token_list"),
    path(
        "account/api-tokens/<int:pk>/revoke/",
        token_views.ApiTokenRevoke.as_view(),
        name="token_revoke",
    ),
]
