"""Admission control: requests queue for database connections instead of deadlocking."""

import asyncio

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from app.config import Settings
from app.limits import BatchTurns, ConnectionAdmission
from app.main import create_app


async def slow(_request: Request) -> PlainTextResponse:
    await asyncio.sleep(0.3)
    return PlainTextResponse("done")


def admitted(capacity: int, wait_seconds: float) -> httpx.AsyncClient:
    turns = BatchTurns(1)

    async def slow_batch(request: Request) -> PlainTextResponse:
        async with turns.turn():
            return await slow(request)

    app = ConnectionAdmission(
        Starlette(
            routes=[
                Route("/slow", slow),
                Route("/healthz", slow),
                Route("/api/v1/provision-records/batch", slow_batch, methods=["POST"]),
            ]
        ),
        capacity=capacity,
        wait_seconds=wait_seconds,
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def statuses(client: httpx.AsyncClient, path: str, count: int) -> list[int]:
    responses = await asyncio.gather(*(client.get(path) for _ in range(count)))
    return sorted(response.status_code for response in responses)


def test_requests_beyond_capacity_wait_their_turn() -> None:
    async def run() -> list[int]:
        async with admitted(capacity=1, wait_seconds=5) as client:
            return await statuses(client, "/slow", 3)

    assert asyncio.run(run()) == [200, 200, 200]


def test_a_request_that_waits_too_long_gets_503_with_retry_after() -> None:
    async def run() -> tuple[list[int], str | None]:
        async with admitted(capacity=1, wait_seconds=0.05) as client:
            first = asyncio.create_task(client.get("/slow"))
            await asyncio.sleep(0.05)
            refused = await client.get("/slow")
            await first
            return [first.result().status_code, refused.status_code], refused.headers.get(
                "retry-after"
            )

    assert asyncio.run(run()) == ([200, 503], "5")


def test_liveness_is_never_queued() -> None:
    async def run() -> list[int]:
        async with admitted(capacity=1, wait_seconds=0.01) as client:
            return await statuses(client, "/healthz", 3)

    assert asyncio.run(run()) == [200, 200, 200]


def test_batches_take_turns_while_reads_go_straight_in() -> None:
    async def run() -> tuple[float, float]:
        async with admitted(capacity=5, wait_seconds=5) as client:
            started = asyncio.get_running_loop().time()
            batches = [client.post("/api/v1/provision-records/batch") for _ in range(2)]
            pushing = asyncio.gather(*batches)
            await asyncio.sleep(0.05)
            await client.get("/slow")
            read = asyncio.get_running_loop().time() - started
            await pushing
            return read, asyncio.get_running_loop().time() - started

    read, both = asyncio.run(run())
    assert read < 0.5  # the read did not wait behind the second batch
    assert both >= 0.6  # the two batches ran one after the other


def test_the_service_admits_as_many_batches_as_configured(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"concurrent_batches": 3}))
    assert app.state.batch_turns.turns._value == 3
