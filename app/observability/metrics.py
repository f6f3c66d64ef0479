"""Prometheus metrics: requests by route template, ingest, register version, database pool."""

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from app.register.service import register_version


class Metrics:
    """One registry per app, so several apps in one process (tests) never collide."""

    def __init__(self, *, engine: Engine, sessions: Callable[[], Session]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "register_http_requests",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "register_http_request_duration_seconds",
            "HTTP request duration by method and route template.",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.ingest = Counter(
            "register_ingest_records",
            "Provision records accepted, by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.registry.register(_StateCollector(engine=engine, sessions=sessions))

    def observe(self, *, method: str, route: str, status: int, seconds: float) -> None:
        """Count and time one request."""
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def ingested(self, *, created: int, replaced: int) -> None:
        """Count accepted provision records."""
        self.ingest.labels("created").inc(created)
        self.ingest.labels("replaced").inc(replaced)


class _StateCollector(Collector):
    """Read at scrape time: the register's version and the connection pool's use."""

    def __init__(self, *, engine: Engine, sessions: Callable[[], Session]) -> None:
        self.engine = engine
        self.sessions = sessions

    def collect(self) -> Iterator[Metric]:
        pool = self.engine.pool
        if isinstance(pool, QueuePool):
            yield GaugeMetricFamily(
                "register_db_pool_size", "Connections the pool keeps open.", pool.size()
            )
            yield GaugeMetricFamily(
                "register_db_pool_checked_out", "Connections in use.", pool.checkedout()
            )
            yield GaugeMetricFamily(
                "register_db_pool_overflow", "Connections beyond the pool size.", pool.overflow()
            )
        try:
            with self.sessions() as session:
                version = register_version(session)
        except SQLAlchemyError:
            return  # the database is down: /readyz says so, the other metrics still matter
        yield GaugeMetricFamily(
            "register_version", "Bumped by every re-judgement of children's weeks.", version
        )
