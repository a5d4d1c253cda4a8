"""W6: gunicorn (2 workers) under a mixed read load from wrk on loopback; or several
gunicorn processes behind haproxy, optionally through PgBouncer (docs/scaling.md).

The load is the W5 pages in a fixed mix, with a logged-in session cookie; wrk
(Debian package ``wrk``) reports requests per second, latency percentiles and
errors (connection errors, timeouts and non-2xx/3xx answers).
"""

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from benchmarks import scaleout
from benchmarks.harness import Result

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


def w6_load(
    urls: list[str],
    user,
    *,
    seconds: int,
    connections: int,
    env: dict,
    web_processes: int | None = None,
    pooled: bool = False,
) -> Result:
    """The load on one gunicorn of 2 workers, or, with ``web_processes``, on that many
    gunicorn processes of one worker each on their own ports behind haproxy (several
    web hosts behind a load balancer); with ``pooled``, every process reaches
    PostgreSQL through a PgBouncer in transaction mode (benchmarks/scaleout.py)."""
    if web_processes:
        title = (
            f"Load: {web_processes} gunicorn processes of 1 worker behind haproxy, "
            f"wrk {connections} connections, {seconds} s"
        )
    else:
        title = f"Load: gunicorn 2 workers, wrk {connections} connections, {seconds} s"
    if pooled:
        title += ", through PgBouncer (transaction mode)"
    result = Result("W6", title)
    wrk = shutil.which("wrk")
    if not wrk:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk (make bench does)")
    cookie = _session_cookie(user)
    script = LUA % {"paths": ", ".join(json.dumps(url) for url in urls), "cookie": cookie}
    server_env = {**os.environ, **env, "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost"}
    with contextlib.ExitStack() as stack:
        if pooled:
            url = stack.enter_context(scaleout.pgbouncer(server_env["DATABASE_URL"]))
            server_env.update(scaleout.pooled_env(url))
        if web_processes:
            port, backends = stack.enter_context(
                scaleout.web_hosts(server_env, processes=web_processes)
            )
            scaleout.warm_up(backends, urls, cookie, workers=1)
        else:
            port = stack.enter_context(scaleout.gunicorn(server_env, workers=2))
            scaleout.warm_up([port], urls, cookie, workers=2)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
            handle.write(script)
        stack.callback(Path(handle.name).unlink, missing_ok=True)
        cpu = stack.enter_context(scaleout.CpuSampler(env["DATABASE_URL"]))
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
        load = os.getloadavg()[0]
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
        "web_processes": web_processes or 1,
        "gunicorn_workers": web_processes or 2,
        "pgbouncer": pooled,
        "load_average": round(load, 1),
        # Where the run's CPU time went, in seconds: the web processes (gunicorn),
        # haproxy, PgBouncer and the PostgreSQL processes of the connections.
        "cpu_seconds": cpu.seconds,
        # The same per request: what one request of the mix costs each kind of process,
        # whatever else the machine does (docs/scaling.md).
        "cpu_ms_per_request": {
            kind: round(value * 1000 / max(numbers["requests"], 1), 1)
            for kind, value in cpu.seconds.items()
        },
        "paths": urls,
    }
    return result
