"""The language cookie (docs/security.md, Cookies): HTTPS only in production and SameSite=Lax
always, whether the switcher or the login (``UserLanguageMiddleware``) sets it."""

import runpy
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from core.models import UserPreference

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "config" / "settings.py"


@pytest.mark.parametrize(
    ("environment", "secure"),
    [
        ({"DJANGO_DEBUG": "0"}, True),  # production
        ({"DJANGO_DEBUG": "0", "DJANGO_SECURE_COOKIES": "0"}, False),  # turned off by hand
        ({"DJANGO_DEBUG": "1"}, False),  # development over plain HTTP
    ],
)
def test_the_settings_make_the_language_cookie_secure_with_the_session_cookie(
    monkeypatch, environment, secure
):
    monkeypatch.delenv("DJANGO_SECURE_COOKIES", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    loaded = runpy.run_path(str(SETTINGS_FILE))
    assert loaded["SESSION_COOKIE_SECURE"] is secure
    assert loaded["LANGUAGE_COOKIE_SECURE"] is secure
    assert loaded["LANGUAGE_COOKIE_SAMESITE"] == "Lax"


@pytest.fixture
def production_cookies(settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.LANGUAGE_COOKIE_SECURE = True
    assert settings.LANGUAGE_COOKIE_SAMESITE == "Lax"  # from config/settings.py


def language_cookie(response):
    return response.cookies[django_settings.LANGUAGE_COOKIE_NAME]


def test_the_switcher_sets_a_secure_lax_cookie(client, production_cookies, db):
    response = client.post(reverse("set_language"), {"language": "nl", "next": "/login/"})
    assert response.status_code == 302
    cookie = language_cookie(response)
    assert cookie.value == "nl"
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"


def test_the_login_sets_the_users_language_in_a_secure_lax_cookie(
    client, manager, production_cookies
):
    UserPreference.objects.create(user=manager, language="nl")
    response = client.post(reverse("login"), {"username": "manager", "password": "pw-for-tests-1"})
    assert response.status_code == 302
    cookie = language_cookie(response)
    assert cookie.value == "nl"
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"


def test_in_development_the_cookie_is_lax_but_not_secure(client, settings, db):
    settings.LANGUAGE_COOKIE_SECURE = False
    response = client.post(reverse("set_language"), {"language": "nl", "next": "/login/"})
    cookie = language_cookie(response)
    assert cookie["secure"] == ""
    assert cookie["samesite"] == "Lax"
