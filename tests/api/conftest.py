import pytest
from rest_framework.test import APIClient

from api import services


@pytest.fixture
def token_client():
    """``token_client(user)``: an API client sending a fresh token of ``user``."""

    def make(user):
        _token, key = services.create_api_token(user=user, name="Tests")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        return client

    return make
