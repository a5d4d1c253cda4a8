"""The scale-out topology of docs/scaling.md on one machine, for W6 and W7: several
gunicorn processes on their own ports behind haproxy (Debian package ``haproxy``), as
several web hosts would be behind a load balancer, and a PgBouncer in transaction mode
(Debian package ``pgbouncer``) between the processes and PostgreSQL.

Each piece is a context manager that starts its process on a free loopback port with a
configuration written into a temporary folder, and stops it (and removes the folder)
when the block ends, whatever happens.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent

# PgBouncer: the server connections per database and user. A few more than the cores
# of the database host keep them busy while a client's transaction waits on its own
# process between statements; more only queue inside PostgreSQL (docs/scaling.md).
PGBOUNCER_POOL_SIZE = 2 * (os.cpu_count() or 2)

PGBOUNCER_INI = """\
[databases]
* = host={host} port={port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen_port}
unix_socket_dir =
auth_type = trust
auth_file = {folder}/userlist.txt
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 500
max_db_connections = {pool_size}
server_reset_query = DISCARD ALL
server_reset_query_always = 0
ignore_startup_parameters = extra_float_digits
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
admin_users = {user}
stats_users = {user}
"""

HAPROXY_CFG = """\
global
    maxconn 1000

defaults
    mode http
    option forwardfor
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout queue 30s

frontend web
    bind 127.0.0.1:{port}
    default_backend app

backend app
    balance leastconn
{servers}
"""


# The processes started here, by pid: what each is ("gunicorn", "haproxy", "pgbouncer").
RUNNING: dict[int, str] = {}


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of ``pid`` so far, 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _cpu_by_pid(database_url: str | None) -> dict[int, tuple[str, float]]:
    """(kind, CPU seconds so far) of every process started here and its children
    (gunicorn's workers), and with a PostgreSQL ``database_url`` of the server
    processes of that database's client connections ("postgres")."""
    tree, found = _children(), {}
    for root, kind in list(RUNNING.items()):
        pending = [root]
        while pending:
            pid = pending.pop()
            found[pid] = (kind, _cpu_seconds(pid))
            pending += tree.get(pid, [])
    if database_url and database_url.startswith("postgres"):
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as connection:
            pids = connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            ).fetchall()
        found.update((pid, ("postgres", _cpu_seconds(pid))) for (pid,) in pids)
    return found


class CpuSampler:
    """Where the CPU time of a run went, by kind of process: ``with CpuSampler(url) as
    sampler: …`` then ``sampler.seconds``. The processes are read every half second,
    so that a database connection closed during the run (Django reconnects after
    ``DATABASE_CONN_MAX_AGE``) still counts up to its last reading."""

    def __init__(self, database_url: str | None, interval: float = 0.5):
        self.database_url = database_url
        self.interval = interval
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.seconds: dict[str, float] = {}

    def _read(self) -> None:
        for pid, (kind, seconds) in _cpu_by_pid(self.database_url).items():
            if seconds:
                self.last[pid] = (kind, seconds)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._read()

    def __enter__(self):
        import threading

        self.first = {
            pid: seconds for pid, (_kind, seconds) in _cpu_by_pid(self.database_url).items()
        }
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._read()
        for pid, (kind, seconds) in self.last.items():
            used = seconds - self.first.get(pid, 0.0)
            self.seconds[kind] = round(self.seconds.get(kind, 0.0) + used, 1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start on port {port}")


def _program(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if not found:
        raise RuntimeError(f"{name} is not installed: apt-get install -y {name}")
    return found


def _started(process: subprocess.Popen, kind: str) -> subprocess.Popen:
    RUNNING[process.pid] = kind
    return process


def _stop(process: subprocess.Popen) -> None:
    RUNNING.pop(process.pid, None)
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


@contextlib.contextmanager
def pgbouncer(database_url: str, pool_size: int = PGBOUNCER_POOL_SIZE):
    """A PgBouncer in transaction mode in front of the server of ``database_url``; yields
    the same URL through PgBouncer. Trust authentication on loopback, as the benchmark's
    server has it; a real one has ``auth_type = scram-sha-256`` and a user list.
    PgBouncer does not run as root: under root it runs as the ``postgres`` user."""
    parts = urlsplit(database_url)
    user = parts.username or "postgres"
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="bench-pgbouncer-"))
    ini = folder / "pgbouncer.ini"
    ini.write_text(
        PGBOUNCER_INI.format(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            listen_port=port,
            folder=folder,
            pool_size=pool_size,
            user=user,
        )
    )
    (folder / "userlist.txt").write_text(f'"{user}" ""\n')
    command = [_program("pgbouncer"), str(ini)]
    if os.geteuid() == 0:
        shutil.chown(folder, user="postgres")
        for path in folder.iterdir():
            shutil.chown(path, user="postgres")
        command[1:1] = ["-u", "postgres"]
    process = _started(
        subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT),  # noqa: S603
        "pgbouncer",
    )
    try:
        wait_for(port, "pgbouncer")
        netloc = parts.netloc.rpartition("@")[0] + "@" if "@" in parts.netloc else ""
        yield urlunsplit(parts._replace(netloc=f"{netloc}127.0.0.1:{port}"))
    finally:
        _stop(process)
        shutil.rmtree(folder, ignore_errors=True)


