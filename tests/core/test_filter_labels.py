"""A list filter's label is worded in the language of the request that shows it,
even after something read it in another language first (the API's schema reads the
contact list's filters in English): docs/formats.md, Dutch with no English."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise

from contacts.filters import ContactFilter
from core.filters import SearchFilterSet


def every_filterset():
    found, todo = [], [SearchFilterSet]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls._meta.model is not None and cls.__module__.split(".")[0] != "tests":
            found.append(cls)
    return found


def test_every_filter_label_stays_lazy_after_it_is_read():
    filtersets = every_filterset()
    assert len(filtersets) > 20
    with translation.override("en"):
        for cls in filtersets:
            for made in cls.base_filters.values():
                str(made.label)  # as the API schema does
    lost = [
        f"{cls.__name__}.{name}"
        for cls in filtersets
        for name, made in cls.base_filters.items()
        if not isinstance(made.label, Promise)
    ]
    assert not lost, f"labels fixed in one language: {lost}"


def test_a_label_read_in_english_shows_in_dutch():
    with translation.override("en"):
        assert str(ContactFilter.base_filters["type"].label) == "Type"
    with translation.override("nl"):
        assert str(ContactFilter().form["type"].label) == "Soort"
        assert str(ContactFilter.base_filters["type"].label) == "Soort"


@pytest.mark.django_db
def test_contact_list_in_dutch_after_the_api_schema(admin_client):
    assert admin_client.get(reverse("api:schema")).status_code == 200
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    page = admin_client.get(reverse("contacts:contact_list")).content.decode()
    assert re.search(r'<label[^>]*for="id_type"[^>]*>\s*Soort', page), page
