"""Domain errors and the one renderer that turns every error into RFC 9457 problem details."""

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
RETRYABLE = {"40001", "40P01"}  # PostgreSQL serialization failure, deadlock
PROBLEM_BASE = "https://cnfte-register.example/problems/"


class ProblemError(Exception):
    """A failure the client can act on; subclasses set the status and title."""

    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __init__(self, detail: str, *, errors: Sequence[dict[str, str]] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)


class Unauthorized(ProblemError):
    status, title, slug = 401, "Unauthorized", "unauthorized"


class Forbidden(ProblemError):
    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(ProblemError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(ProblemError):
    status, title, slug = 409, "Conflict", "conflict"


class PayloadTooLarge(ProblemError):
    status, title, slug = 413, "Payload too large", "payload-too-large"


class InvalidContent(ProblemError):
    """A payload that parses but breaks a rule pydantic cannot see (e.g. an unknown provider)."""

    status, title, slug = 422, "Validation failed", "validation"


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str,
    errors: Sequence[dict[str, str]] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """An application/problem+json response."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = list(errors)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def render_problem(exc: ProblemError) -> JSONResponse:
    """The problem details for a domain error."""
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return problem_response(
        exc.status, exc.title, exc.detail, slug=exc.slug, errors=exc.errors, headers=headers
    )


def busy_response() -> JSONResponse:
    """503 for a register too busy to take the request now."""
    return problem_response(
        503,
        "Busy",
        "The register is busy; try again shortly.",
        slug="busy",
        headers={"Retry-After": "5"},
    )


def json_pointer(path: Sequence[str | int]) -> str:
    """RFC 6901 pointer for a path into the request body."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _validation_entry(error: Any) -> dict[str, str]:
    location, *path = error["loc"]
    message = str(error["msg"]).removeprefix("Value error, ")
    if location == "body":
        if error["type"] == "json_invalid":
            return {"pointer": "", "detail": f"Malformed JSON: {error['ctx']['error']}"}
        return {"pointer": json_pointer(path), "detail": message}
    # Query, path and header errors name the parameter instead of pointing into the body.
    return {"parameter": ".".join(str(part) for part in path), "detail": message}


def install_problem_handlers(app: FastAPI) -> None:
    """Render domain errors, validation errors and HTTP errors as problem details."""

    @app.exception_handler(ProblemError)
    async def _domain(_request: Request, exc: ProblemError) -> JSONResponse:
        return render_problem(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_validation_entry(error) for error in exc.errors()]
        count = len(errors)
        return problem_response(
            422,
            "Validation failed",
            f"{count} invalid field{'s' if count != 1 else ''}; nothing was stored.",
            slug="validation",
            errors=errors,
        )

    @app.exception_handler(DBAPIError)
    async def _database(_request: Request, exc: DBAPIError) -> JSONResponse:
        sqlstate = str(getattr(exc.orig, "sqlstate", None) or "")
        # Two writers racing for the same child lose nothing: the loser is told to resend.
        if isinstance(exc, IntegrityError) or sqlstate in RETRYABLE:
            return render_problem(
                Conflict("A concurrent submission changed the same children; send it again.")
            )
        if isinstance(exc, DataError) or sqlstate.startswith("22"):
            return render_problem(InvalidContent("A value could not be stored as sent."))
        if "database is locked" in str(exc.orig):
            return busy_response()
        raise exc

    @app.exception_handler(PoolTimeout)
    async def _pool_exhausted(_request: Request, _exc: PoolTimeout) -> JSONResponse:
        return busy_response()

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(
            exc.status_code,
            str(exc.detail) if exc.status_code != 404 else "Not found",
            str(exc.detail),
            slug=f"http-{exc.status_code}",
            headers=exc.headers,
        )
