"""Refuse oversized request bodies before they are buffered."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import PROBLEM_TYPES, Busy, busy_response, problem_response


class BodySizeLimit:
    """413 for a body over ``max_bytes``, by Content-Length or while it streams in."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        page_answer: Callable[[Scope, str], Response] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # People uploading on the pages are answered with a page, not problem JSON.
        self.page_answer = page_answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        too_large = refused = False

        async def counting_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_large = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # Whatever the app answers to a body cut short (its parser says 400), the client
            # is told the real reason instead.
            nonlocal refused
            if not too_large:
                await send(message)
            elif not refused:
                refused = True
                await self._refuse(scope, receive, send)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _TooLarge:
            if not refused:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = (
            f"The request (a file sent included) is over the limit of {_size(self.max_bytes)}: "
            "send a smaller file, or split the records into smaller batches."
        )
        response = (
            self.page_answer(scope, detail)
            if self.page_answer and not scope["path"].startswith("/api/")
            else problem_response(PROBLEM_TYPES["payload-too-large"], detail)
        )
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


# Liveness must answer even when every connection is taken.
UNQUEUED = frozenset({"/healthz"})


class ConnectionAdmission:
    """Admit at most ``capacity`` requests at once, queueing the rest in the event loop.

    Sync handlers run in a thread pool; if more requests than database connections entered it,
    threads would block waiting for a connection while the requests holding connections waited
    for a thread to commit: a deadlock until the pool timed out. Queueing here, before any
    thread is taken, cannot deadlock; a request that waits too long gets 503 and Retry-After.
    """

    def __init__(self, app: ASGIApp, *, capacity: int, wait_seconds: float = 30) -> None:
        self.app = app
        self.slots = asyncio.Semaphore(capacity)
        self.wait_seconds = wait_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNQUEUED:
            await self.app(scope, receive, send)
            return
        try:
            await asyncio.wait_for(self.slots.acquire(), self.wait_seconds)
        except TimeoutError:
            await busy_response()(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.slots.release()


class BatchTurns:
    """Batch submissions take turns to be stored, ``batches`` at a time.

    Storing a batch is CPU-bound: several at once in one process add little throughput (the
    interpreter runs one at a time) but take the processor from every read, so a dashboard
    polled while schools push shares it with one batch, not with all of them. A batch takes its
    turn only once its body is parsed and valid, so a large or hostile upload is refused without
    ever holding up another provider's batch.
    """

    def __init__(self, batches: int = 1, *, wait_seconds: float = 30) -> None:
        self.turns = asyncio.Semaphore(batches)
        self.wait_seconds = wait_seconds

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold one turn while the batch is stored; 503 after waiting too long."""
        try:
            await asyncio.wait_for(self.turns.acquire(), self.wait_seconds)
        except TimeoutError:
            raise Busy() from None
        try:
            yield
        finally:
            self.turns.release()


def _size(limit: int) -> str:
    """A byte limit as people read it: "4 MB", "512 KB" or "1500 bytes"."""
    for unit, size in (("MB", 1024 * 1024), ("KB", 1024)):
        if limit >= size:
            return f"{limit / size:.3g} {unit}"
    return f"{limit} bytes"