def pooled_env(url: str) -> dict[str, str]:
    """The settings of a process that reaches PostgreSQL through the transaction-mode
    pooler at ``url`` (docs/scaling.md)."""
    return {"DATABASE_URL": url, "DATABASE_TRANSACTION_POOLER": "1"}


@contextlib.contextmanager
def gunicorn(env: dict, *, workers: int, port: int | None = None):
    """One gunicorn (``config.wsgi``) with ``workers`` sync workers; yields its port."""
    port = port or free_port()
    process = subprocess.Popen(  # noqa: S603 - our own application server
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    _started(process, "gunicorn")
    try:
        wait_for(port, "gunicorn")
        yield port
    finally:
        _stop(process)


@contextlib.contextmanager
def haproxy(backends: list[int], *, per_server: int):
    """haproxy on a free port sending each request to the backend with the fewest
    requests in progress, at most ``per_server`` at a time to each (its workers); the
    rest wait in haproxy's queue. Yields the port."""
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="bench-haproxy-"))
    config = folder / "haproxy.cfg"
    config.write_text(
        HAPROXY_CFG.format(
            port=port,
            servers="\n".join(
                f"    server web{n} 127.0.0.1:{backend} maxconn {per_server}"
                for n, backend in enumerate(backends, start=1)
            ),
        )
    )
    process = subprocess.Popen(  # noqa: S603
        [_program("haproxy"), "-f", str(config), "-db"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    _started(process, "haproxy")
    try:
        wait_for(port, "haproxy")
        yield port
    finally:
        _stop(process)
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def web_hosts(env: dict, *, processes: int, workers: int = 1):
    """``processes`` gunicorn processes of ``workers`` workers each, on their own ports,
    behind haproxy: yields haproxy's port and the gunicorn ports."""
    with contextlib.ExitStack() as stack:
        ports = [stack.enter_context(gunicorn(env, workers=workers)) for _ in range(processes)]
        yield stack.enter_context(haproxy(ports, per_server=workers)), ports


def warm_up(ports: list[int], paths: list[str], cookie: str, *, workers: int) -> None:
    """Ask every gunicorn for each path, ``workers`` requests at a time (one per
    worker), so that no measured request pays for a worker's imports, its first
    database connection or its first plans."""
    from concurrent.futures import ThreadPoolExecutor
    from urllib.request import Request, urlopen

    def get(url):
        request = Request(url, headers={"Cookie": cookie, "Host": "127.0.0.1"})  # noqa: S310
        with urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
            response.read()

    urls = [f"http://127.0.0.1:{port}{path}" for path in paths for port in ports] * workers
    with ThreadPoolExecutor(max_workers=workers * len(ports)) as pool:
        list(pool.map(get, urls))
