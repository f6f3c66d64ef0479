"""Throttling failed token requests and sign-ins, per client id (or email address) and per
source address."""

import logging
import math
import time
from collections.abc import Callable
from typing import TypeVar

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from app.errors import TooManyRequests

log = logging.getLogger("register")
T = TypeVar("T")


class TokenThrottle:
    """Counts failed token requests in a moving window; in memory, or in Redis so that every
    replica shares the count. While Redis cannot be reached each replica counts on its own:
    tokens are still issued, and guessing is still limited."""

    def __init__(self, *, limit: str, storage_url: str | None, what: str = "token") -> None:
        self.what = what
        self.item = parse(limit)
        self.local = MovingWindowRateLimiter(storage_from_string("memory://"))
        self.shared: MovingWindowRateLimiter | None = None
        if storage_url:
            storage = storage_from_string(storage_url, socket_connect_timeout=1, socket_timeout=1)
            self.shared = MovingWindowRateLimiter(storage)
            self.shared_errors = storage.base_exceptions

    def _counted(self, use: Callable[[MovingWindowRateLimiter], T]) -> T:
        if self.shared is not None:
            try:
                return use(self.shared)
            except self.shared_errors:
                log.warning("throttling store unreachable; counting in this process")
        return use(self.local)

    def _keys(self, client_id: str, address: str) -> tuple[tuple[str, str, str], ...]:
        failures = f"{self.what}-failures"
        return (failures, "client", client_id), (failures, "address", address)

    def check(self, *, client_id: str, address: str) -> None:
        """Refuse with 429 a client id or address that has failed too often of late."""
        keys = self._keys(client_id, address)
        if not self._counted(lambda limiter: all(limiter.test(self.item, *k) for k in keys)):
            headers = self.headers(client_id=client_id, address=address)
            raise TooManyRequests(
                f"Too many failed {self.what} requests; retry in {headers['RateLimit-Reset']} s.",
                headers=headers | {"Retry-After": headers["RateLimit-Reset"]},
            )

    def failed(self, *, client_id: str, address: str) -> dict[str, str]:
        """Count a failure; the RateLimit headers to send with it."""
        keys = self._keys(client_id, address)
        self._counted(lambda limiter: [limiter.hit(self.item, *key) for key in keys])
        return self.headers(client_id=client_id, address=address)

    def headers(self, *, client_id: str, address: str) -> dict[str, str]:
        """RateLimit-* headers for the tighter of the two limits."""
        keys = self._keys(client_id, address)
        stats = self._counted(
            lambda limiter: [limiter.get_window_stats(self.item, *key) for key in keys]
        )
        reset = max(0, math.ceil(max(s.reset_time for s in stats) - time.time()))
        return {
            "RateLimit-Limit": str(self.item.amount),
            "RateLimit-Remaining": str(min(s.remaining for s in stats)),
            "RateLimit-Reset": str(reset),
        }
