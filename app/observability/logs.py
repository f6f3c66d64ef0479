"""Structured JSON logs: one line per request, naming the route, never a child's details."""

import logging
import logging.config
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability.metrics import Metrics

log = logging.getLogger("register.requests")
# A caller's request id is echoed only if it is short and plain, so it cannot forge log lines.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}")


class UtcJsonFormatter(JsonFormatter):
    """JSON lines with the time in UTC, ISO 8601, ending in Z."""

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        moment = datetime.fromtimestamp(record.created, UTC)
        log_data["time"] = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        log_data["level"] = record.levelname.lower()
        log_data["logger"] = record.name


LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": UtcJsonFormatter, "fmt": "%(message)s"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stdout"], "level": "INFO"},
    "loggers": {
        # Requests are logged once, by RequestLog, with the route template instead of the path
        # (paths carry UPNs); uvicorn's own access lines would repeat them.
        "uvicorn.access": {"handlers": [], "propagate": False},
        "uvicorn": {"handlers": [], "propagate": True},
        "uvicorn.error": {"handlers": [], "propagate": True},
    },
}


def configure_logging() -> None:
    """Send every log line to stdout as JSON."""
    logging.config.dictConfig(LOGGING)


def route_template(scope: Scope) -> str | None:
    """The matched route's template, e.g. `/api/v1/pupils/{upn}`: the path with each path
    parameter's value put back as its name, so no UPN reaches a log or a metric label."""
    if scope.get("route") is None:
        return None
    names = {str(value): name for name, value in scope.get("path_params", {}).items()}
    segments = scope["path"].split("/")
    return "/".join(f"{{{names[s]}}}" if s in names else s for s in segments)


class RequestLog:
    """Log and measure each request, and give it an id: the caller's `X-Request-ID` if plain,
    else a new one, echoed in the response. A W3C `traceparent` is carried into the log."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        given = headers.get("x-request-id", "")
        request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        trace = TRACEPARENT.fullmatch(headers.get("traceparent", ""))
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            duration = time.perf_counter() - started
            route = route_template(scope)
            state = scope.get("state", {})
            principal = state.get("principal")
            self.metrics.observe(
                method=scope["method"], route=route or "unmatched", status=status, seconds=duration
            )
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "trace_id": trace.group(1) if trace else None,
                    "parent_span_id": trace.group(2) if trace else None,
                    "client_id": principal.client_id if principal else state.get("client_id"),
                    "role": principal.role.value if principal else None,
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(duration * 1000, 1),
                },
            )
