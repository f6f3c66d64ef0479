"""Refused calls on the record: a caller probing for children or credentials leaves a trace
even though its request's own transaction rolled back."""

import logging

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.audit.service import AUDITED_REFUSALS, record_refusal

logger = logging.getLogger(__name__)


class RefusalAudit:
    """After an API call under ``prefix`` is refused (401, 403, 404, 409, 429), record it with
    its caller, address, status and any child it asked about, in a transaction of its own."""

    def __init__(self, app: ASGIApp, *, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        status = 0

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, noting_status)
        if status in AUDITED_REFUSALS:
            await run_in_threadpool(self._record, Request(scope), status)

    @staticmethod
    def _record(request: Request, status: int) -> None:
        try:
            with request.app.state.sessionmaker.begin() as session:
                record_refusal(session, request, status)
        except SQLAlchemyError:  # the refusal stands; only its record is lost, and said so
            logger.exception("could not record a refused call", extra={"status": status})
