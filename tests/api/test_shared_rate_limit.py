"""The rate limit counts in the shared cache (docs/api.md, Rate limits): with
DJANGO_CACHE_URL naming a Redis server, every server process counts a token's requests
in the same place. A real redis-server is started for the test."""

import shutil
import socket
import subprocess
import time

import environ
import pytest
import redis
from django.core.cache import caches
from django.urls import reverse

from api.throttling import TokenRateThrottle

pytestmark = pytest.mark.django_db

CONTACTS = reverse("api:contact_list")


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    assert server, "redis-server is needed (apt-get install redis-server)"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(  # noqa: S603 - the installed redis-server, fixed arguments
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", tmp_path],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(5)


def test_the_rate_limit_is_counted_in_redis(
    redis_url, settings, manager, token_client, monkeypatch
):
    settings.CACHES = {"default": environ.Env.cache_url_config(redis_url)}
    assert caches["default"].__class__.__name__ == "RedisCache"
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"user": "2/min"})
    client = token_client(manager)
    assert client.get(CONTACTS).status_code == 200
    # What another server process sees: the count is in Redis, not in this process.
    keys = redis.Redis.from_url(redis_url).keys("*throttle_user_token-*")
    assert len(keys) == 1
    caches["default"].close()
    del caches["default"]  # a fresh connection, as another process has
    assert client.get(CONTACTS).status_code == 200
    assert client.get(CONTACTS).status_code == 429
