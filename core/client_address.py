"""The address of the client behind the reverse proxies we trust.

Each reverse proxy in front of the application appends the address it received the
request from to ``X-Forwarded-For``. With ``DJANGO_TRUSTED_PROXIES = N`` the last N
entries were written by our own proxies; the N-th from the right is the address
the outermost proxy saw: the client. Anything further left came from the client
itself and can be anything, so it is never used. Without trusted proxies (N = 0)
the header is ignored and ``REMOTE_ADDR`` (the peer of the connection) is the
client.

django-axes locks a login per user name and this address
(``AXES_CLIENT_IP_CALLABLE``): behind a proxy, ``REMOTE_ADDR`` is the proxy's
address for everybody, and five wrong passwords from anyone would lock the user
out for all.
"""

import ipaddress

from django.conf import settings


def client_address(request) -> str | None:
    """The client's IP address as text (``REMOTE_ADDR`` when it cannot be told)."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = getattr(settings, "TRUSTED_PROXIES", 0)
    if proxies <= 0:
        return remote
    # Several X-Forwarded-For headers arrive joined by commas (WSGI).
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    entries = [entry.strip() for entry in header.split(",")] if header else []
    if len(entries) < proxies:
        return remote
    return _ip_address(entries[-proxies]) or remote


def _ip_address(text: str) -> str | None:
    """``text`` as a normalised IP address, or None when it is not one."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
