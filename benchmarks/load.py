"""W6: gunicorn (2 workers) under a mixed read load from wrk on loopback.

The load is the W5 pages in a fixed mix, with a logged-in session cookie; wrk
(Debian package ``wrk``) reports requests per second, latency percentiles and
errors (connection errors, timeouts and non-2xx/3xx answers).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from benchmarks.harness import Result

ROOT = Path(__file__).resolve().parent.parent

LUA = r"""
local paths = {%(paths)s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1], {["Cookie"] = "%(cookie)s",
    ["Host"] = "127.0.0.1"})
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '\nRESULT {"requests": %%d, "duration_us": %%d, "errors": %%d, "status_errors": %%d, ' ..
    '"p50_us": %%d, "p95_us": %%d, "p99_us": %%d, "max_us": %%d}\n',
    summary.requests, summary.duration, errors, summary.errors.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def _session_cookie(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not start on port {port}")


def w6_load(urls: list[str], user, *, seconds: int, connections: int, env: dict) -> Result:
    result = Result("W6", f"Load: gunicorn 2 workers, wrk {connections} connections, {seconds} s")
    wrk = shutil.which("wrk")
    if not wrk:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk (make bench does)")
    port = _free_port()
    cookie = _session_cookie(user)
    script = LUA % {"paths": ", ".join(json.dumps(url) for url in urls), "cookie": cookie}
    server_env = {**os.environ, **env, "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost"}
    server = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=server_env,
    )
    try:
        _wait_for(port)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
            handle.write(script)
        output = subprocess.run(  # noqa: S603
            [
                wrk,
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                handle.name,
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        server.terminate()
        server.wait(timeout=30)
        Path(handle.name).unlink(missing_ok=True)
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    numbers = json.loads(line.removeprefix("RESULT "))
    result.extra = {
        "requests": numbers["requests"],
        "requests_per_second": round(numbers["requests"] / (numbers["duration_us"] / 1e6), 1),
        "errors": numbers["errors"],
        "p50_ms": round(numbers["p50_us"] / 1000, 1),
        "p95_ms": round(numbers["p95_us"] / 1000, 1),
        "p99_ms": round(numbers["p99_us"] / 1000, 1),
        "max_ms": round(numbers["max_us"] / 1000, 1),
        "connections": connections,
        "paths": urls,
    }
    return result
