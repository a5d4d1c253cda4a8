"""Deleting a selection of contacts is refused above ``BULK_DELETE_LIMIT``, nothing
deleted, with the limit written as the user's language writes numbers
(docs/formats.md)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from contacts import services
from contacts.models import Contact
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def test_more_than_the_limit_is_refused_and_nothing_deleted(monkeypatch):
    monkeypatch.setattr(services, "BULK_DELETE_LIMIT", 2)
    for _ in range(3):
        CompanyFactory()
    with pytest.raises(ValidationError, match="At most 2 contacts can be deleted at once"):
        services.delete_contacts(contacts=Contact.objects.all())
    assert Contact.objects.count() == 3


def test_the_limit_is_grouped_as_the_language_writes_it(monkeypatch):
    monkeypatch.setattr(services, "BULK_DELETE_LIMIT", 1000)
    Contact.objects.bulk_create(
        [Contact(no=f"X{n:05d}", name=f"Bulk {n}", type="company") for n in range(1001)]
    )
    with translation.override("nl"), pytest.raises(ValidationError) as refused:
        services.delete_contacts(contacts=Contact.objects.all())
    assert "1.000" in refused.value.messages[0]
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.delete_contacts(contacts=Contact.objects.all())
    assert "1,000" in refused.value.messages[0]
