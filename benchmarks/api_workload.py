"""W9: the integration API (docs/api.md) over real HTTP against one gunicorn worker.

- **upsert**: 100,000 contacts through ``POST /api/v1/contacts/bulk-upsert/?match=external_id``
  in calls of 1,000. First 50,000 contacts with the external ids ``W9-000001`` … are
  upserted (made on a first run; an interrupted earlier run's are updated), then all
  100,000 in calls that each update 500 of those and make 500 new ones. Target: 5,000
  contacts per second. Everything the run made is deleted afterwards (set-based), so
  the data set keeps its size.
- **prices**: 10,000 best-price calls (``GET /api/v1/prices/``) one after the other, the
  same mix of customers, items, quantities and units as W3's single lookups; calls per
  second and the latency of each call as the client sees it (p50/p95), and the server's
  own time per call from gunicorn's access log.
- **pages**: every contact read by cursor, ``GET /api/v1/contacts/?page_size=1000``
  following ``next``: the total, and the time of the first, middle and last full page
  (each requested ten times more, in turn; their medians: a keyset page is as fast at
  the end as at the start).

The server is the project's gunicorn (``gunicorn.conf.py``) with ``--workers 1`` on
loopback against the bench database, authenticated with an API token of a user with
the *Marketing manager* role; its rate limit is set out of the way
(``API_RATE_LIMIT``). The client is Python's own ``http.client``: the sync worker
closes the connection after each answer, so each call connects anew, as a client of
that server does.
"""

import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from benchmarks.harness import Result, percentile

ROOT = Path(__file__).resolve().parent.parent
PARTS = ["upsert", "prices", "pages"]
UPSERT_CONTACTS = 100_000
UPSERT_BATCH = 1_000
PRICE_CALLS = 10_000
PAGE_SIZE = 1_000
PAGE_WINDOW = 10  # rounds of the first, middle and last page after the walk
EXTERNAL_PREFIX = "W9-"
# Far above any rate the bench reaches; per second, so the throttle's history of
# request times (a list in the cache, read and written on every call) stays as short
# as under the default 600 per minute.
RATE_LIMIT = "1000000/s"
BULK_UPSERT = "/api/v1/contacts/bulk-upsert/"
PRICES = "/api/v1/prices/"
CONTACTS = "/api/v1/contacts/"
_ACCESS_TIME = re.compile(r'"(GET|POST) (\S+)" (\d{3}) \S+ (\d+)ms')


class ApiError(RuntimeError):
    pass


class ApiClient:
    """JSON over HTTP/1.1 to ``base_url`` with a bearer token; each call times itself."""

    def __init__(self, base_url: str, key: str, timeout: float = 120):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.headers = {
            "Authorization": f"Bearer {key}",
            "Accept": "application/json",
            "Host": f"{self.host}:{self.port}",
        }
        self.timeout = timeout

    def call(self, method: str, path: str, body=None) -> tuple[int, object, float]:
        """``(status, parsed JSON or None, seconds)``: from connecting to the last byte."""
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        start = time.perf_counter()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        seconds = time.perf_counter() - start
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = None
        return response.status, data, seconds


