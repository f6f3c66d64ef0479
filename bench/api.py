"""Driving the service over HTTP as its clients do: tokens, set-up calls and timed requests."""

import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

TOKEN_REFRESH_SECONDS = 600  # tokens live 900 s by default; renew well before then
TIMEOUT = httpx.Timeout(600.0, connect=10.0)


class Api:
    """One API client's credentials, renewing its bearer token as it ages."""

    def __init__(self, base_url: str, client_id: str, client_secret: str) -> None:
        self.base_url = base_url
        self.client_id = client_id
        self.client_secret = client_secret
        self._token = ""
        self._issued = -math.inf  # monotonic time starts near 0 on a freshly booted machine
        self._lock = threading.Lock()

    def headers(self) -> dict[str, str]:
        with self._lock:
            if time.monotonic() - self._issued > TOKEN_REFRESH_SECONDS:
                response = httpx.post(
                    f"{self.base_url}/api/v1/auth/token",
                    data={
                        "grant_type": "client_credentials",
                        "client_id": self.client_id,
                        "client_secret": self.client_secret,
                    },
                    timeout=TIMEOUT,
                )
                response.raise_for_status()
                self._token = response.json()["access_token"]
                self._issued = time.monotonic()
            return {"Authorization": f"Bearer {self._token}"}

    def session(self) -> httpx.Client:
        """A keep-alive connection to the service (one per simulated client)."""
        return httpx.Client(base_url=self.base_url, timeout=TIMEOUT)

    def post_json(self, path: str, body: Any) -> Any:
        response = httpx.post(
            f"{self.base_url}{path}", json=body, headers=self.headers(), timeout=TIMEOUT
        )
        if response.status_code >= 300:
            raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:500]}")
        return response.json()

    def new_client(self, role: str, provider_id: int | None = None) -> "Api":
        """Register an API client with this role (an admin call) and return it."""
        created = self.post_json(
            "/api/v1/clients",
            {"name": f"bench {role}", "role": role, "provider_id": provider_id},
        )
        return Api(self.base_url, created["client_id"], created["client_secret"])


@dataclass
class Outcome:
    """What a stream of requests achieved."""

    requests: int = 0
    records: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    first_error: str | None = None
    first_ms: float | None = None  # a read's first, uncached request (not in the percentiles)

    def add(self, response: httpx.Response, latency: float, records: int, ok: int) -> None:
        self.requests += 1
        self.latencies.append(latency)
        self.statuses[response.status_code] += 1
        if response.status_code == ok:
            self.records += records
        elif self.first_error is None:
            self.first_error = f"{response.status_code} {response.text[:300]}"

    def merge(self, other: "Outcome") -> None:
        self.requests += other.requests
        self.records += other.records
        self.latencies += other.latencies
        self.statuses += other.statuses
        self.first_error = self.first_error or other.first_error

    @property
    def errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 300)

    def summary(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "records": self.records,
            "seconds": round(self.seconds, 2),
            "records_per_second": round(self.records / self.seconds, 1) if self.seconds else None,
            "p50_ms": percentile_ms(self.latencies, 0.50),
            "p99_ms": percentile_ms(self.latencies, 0.99),
            "max_ms": round(max(self.latencies) * 1000, 1) if self.latencies else None,
            "first_request_ms": self.first_ms,
            "errors": self.errors,
            "statuses": {str(status): count for status, count in sorted(self.statuses.items())},
            "first_error": self.first_error,
        }


def percentile_ms(latencies: Sequence[float], quantile: float) -> float | None:
    """Nearest-rank percentile, in milliseconds."""
    if not latencies:
        return None
    ordered = sorted(latencies)
    rank = max(1, math.ceil(quantile * len(ordered)))
    return round(ordered[rank - 1] * 1000, 2)


JSON = {"Content-Type": "application/json"}


def post_batches(api: Api, bodies: Sequence[tuple[bytes, int]]) -> Outcome:
    """POST pre-serialised batches one after another on one connection."""
    outcome = Outcome()
    started = time.perf_counter()
    with api.session() as client:
        for body, count in bodies:
            sent = time.perf_counter()
            response = client.post(
                "/api/v1/provision-records/batch", content=body, headers=JSON | api.headers()
            )
            outcome.add(response, time.perf_counter() - sent, count, ok=200)
    outcome.seconds = time.perf_counter() - started
    return outcome


def post_batches_concurrently(api: Api, streams: Sequence[Sequence[tuple[bytes, int]]]) -> Outcome:
    """One thread and connection per stream, all at once (each stream keeps its own order)."""
    outcomes = [Outcome() for _ in streams]

    def run(index: int) -> None:
        outcomes[index] = post_batches(api, streams[index])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(streams))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Outcome()
    for outcome in outcomes:
        total.merge(outcome)
    total.seconds = time.perf_counter() - started
    return total


def post_singles(sends: Sequence[tuple[Api, bytes]]) -> Outcome:
    """POST records one per request, each with its provider's own client."""
    outcome = Outcome()
    for api in {id(api): api for api, _ in sends}.values():
        api.headers()  # each provider's token before the clock starts
    started = time.perf_counter()
    with httpx.Client(timeout=TIMEOUT) as client:
        for api, body in sends:
            headers = JSON | api.headers()
            sent = time.perf_counter()
            response = client.post(
                f"{api.base_url}/api/v1/provision-records", content=body, headers=headers
            )
            outcome.add(response, time.perf_counter() - sent, 1, ok=201)
    outcome.seconds = time.perf_counter() - started
    return outcome


def time_gets(
    api: Api,
    url_for: Callable[[int], str],
    *,
    requests: int,
    max_seconds: float,
    warm_up: int = 5,
    headers: dict[str, str] | None = None,
) -> Outcome:
    """GET ``url_for(i)`` ``requests`` times (or until ``max_seconds``), after a warm-up."""
    outcome = Outcome()
    with api.session() as client:
        warming = time.perf_counter()
        for i in range(warm_up):
            sent = time.perf_counter()
            client.get(url_for(-1 - i), headers=(headers or {}) | api.headers())
            if i == 0:  # the cold request: nothing cached yet for this as-at week
                outcome.first_ms = round((time.perf_counter() - sent) * 1000, 1)
            if time.perf_counter() - warming > max_seconds / 20:
                break  # a slow endpoint: one warm-up is enough
        started = time.perf_counter()
        for i in range(requests):
            request_headers = (headers or {}) | api.headers()
            sent = time.perf_counter()
            response = client.get(url_for(i), headers=request_headers)
            outcome.add(response, time.perf_counter() - sent, 1, ok=200)
            if time.perf_counter() - started > max_seconds:
                break
        outcome.seconds = time.perf_counter() - started
    return outcome
