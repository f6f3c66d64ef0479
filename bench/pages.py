"""How fast the pages answer and how much they weigh, on the demo LA (`make bench-pages`).

    python -m bench.pages [--requests 200] [--out docs/bench-pages.json]

Starts the service as `make run DEMO=1` does (`python -m app.serve --migrate --demo`) on a
throwaway SQLite file, signs in as the admin person, then asks for each page ``--requests``
times in a row over HTTP. A page's weight is what a first visit downloads: the HTML plus the
styles, fonts and icon it uses, as sent (the assets gzipped)."""

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
EMAIL, PASSWORD = "bench-admin@example.org", "bench-admin-password"
ASSETS = (
    "/assets/govuk-frontend.min.css",
    "/assets/fonts/light-94a07e06a1-v2.woff2",
    "/assets/fonts/bold-b542beb274-v2.woff2",
    "/assets/images/favicon.svg",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(database: Path, port: int) -> subprocess.Popen[bytes]:
    environment = os.environ | {
        "DATABASE_URL": f"sqlite:///{database}",
        "REGISTER_ADMIN_EMAIL": EMAIL,
        "REGISTER_ADMIN_PASSWORD": PASSWORD,
        "REGISTER_ENV": "development",
    }
    command = [sys.executable, "-m", "app.serve", "--migrate", "--demo", "--port", str(port)]
    return subprocess.Popen(  # noqa: S603 - our own service, with arguments we chose
        command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _signed_in(base: str) -> httpx.Client:
    browser = httpx.Client(base_url=base, timeout=30)
    deadline = time.monotonic() + 120
    while True:
        try:
            if browser.get("/healthz").status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the service did not start"
        time.sleep(0.5)
    form = browser.get("/sign-in").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token
    answer = browser.post(
        "/sign-in", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert answer.status_code == 303, answer.text
    return browser


def measure(requests: int) -> dict[str, dict[str, float]]:
    """p50, p99 (ms) and weight (KB) of each page."""
    with tempfile.TemporaryDirectory() as folder:
        port = _free_port()
        service = _start(Path(folder) / "register.db", port)
        try:
            browser = _signed_in(f"http://127.0.0.1:{port}")
            upn = re.search(r'href="/children/([A-Z0-9]+)', browser.get("/register").text)
            assert upn
            pages = {
                "sign-in": "/sign-in",
                "home": "/home",
                "register": "/register",
                "register, below full time, page 2": "/register?below=true&page=2",
                "a child": f"/children/{upn.group(1)}",
                "a child's audit": f"/children/{upn.group(1)}/audit",
                "alerts": "/alerts",
                "returns": "/returns",
                "inspection list": "/inspection",
                "admin": "/admin",
            }
            gzip = {"Accept-Encoding": "gzip"}
            # Bytes on the wire: httpx counts them before decompressing.
            assets = sum(browser.get(path, headers=gzip).num_bytes_downloaded for path in ASSETS)
            results = {}
            for name, path in pages.items():
                for _ in range(5):
                    browser.get(path)
                times, size = [], 0
                for _ in range(requests):
                    started = time.perf_counter()
                    answer = browser.get(path)
                    times.append((time.perf_counter() - started) * 1000)
                    assert answer.status_code == 200, (path, answer.status_code)
                    size = len(answer.content)
                times.sort()
                results[name] = {
                    "p50_ms": round(statistics.median(times), 1),
                    "p99_ms": round(times[max(0, int(len(times) * 0.99) - 1)], 1),
                    "html_kb": round(size / 1024, 1),
                    "weight_kb": round((size + assets) / 1024, 1),
                }
            return results
        finally:
            service.terminate()
            service.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--out", default="docs/bench-pages.json")
    args = parser.parse_args()
    results = measure(args.requests)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    width = max(map(len, results))
    for name, figures in results.items():
        print(
            f"{name:<{width}}  p50 {figures['p50_ms']:>6} ms  p99 {figures['p99_ms']:>6} ms  "
            f"{figures['weight_kb']:>6} KB"
        )


if __name__ == "__main__":
    main()
