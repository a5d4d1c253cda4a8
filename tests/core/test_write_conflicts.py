"""A transaction ended by another user's write at the same moment (a deadlock, a
serialization failure, a key the other user's commit broke) is answered 409, "nothing
was saved; try again", on a page and in the API, not as a 500 or a "database not
reachable" 503 (core.error_pages.is_write_conflict; docs/concurrency.md)."""

import pytest
from django.db import IntegrityError, OperationalError
from django.urls import reverse
from psycopg import errors
from rest_framework.test import APIClient

from api import services as api_services
from campaigns import services as campaign_services
from core.error_pages import is_database_outage, is_write_conflict
from tests.factories import CampaignEntryFactory, CompanyFactory

MESSAGE = "Another user changed the same records at the same moment. Nothing was saved"


def wrapped(django_error, driver_error):
    """``driver_error`` as Django raises it: its own class, the driver's as the cause."""
    try:
        try:
            raise driver_error
        except errors.Error as cause:
            raise django_error(*cause.args) from cause
    except django_error as error:
        return error


@pytest.mark.parametrize(
    "error",
    [
        wrapped(OperationalError, errors.DeadlockDetected("deadlock detected")),
        wrapped(OperationalError, errors.SerializationFailure("could not serialize")),
        wrapped(OperationalError, errors.LockNotAvailable("could not obtain lock")),
        wrapped(IntegrityError, errors.ForeignKeyViolation("violates foreign key")),
        wrapped(IntegrityError, errors.UniqueViolation("duplicate key value")),
        IntegrityError("FOREIGN KEY constraint failed"),
        IntegrityError("UNIQUE constraint failed: campaigns_interactionday.campaign_id"),
    ],
    ids=["deadlock", "serialization", "lock", "foreign key", "unique", "sqlite fk", "sqlite u"],
)
def test_another_users_write_is_a_conflict_not_an_outage(error):
    assert is_write_conflict(error)
    assert not is_database_outage(error)


@pytest.mark.parametrize(
    "error",
    [
        wrapped(OperationalError, errors.OperationalError("connection refused")),
        wrapped(IntegrityError, errors.CheckViolation("violates check constraint")),
        wrapped(IntegrityError, errors.NotNullViolation("null value in column")),
        IntegrityError("CHECK constraint failed: contact_only_persons_have_a_company"),
        ValueError("not a database error"),
    ],
    ids=["lost connection", "check", "not null", "sqlite check", "other"],
)
def test_a_lost_connection_or_a_broken_rule_is_no_conflict(error):
    assert not is_write_conflict(error)


def collide_with(error):
    def collide(**_kwargs):
        raise error

    return collide


@pytest.mark.django_db
@pytest.mark.parametrize("here", [True, False], ids=["from this site", "from elsewhere"])
def test_a_page_whose_write_collided_answers_409_with_a_way_back(manager_client, monkeypatch, here):
    entry = CampaignEntryFactory()
    deadlock = wrapped(OperationalError, errors.DeadlockDetected("deadlock detected"))
    monkeypatch.setattr(campaign_services, "set_entry_canceled", collide_with(deadlock))
    card = reverse("campaigns:campaignentry_card", kwargs={"key": entry.pk})
    came_from = f"http://testserver{card}" if here else "https://elsewhere.example/phish/"
    response = manager_client.post(
        reverse("campaigns:campaignentry_cancel", kwargs={"key": entry.pk}),
        HTTP_REFERER=came_from,
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert MESSAGE in page
    # Back to the page the user came from, never to another site.
    assert (f'href="{came_from}"' in page) == here


@pytest.mark.django_db
def test_an_api_write_that_collided_is_a_409_problem(manager, monkeypatch):
    contact = CompanyFactory()
    _token, key = api_services.create_api_token(user=manager, name="Tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    broken_key = wrapped(IntegrityError, errors.ForeignKeyViolation("violates foreign key"))
    monkeypatch.setattr(campaign_services, "log_interaction", collide_with(broken_key))
    response = client.post(
        "/api/v1/interactions/", {"contact": contact.no, "description": "Call"}, format="json"
    )
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"].startswith(MESSAGE)
