"""Real ``manage.py db_worker`` processes for the tests that need them (and for the W7
benchmark): started against a given database, their output kept in a file, always
stopped at the end (``WorkerPool`` is a context manager)."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection

WORKER_COMMAND = [
    "manage.py",
    "db_worker",
    "--no-reload",
    "--no-startup-delay",
    "--interval",
    "0.2",
]


def database_url() -> str:
    """The URL of the database this process uses (the test database), for a worker."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def worker_env(url: str, **extra: str) -> dict[str, str]:
    """A production-like worker: the database queue, debug off, warnings only."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_TASKS_BACKEND": "database",
        "DJANGO_DEBUG": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        **extra,
    }


class WorkerProcess:
    def __init__(self, env: dict[str, str], log_path: Path):
        self.log_path = log_path
        self.stopped = False
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own manage.py
                [sys.executable, *WORKER_COMMAND],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def peak_rss_kib(self) -> int | None:
        """The process's peak resident memory (``VmHWM``), while it runs."""
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        except OSError:
            return None
        return None

    def cpu_seconds(self) -> float | None:
        """CPU time the process used so far (user + system), while it runs."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def kill(self) -> None:
        """SIGKILL: the worker dies on the spot, as in a crash or an OOM kill."""
        self.stopped = True
        if self.alive:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM (the worker finishes its task), then SIGKILL after ``grace`` seconds."""
        self.stopped = True
        if self.alive:
            self.process.terminate()
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.kill()


class WorkerPool:
    """``with WorkerPool(env, tmp_path) as pool: pool.start()`` — every worker started
    through it is stopped when the block ends, whatever happens."""

    def __init__(self, env: dict[str, str], log_dir: Path):
        self.env = env
        self.log_dir = log_dir
        self.workers: list[WorkerProcess] = []

    def start(self, **extra_env: str) -> WorkerProcess:
        path = self.log_dir / f"worker-{len(self.workers) + 1}.log"
        worker = WorkerProcess({**self.env, **extra_env}, path)
        self.workers.append(worker)
        return worker

    def output(self) -> str:
        return "\n".join(
            f"--- worker {n} (pid {worker.pid}, {'running' if worker.alive else 'exited'}) ---\n"
            f"{worker.output()}"
            for n, worker in enumerate(self.workers, start=1)
        )

    def wait_for(
        self,
        condition: Callable[[], bool],
        *,
        timeout: float,
        what: str,
        interval: float = 0.1,
    ) -> None:
        """Poll ``condition`` until it holds; fail with every worker's output when the
        deadline passes or a worker exits that was not stopped on purpose."""
        deadline = time.monotonic() + timeout
        while True:
            if condition():
                return
            gone = [worker for worker in self.workers if not worker.stopped and not worker.alive]
            assert not gone, f"a worker exited while waiting for {what}\n{self.output()}"
            assert time.monotonic() < deadline, f"no {what} after {timeout} s\n{self.output()}"
            time.sleep(interval)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for worker in self.workers:
            worker.stop(grace=2.0)
