"""Finished aggregates, kept until the register changes.

Dashboards poll the same figures many times between weekly pushes, and each summary reads
every child's state. Entries are keyed by the request and the register version, which every
re-judgement bumps, so a cached answer is never stale: a change simply misses.
"""

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import TypeVar, cast

T = TypeVar("T")


class AggregateCache:
    def __init__(self, *, size: int = 256) -> None:
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = Lock()
        self._size = size

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value for ``key``, computing (outside the lock) and keeping it if new."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return cast(T, self._entries[key])
        value = compute()
        if self._size:
            with self._lock:
                self._entries[key] = value
                if len(self._entries) > self._size:
                    self._entries.popitem(last=False)
        return value
