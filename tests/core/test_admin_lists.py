"""The admin helps (docs/operations.md, The admin): every list has filters and a search
box, and the header names the application in the user's language."""

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db


def registered():
    return sorted(admin.site._registry.items(), key=lambda pair: pair[0]._meta.label)


@pytest.mark.parametrize(
    ("model", "model_admin"), registered(), ids=[m._meta.label for m, _a in registered()]
)
def test_every_admin_list_has_filters_and_a_search_box(model, model_admin):
    request = RequestFactory().get("/")
    assert model_admin.get_list_filter(request), f"{model._meta.label}: no list filter"
    assert model_admin.get_search_fields(request), f"{model._meta.label}: no search fields"


def test_every_admin_list_opens_filtered_and_searched(superuser_client):
    """The derived filters and search fields are ones the admin can use (a wrong field
    name would be an error here)."""
    for model, _model_admin in registered():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = superuser_client.get(url, {SEARCH_VAR: "X"})
        assert response.status_code == 200, url
        assert 'id="searchbar"' in response.content.decode(), url


def test_the_admin_header_names_the_application(superuser_client):
    html = superuser_client.get(reverse("admin:index")).content.decode()
    assert "Marketing Campaigns administration" in html
    superuser_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    with translation.override("nl"):
        dutch = str(admin.site.site_header)
    html = superuser_client.get(reverse("admin:index")).content.decode()
    assert dutch in html
    assert dutch != "Marketing Campaigns administration"  # needs the merged catalogue