# --- The server ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ApiServer:
    """``gunicorn -c gunicorn.conf.py config.wsgi --workers 1`` on a free loopback port,
    its access log (one line per request, gunicorn.conf.py) written to ``log_path``."""

    def __init__(self, env: dict, log_path: Path):
        self.env = {
            **os.environ,
            **env,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "API_RATE_LIMIT": RATE_LIMIT,
        }
        self.log_path = log_path
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(  # noqa: S603
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "--config",
                "gunicorn.conf.py",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "config.wsgi",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ApiError(f"gunicorn exited ({self.process.returncode}): {self.log_path}")
            try:
                status, _data, _seconds = ApiClient(self.base_url, "-").call("GET", "/healthz")
            except OSError:
                time.sleep(0.2)
                continue
            if status < 500:
                return self
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise ApiError(f"gunicorn did not start on port {self.port}: {self.log_path}")

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()

    def server_ms(self, method: str, path: str) -> list[int]:
        """The server's time of each request to ``path`` so far, from the access log."""
        self._log.flush()
        times = []
        for line in self.log_path.read_text().splitlines():
            match = _ACCESS_TIME.search(line)
            if match and match.group(1) == method and match.group(2) == path:
                times.append(int(match.group(4)))
        return times


def api_user():
    """The bench's API user: the *Marketing manager* role, no password, not staff."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from core import roles

    user, created = get_user_model().objects.get_or_create(username="bench-api")
    if created:
        user.set_unusable_password()
        user.save()
    user.groups.add(Group.objects.get(name=roles.MARKETING_MANAGER))
    return user


# --- The parts -------------------------------------------------------------------------


def _load() -> float:
    return round(os.getloadavg()[0], 1)


def _ms(values: list[float]) -> dict:
    ms = [value * 1000 for value in values]
    if not ms:
        return {"p50_ms": 0, "p95_ms": 0, "max_ms": 0}
    return {
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "max_ms": round(max(ms), 1),
    }


def _problem(status, data) -> str:
    if isinstance(data, dict):
        detail = data.get("detail") or data.get("title") or data
        return f"{status}: {str(detail)[:300]}"
    return str(status)


def upsert_payload(numbers, *, round_no: int, companies: list[str]) -> dict:
    """Contacts with the external ids ``W9-<number>``: every fourth a company, the rest
    persons, every other person at one of ``companies`` (existing company Nos.)."""
    contacts = []
    for number in numbers:
        external_id = f"{EXTERNAL_PREFIX}{number:06d}"
        contact = {
            "external_id": external_id,
            "type": "company" if number % 4 == 0 else "person",
            "name": f"W9 {'Company' if number % 4 == 0 else 'Person'} {number} r{round_no}",
            "city": ("Amsterdam", "Rotterdam", "Utrecht", "Leiden")[number % 4],
            "email": f"w9.{number}.r{round_no}@example.com",
        }
        if contact["type"] == "person" and companies and number % 2:
            contact["company_no"] = companies[number % len(companies)]
        contacts.append(contact)
    return {"contacts": contacts}


def _upsert_run(client: ApiClient, title: str, batches, *, round_no, companies) -> Result:
    result = Result("W9", title)
    path = f"{BULK_UPSERT}?match=external_id"
    seconds, created, updated, errors, problems, sent = [], 0, 0, 0, [], 0
    wall_start = time.perf_counter()
    for numbers, expect_created in batches:
        body = upsert_payload(numbers, round_no=round_no, companies=companies)
        status, data, took = client.call("POST", path, body)
        seconds.append(took)
        sent += len(numbers)
        if status != 200 or not isinstance(data, dict):
            errors += 1
            problems.append(_problem(status, data))
            continue
        created += data.get("created", 0)
        updated += data.get("updated", 0)
        if expect_created is not None and data.get("created") != expect_created:
            problems.append(
                f"a call made {data.get('created')} contacts, not {expect_created}: "
                f"{numbers[0]}…{numbers[-1]}"
            )
    wall = time.perf_counter() - wall_start
    result.extra = {
        "contacts": sent,
        "calls": len(seconds),
        "seconds": round(wall, 1),
        "contacts_per_second": round(sent / wall) if wall else 0,
        **_ms(seconds),
        "created": created,
        "updated": updated,
        "errors": errors,
        "load_average": _load(),
    }
    result.notes += [f"W9 upsert: {problem}" for problem in problems[:5]]
    result.extra["problems"] = len(problems)
    return result


def w9_upsert(client: ApiClient, *, contacts: int, batch: int, companies: list[str]):
    """Two runs: the first half made (or, after an interrupted run, updated), then all
    ``contacts`` in calls of half existing, half new contacts."""
    half = contacts // 2
    per_call = max(batch // 2, 1)
    first = [
        (list(range(start, min(start + batch, half + 1))), None)
        for start in range(1, half + 1, batch)
    ]
    mixed = []
    for start in range(0, half, per_call):
        existing = list(range(start + 1, min(start + per_call, half) + 1))
        new = [half + number for number in existing]
        mixed.append((existing + new, len(new)))
    return [
        _upsert_run(
            client,
            f"API upsert: {half:,} contacts by external id, {batch:,} per call",
            first,
            round_no=1,
            companies=companies,
        ),
        _upsert_run(
            client,
            f"API upsert: {contacts:,} contacts by external id, {batch:,} per call, "
            "half new and half existing",
            mixed,
            round_no=2,
            companies=companies,
        ),
    ]


def price_calls(pairs, units: dict) -> list[str]:
    """The request paths of W3's (customer, request) pairs."""
    paths = []
    for customer, request in pairs:
        query = {
            "customer": customer.no,
            "item": request.item.no,
            "quantity": str(request.quantity),
        }
        if request.unit_of_measure_id:
            query["unit"] = units[request.unit_of_measure_id]
        paths.append(f"{PRICES}?{urlencode(query)}")
    return paths


def w9_prices(client: ApiClient, paths: list[str], server: ApiServer | None = None) -> Result:
    result = Result("W9", f"API best price: {len(paths):,} calls one after the other")
    seconds, errors, problems = [], 0, []
    wall_start = time.perf_counter()
    for path in paths:
        status, data, took = client.call("GET", path)
        seconds.append(took)
        if status != 200 or not isinstance(data, dict) or "unit_price" not in data:
            errors += 1
            if len(problems) < 5:
                problems.append(_problem(status, data))
    wall = time.perf_counter() - wall_start
    result.extra = {
        "calls": len(paths),
        "seconds": round(wall, 1),
        "calls_per_second": round(len(paths) / wall, 1) if wall else 0,
        **_ms(seconds),
        "errors": errors,
        "load_average": _load(),
    }
    if server is not None:
        server_ms = server.server_ms("GET", PRICES)[-len(paths) :]
        if server_ms:
            result.extra["server_p50_ms"] = percentile(server_ms, 50)
            result.extra["server_p95_ms"] = percentile(server_ms, 95)
    result.notes += [f"W9 best price: {problem}" for problem in problems]
    return result


def w9_pages(client: ApiClient, *, page_size: int, expected: int) -> Result:
    """Every contact, page by page by cursor; ``expected``: the number of contacts.

    The walk gives the total and every page's time. The first, middle and last full
    page are then requested again by their cursors, in turn, ``PAGE_WINDOW`` rounds:
    on a shared machine the load changes over a long walk, and pages compared in the
    same moments compare the pages, not the moments. Their medians are the figures
    compared (the last, short page would be faster for its fewer rows)."""
    result = Result("W9", f"API contacts by cursor: {page_size:,} per page, every page")
    path = f"{CONTACTS}?{urlencode({'page_size': page_size})}"
    seconds, rows, errors, out_of_order, last_no = [], 0, 0, 0, None
    full_pages, problems = [], []
    wall_start = time.perf_counter()
    while path:
        status, data, took = client.call("GET", path)
        if status != 200 or not isinstance(data, dict):
            errors += 1
            problems.append(_problem(status, data))
            break
        seconds.append(took)
        if len(data["results"]) == page_size:
            full_pages.append(path)
        for contact in data["results"]:
            if last_no is not None and contact["no"] <= last_no:
                out_of_order += 1
            last_no = contact["no"]
        rows += len(data["results"])
        following = data.get("next")
        path = None
        if following:
            parts = urlsplit(following)
            path = f"{parts.path}?{parts.query}"
    wall = time.perf_counter() - wall_start
    walk_load = _load()
    positions = {}
    if full_pages:
        positions = {
            "first": full_pages[0],
            "middle": full_pages[len(full_pages) // 2],
            "last": full_pages[-1],
        }
    again = {name: [] for name in positions}
    for _round in range(PAGE_WINDOW):
        for name, page in positions.items():
            status, _data, took = client.call("GET", page)
            if status != 200:
                errors += 1
                problems.append(_problem(status, _data))
            again[name].append(took * 1000)

    def median(values):
        return round(statistics.median(values), 1) if values else 0

    ms = [value * 1000 for value in seconds]
    result.extra = {
        "pages": len(ms),
        "contacts": rows,
        "expected": expected,
        "first_ms": median(again.get("first")),
        "middle_ms": median(again.get("middle")),
        "last_ms": median(again.get("last")),
        "walk_first_page_ms": round(ms[0], 1) if ms else 0,
        "walk_last_page_ms": round(ms[-1], 1) if ms else 0,
        **_ms(seconds),
        "seconds": round(wall, 1),
        "contacts_per_second": round(rows / wall) if wall else 0,
        "out_of_order": out_of_order,
        "errors": errors,
        "load_average": walk_load,
        "page_ms": [round(value, 1) for value in ms],
    }
    result.notes += [f"W9 pages: {problem}" for problem in problems[:5]]
    return result


# --- Set-up and clean-up ---------------------------------------------------------------


def delete_upserted() -> int:
    """Delete the contacts the upsert run made (external id ``W9-…``) with the rows that
    refer to them and their history rows, in a few set-based statements."""
    from django.db import connection, transaction

    from contacts.models import Contact

    contacts = Contact.objects.filter(external_id__startswith=EXTERNAL_PREFIX)
    with transaction.atomic():
        ids = list(contacts.values_list("pk", flat=True))
        if not ids:
            return 0
        selected = Contact.objects.filter(pk__in=contacts.values("pk"))
        # Persons of a W9 company (none are sent, but a run may have been changed).
        Contact.objects.filter(company__in=selected).exclude(pk__in=selected).update(company=None)
        for relation in Contact._meta.related_objects:
            if relation.many_to_many or relation.related_model is Contact:
                continue
            model = relation.related_model
            rows = model._base_manager.filter(**{f"{relation.field.name}__in": selected})
            if relation.on_delete.__name__ == "SET_NULL":
                rows.update(**{relation.field.name: None})
            else:
                rows._raw_delete(connection.alias)
        Contact.history.model._base_manager.filter(id__in=selected.values("pk"))._raw_delete(
            connection.alias
        )
        selected._raw_delete(connection.alias)
    return len(ids)


def w9_api(world, env: dict, options, log_dir: Path, log) -> list[Result]:
    """The parts named in ``options.w9_parts``, on one gunicorn worker."""
    from django.db import connection

    from api.models import ApiToken
    from api.services import create_api_token
    from benchmarks.price_workloads import _price_requests
    from contacts.models import Contact, ContactType
    from pricing.models import UnitOfMeasure

    parts = {name.strip().lower() for name in options.w9_parts.split(",")}
    user = api_user()
    token, key = create_api_token(user=user, name="benchmark W9")
    paths = []
    if "prices" in parts:
        units = dict(UnitOfMeasure.objects.values_list("pk", "code"))
        paths = price_calls(_price_requests(world, options.w9_calls), units)
    companies = list(
        Contact.objects.filter(type=ContactType.COMPANY)
        .order_by("no")
        .values_list("no", flat=True)[:100]
    )
    results = []
    connection.close()  # SQLite: no open read of ours holds back the server's writes
    try:
        with ApiServer(env, log_dir / "w9-gunicorn.log") as server:
            client = ApiClient(server.base_url, key)
            if "prices" in parts:
                log(f"W9 {len(paths):,} best-price calls …")
                results.append(w9_prices(client, paths, server))
                _log_result(results[-1], log)
            if "pages" in parts:
                expected = Contact.objects.count()
                connection.close()
                log(f"W9 {expected:,} contacts by cursor, {options.w9_page_size:,} a page …")
                results.append(w9_pages(client, page_size=options.w9_page_size, expected=expected))
                _log_result(results[-1], log)
            if "upsert" in parts:
                log(f"W9 upsert {options.w9_upserts:,} contacts …")
                try:
                    for result in w9_upsert(
                        client,
                        contacts=options.w9_upserts,
                        batch=options.w9_batch,
                        companies=companies,
                    ):
                        results.append(result)
                        _log_result(result, log)
                finally:
                    connection.close()
                    log(f"  deleted the {delete_upserted():,} contacts the upserts made")
    finally:
        ApiToken.objects.filter(pk=token.pk).delete()
    return results


def _log_result(result, log) -> None:
    from benchmarks import report

    log(report.line(result))
