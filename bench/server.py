"""A throwaway PostgreSQL database and the real service under uvicorn, in a subprocess."""

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO

import httpx
import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
FULL_TIME_HOURS = "25"


def database_url(server_url: str, name: str) -> str:
    """The URL of database ``name`` on the server ``server_url`` points at."""
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def create_database(server_url: str) -> tuple[str, str]:
    """A new empty database ``cnfte_bench_<random>``; returns its name and URL."""
    name = f"cnfte_bench_{secrets.token_hex(4)}"
    with psycopg.connect(database_url(server_url, "postgres"), autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name, database_url(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    """Drop the one database this run created (never any other)."""
    assert name.startswith("cnfte_bench_")
    with psycopg.connect(database_url(server_url, "postgres"), autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def server_version(url: str) -> str:
    with psycopg.connect(url) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"


class Server:
    """``uvicorn app.main:create_app --factory --workers N`` on a free 127.0.0.1 port, its
    aggregate cache turned off so that every summary is computed (the figures are uncached)."""

    def __init__(self, database_url: str, *, workers: int) -> None:
        self.database_url = database_url
        self.workers = workers
        self.admin_id = "bench-admin"
        self.admin_secret = secrets.token_urlsafe(32)
        self.signing_key = secrets.token_urlsafe(40)[:40]
        self.log_path = Path(tempfile.mkstemp(prefix="cnfte-bench-server-", suffix=".log")[1])
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self._log: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = self.port or _free_port()  # a restart keeps the address clients know
        env = os.environ | {
            "REGISTER_ENVIRONMENT": "production",
            "REGISTER_ENV": "production",
            "REGISTER_JWT_SIGNING_KEY": self.signing_key,
            "REGISTER_ADMIN_CLIENT_ID": self.admin_id,
            "REGISTER_ADMIN_CLIENT_SECRET": self.admin_secret,
            "REGISTER_LA_CODE": "801",
            "REGISTER_FULL_TIME_HOURS": FULL_TIME_HOURS,
            "REGISTER_AGGREGATE_CACHE_SIZE": "0",
            "WORKERS": str(self.workers),
            "DATABASE_URL": self.database_url,
        }
        self._log = self.log_path.open("ab")
        command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        command += ["--no-access-log", "--log-level", "warning"]
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        answer = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited; see {self.log_path}")
            try:
                response = httpx.get(f"{self.base_url}/readyz", timeout=2)
            except httpx.HTTPError:
                pass
            else:
                if response.status_code == 200:
                    return
                answer = f"{response.status_code} {response.text[:200]}"
            time.sleep(0.2)
        # A schema behind the code means a new migration arrived while the benchmark ran.
        raise RuntimeError(f"the server is not ready ({answer}); see {self.log_path}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def pids(self) -> list[int]:
        """The uvicorn process and any children it started."""
        if self.process is None:
            return []
        found, pending = [], [self.process.pid]
        while pending:
            pid = pending.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                try:
                    pending += [int(child) for child in task.read_text().split()]
                except OSError:
                    continue
        return found

    def memory_kb(self, field: str) -> int:
        """The largest of the server's processes by a /proc status field (VmRSS, VmHWM), in kB:
        one worker serves a request, so its memory is the figure that matters."""
        largest = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith(f"{field}:"):
                        largest = max(largest, int(line.split()[1]))
            except OSError:
                continue
        return largest


class RssSampler:
    """Samples the server's resident set every few milliseconds while running."""

    def __init__(self, server: Server, interval: float = 0.02) -> None:
        self.server = server
        self.interval = interval
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "RssSampler":
        self.peak_kb = self.server.memory_kb("VmRSS")
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, self.server.memory_kb("VmRSS"))
            self._stop.wait(self.interval)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
