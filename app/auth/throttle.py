"""Throttling failed token requests, per client id and per source address."""

import math
import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from app.errors import TooManyRequests


class TokenThrottle:
    """Counts failed token requests in a moving window; in memory, or in Redis so that every
    replica shares the count."""

    def __init__(self, *, limit: str, storage_url: str | None) -> None:
        self.item = parse(limit)
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_url or "memory://"))

    @staticmethod
    def _keys(client_id: str, address: str) -> tuple[tuple[str, str, str], ...]:
        return ("token-failures", "client", client_id), ("token-failures", "address", address)

    def check(self, *, client_id: str, address: str) -> None:
        """Refuse with 429 a client id or address that has failed too often of late."""
        keys = self._keys(client_id, address)
        if not all(self.limiter.test(self.item, *key) for key in keys):
            headers = self.headers(client_id=client_id, address=address)
            raise TooManyRequests(
                f"Too many failed token requests; retry in {headers['RateLimit-Reset']} s.",
                headers=headers | {"Retry-After": headers["RateLimit-Reset"]},
            )

    def failed(self, *, client_id: str, address: str) -> dict[str, str]:
        """Count a failure; the RateLimit headers to send with it."""
        for key in self._keys(client_id, address):
            self.limiter.hit(self.item, *key)
        return self.headers(client_id=client_id, address=address)

    def headers(self, *, client_id: str, address: str) -> dict[str, str]:
        """RateLimit-* headers for the tighter of the two limits."""
        stats = [
            self.limiter.get_window_stats(self.item, *k) for k in self._keys(client_id, address)
        ]
        reset = max(0, math.ceil(max(s.reset_time for s in stats) - time.time()))
        return {
            "RateLimit-Limit": str(self.item.amount),
            "RateLimit-Remaining": str(min(s.remaining for s in stats)),
            "RateLimit-Reset": str(reset),
        }
