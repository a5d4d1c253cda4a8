"""A login lockout that cannot be turned on others (docs/security.md).

django-axes locks a user name from one client address after too many wrong
passwords. Behind reverse proxies the address is taken from X-Forwarded-For, the
entry our own proxies wrote (``DJANGO_TRUSTED_PROXIES``, ``core.client_address``);
what the client itself sends in that header is never used. The test client plays
the proxy: REMOTE_ADDR is the proxy's address and X-Forwarded-For is what the proxy
passes on.
"""

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse

from core.client_address import client_address

PROXY = "10.0.0.2"
CLIENT_A = "203.0.113.5"
CLIENT_B = "198.51.100.7"
ATTACKER = "192.0.2.66"
RIGHT = "pw-for-tests-1"  # tests.factories.UserFactory's password
LOGIN = reverse("login")


def request_with(remote=PROXY, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, None, PROXY),
        (0, CLIENT_A, PROXY),  # no trusted proxy: the header is anybody's
        (1, None, PROXY),  # the proxy did not say: its own address
        (1, CLIENT_A, CLIENT_A),
        (1, f"{CLIENT_B}, {CLIENT_A}", CLIENT_A),  # CLIENT_B was sent by the client
        (1, f"{CLIENT_B},{CLIENT_A}", CLIENT_A),
        (2, f"{CLIENT_B}, {CLIENT_A}, 10.0.0.1", CLIENT_A),  # two proxies: 2nd from the right
        (2, CLIENT_A, PROXY),  # fewer entries than proxies
        (1, "not-an-address", PROXY),
        (1, f"{CLIENT_A}, unknown", PROXY),
        (1, "", PROXY),
        (1, "2001:DB8::1", "2001:db8::1"),
        (1, "203.0.113.5:4711", PROXY),  # an address with a port is not an address
    ],
)
def test_the_client_address_is_the_entry_the_trusted_proxies_wrote(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXIES = proxies
    assert client_address(request_with(PROXY, forwarded)) == expected


def test_django_axes_uses_the_client_address(settings):
    from axes.helpers import get_client_ip_address

    settings.TRUSTED_PROXIES = 1
    assert get_client_ip_address(request_with(PROXY, f"{ATTACKER}, {CLIENT_A}")) == CLIENT_A


def log_in(client, client_address_, password, *, forwarded=None, proxy=PROXY):
    """A login through the proxy: it appends the address it received the request from."""
    header = client_address_ if forwarded is None else f"{forwarded}, {client_address_}"
    return client.post(
        LOGIN,
        {"username": "manager", "password": password},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR=header,
    )


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXIES = 1
    settings.AXES_FAILURE_LIMIT = 5


def test_wrong_passwords_lock_the_user_from_that_client_only(client, manager, behind_one_proxy):
    for _attempt in range(5):
        response = log_in(client, CLIENT_A, "wrong")
    assert response.status_code == 429
    # From A even the right password is refused while locked …
    assert log_in(client, CLIENT_A, RIGHT).status_code == 429
    # … and the same user logs in from B through the same proxy.
    response = log_in(client, CLIENT_B, RIGHT)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [CLIENT_A]


def test_four_wrong_passwords_lock_nobody(client, manager, behind_one_proxy):
    for _attempt in range(4):
        assert log_in(client, CLIENT_A, "wrong").status_code == 200
    assert log_in(client, CLIENT_A, RIGHT).status_code == 302


def test_a_forged_header_cannot_choose_the_address_that_is_locked(
    client, manager, behind_one_proxy
):
    """The attacker sends X-Forwarded-For naming A, hoping to lock the user out for A;
    the lock falls on the attacker's own address, the one the proxy appended."""
    for attempt in range(5):
        forged = f"{CLIENT_A}, 10.{attempt}.0.1"  # another made-up chain each time
        response = log_in(client, ATTACKER, "wrong", forwarded=forged)
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    assert log_in(client, ATTACKER, RIGHT, forwarded=CLIENT_A).status_code == 429
    assert log_in(client, CLIENT_A, RIGHT).status_code == 302


def test_without_trusted_proxies_the_header_is_ignored(client, manager, settings):
    """TRUSTED_PROXIES 0 (the default): REMOTE_ADDR is the client; a header naming
    another address every time neither spreads the lock nor escapes it."""
    assert settings.TRUSTED_PROXIES == 0
    settings.AXES_FAILURE_LIMIT = 5
    for attempt in range(5):
        response = log_in(client, f"192.0.2.{attempt}", "wrong", proxy=CLIENT_A)
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT_A}
    assert log_in(client, CLIENT_B, RIGHT, proxy=CLIENT_A).status_code == 429
    assert log_in(client, CLIENT_A, RIGHT, proxy=CLIENT_B).status_code == 302
