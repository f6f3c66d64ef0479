"""Domain errors, the catalogue of problem types, and the one renderer (RFC 9457)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
RETRYABLE = {"40001", "40P01"}  # PostgreSQL serialization failure, deadlock
# Relative, so each type resolves to the page this service serves about it (RFC 3986 §5).
PROBLEM_BASE = "/problems/"


@dataclass(frozen=True)
class ProblemType:
    """A kind of problem: its status, title, and what a client should do about it."""

    slug: str
    status: int
    title: str
    about: str

    @property
    def uri(self) -> str:
        """The problem's `type`: the page that explains it."""
        return PROBLEM_BASE + self.slug


PROBLEM_TYPES = {
    kind.slug: kind
    for kind in (
        ProblemType(
            "bad-request",
            400,
            "Bad request",
            "The request cannot be processed as sent, for example a batch with more records "
            "than allowed. Change the request as the detail says and send it again.",
        ),
        ProblemType(
            "invalid-request",
            400,
            "Invalid token request",
            "OAuth2 `invalid_request` (RFC 6749 §5.2): the token request misses a parameter, "
            "repeats one, or authenticates the client in more than one way. Send "
            "`grant_type=client_credentials` as a form, with the client's credentials in "
            "HTTP Basic or in the form, not both.",
        ),
        ProblemType(
            "unsupported-grant-type",
            400,
            "Unsupported grant type",
            "OAuth2 `unsupported_grant_type`: this register issues tokens only for "
            "`grant_type=client_credentials`.",
        ),
        ProblemType(
            "unauthorized",
            401,
            "Unauthorized",
            "No valid bearer token: it is missing, expired, forged, or its client has been "
            "disabled or its secret rotated. Get a new token from `POST /api/v1/auth/token`.",
        ),
        ProblemType(
            "invalid-client",
            401,
            "Invalid client",
            "OAuth2 `invalid_client`: the client id is unknown, the secret is wrong, or the "
            "client is disabled. Check the credentials; ask the LA's administrator if the "
            "secret was rotated.",
        ),
        ProblemType(
            "forbidden",
            403,
            "Forbidden",
            "The token is valid but its role may not do this, or a provider asked for a "
            "child or provider that is not its own.",
        ),
        ProblemType(
            "not-found",
            404,
            "Not found",
            "Nothing with this identifier exists, or the caller may not know it exists.",
        ),
        ProblemType(
            "method-not-allowed",
            405,
            "Method not allowed",
            "This path does not take this HTTP method; the `Allow` header lists those it does.",
        ),
        ProblemType(
            "conflict",
            409,
            "Conflict",
            "The request disagrees with what the register holds (for example a UPN sent with "
            "another date of birth, a URN already registered) or lost a race with a "
            "concurrent change. Nothing was stored; resolve the conflict or send it again.",
        ),
        ProblemType(
            "payload-too-large",
            413,
            "Payload too large",
            "The request body is over the register's limit. Send smaller batches.",
        ),
        ProblemType(
            "unsupported-media-type",
            415,
            "Unsupported media type",
            "The body is a spreadsheet format this operation cannot read. Save it as an Excel "
            "workbook (.xlsx) or as CSV UTF-8 and send it again.",
        ),
        ProblemType(
            "validation",
            422,
            "Validation failed",
            "Some fields are invalid and nothing was stored. Each entry in `errors` names one "
            "field, by a JSON Pointer into the body (`pointer`) or by `parameter`, with what "
            "is wrong. Correct those fields and send the whole request again.",
        ),
        ProblemType(
            "too-many-requests",
            429,
            "Too many requests",
            "Too many failed token requests for this client or from this address. Wait for "
            "the seconds in `Retry-After`; `RateLimit-*` headers give the limit.",
        ),
        ProblemType(
            "busy",
            503,
            "Busy",
            "The register could not take the request in time. Retry after `Retry-After` "
            "seconds; nothing was stored.",
        ),
        ProblemType(
            "unavailable",
            503,
            "Service unavailable",
            "The register's database cannot be reached or its schema is not yet migrated. "
            "Nothing was stored; retry after `Retry-After` seconds.",
        ),
    )
}
BY_STATUS = {kind.status: kind for kind in reversed(PROBLEM_TYPES.values())}


class OAuthErrorCode(StrEnum):
    """RFC 6749 §5.2 error codes this register uses."""

    invalid_request = "invalid_request"
    invalid_client = "invalid_client"
    unsupported_grant_type = "unsupported_grant_type"


def _optional(schema: dict[str, Any]) -> None:
    # Absent when unused, never null: the description shows no null default.
    schema.pop("default", None)


class ErrorEntry(BaseModel):
    """One invalid field: a JSON Pointer into the body, or a parameter's name."""

    pointer: str | SkipJsonSchema[None] = Field(
        default=None,
        json_schema_extra=_optional,
        description="RFC 6901 JSON Pointer into the request body.",
        examples=["/records/3/upn"],
    )
    parameter: str | SkipJsonSchema[None] = Field(
        default=None,
        json_schema_extra=_optional,
        description="The query, path or header parameter.",
        examples=["as_at"],
    )
    row: int | SkipJsonSchema[None] = Field(
        default=None,
        json_schema_extra=_optional,
        description="For a spreadsheet, the row of the cell (the header is row 1).",
        examples=[4],
    )
    column: str | SkipJsonSchema[None] = Field(
        default=None,
        json_schema_extra=_optional,
        description="For a spreadsheet, the column of the cell, by its header.",
        examples=["upn"],
    )
    detail: str = Field(examples=["check letter does not match the UPN"])


class Problem(BaseModel):
    """RFC 9457 problem details, the body of every error."""

    type: str = Field(
        description="Identifies the problem; resolves to a page in this service explaining it.",
        json_schema_extra={"format": "uri-reference"},
        examples=["/problems/validation"],
    )
    title: str = Field(examples=["Validation failed"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["1 invalid field; nothing was stored."])
    errors: list[ErrorEntry] | SkipJsonSchema[None] = Field(
        default=None,
        json_schema_extra=_optional,
        description="For validation failures, one entry per invalid field.",
    )
    error: OAuthErrorCode | SkipJsonSchema[None] = Field(
        default=None,
        json_schema_extra=_optional,
        description="At the token endpoint, the RFC 6749 §5.2 error code.",
    )
    error_description: str | SkipJsonSchema[None] = Field(
        default=None,
        json_schema_extra=_optional,
        description="At the token endpoint, the same as `detail`.",
    )


class ProblemError(Exception):
    """A failure the client can act on; subclasses set its kind."""

    kind: ClassVar[ProblemType] = PROBLEM_TYPES["bad-request"]
    challenge: ClassVar[str | None] = None  # the WWW-Authenticate header of a 401

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[Mapping[str, str | int]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)
        self.headers = dict(headers or {})

    def members(self) -> dict[str, str]:
        """Problem members beyond the standard ones."""
        return {}


class Unauthorized(ProblemError):
    kind = PROBLEM_TYPES["unauthorized"]
    challenge = 'Bearer error="invalid_token"'


class Forbidden(ProblemError):
    kind = PROBLEM_TYPES["forbidden"]


class NotFound(ProblemError):
    kind = PROBLEM_TYPES["not-found"]


class Conflict(ProblemError):
    kind = PROBLEM_TYPES["conflict"]


class InvalidContent(ProblemError):
    """A payload that parses but breaks a rule pydantic cannot see (e.g. an unknown provider)."""

    kind = PROBLEM_TYPES["validation"]


class PayloadTooLarge(ProblemError):
    kind = PROBLEM_TYPES["payload-too-large"]


class UnsupportedMediaType(ProblemError):
    kind = PROBLEM_TYPES["unsupported-media-type"]


class TooManyRequests(ProblemError):
    kind = PROBLEM_TYPES["too-many-requests"]


class Unavailable(ProblemError):
    kind = PROBLEM_TYPES["unavailable"]

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": "5"})


class Busy(ProblemError):
    kind = PROBLEM_TYPES["busy"]

    def __init__(self) -> None:
        super().__init__("The register is busy; try again shortly.", headers={"Retry-After": "5"})


class OAuthError(ProblemError):
    """A token request refused as RFC 6749 §5.2 says: the problem carries its `error` code."""

    def members(self) -> dict[str, str]:
        return {"error": self.kind.slug.replace("-", "_"), "error_description": self.detail}


class InvalidRequest(OAuthError):
    kind = PROBLEM_TYPES["invalid-request"]


class UnsupportedGrantType(OAuthError):
    kind = PROBLEM_TYPES["unsupported-grant-type"]


class InvalidClient(OAuthError):
    kind = PROBLEM_TYPES["invalid-client"]
    challenge = 'Basic realm="cnfte-register"'


def problem_response(
    kind: ProblemType,
    detail: str,
    *,
    errors: Sequence[Mapping[str, str | int]] = (),
    headers: Mapping[str, str] | None = None,
    members: Mapping[str, str] | None = None,
) -> JSONResponse:
    """An application/problem+json response."""
    body: dict[str, Any] = {
        "type": kind.uri,
        "title": kind.title,
        "status": kind.status,
        "detail": detail,
        **(members or {}),
    }
    if errors:
        body["errors"] = list(errors)
    return JSONResponse(body, status_code=kind.status, media_type=PROBLEM_JSON, headers=headers)


def render_problem(exc: ProblemError) -> JSONResponse:
    """The problem details for a domain error."""
    headers = exc.headers | ({"WWW-Authenticate": exc.challenge} if exc.challenge else {})
    return problem_response(
        exc.kind, exc.detail, errors=exc.errors, headers=headers, members=exc.members()
    )


def busy_response() -> JSONResponse:
    """503 for a register too busy to take the request now."""
    return render_problem(Busy())


def json_pointer(path: Sequence[str | int]) -> str:
    """RFC 6901 pointer for a path into the request body."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def validation_entries(exc: RequestValidationError) -> list[dict[str, str]]:
    """One `errors` entry per invalid field, by pointer (body) or parameter name."""
    return [_validation_entry(error) for error in exc.errors()]


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
        errors = validation_entries(exc)
        count = len(errors)
        return problem_response(
            PROBLEM_TYPES["validation"],
            f"{count} invalid field{'s' if count != 1 else ''}; nothing was stored.",
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
        # Connection refused or dropped, server shutting down: the pool reconnects (pre-ping)
        # once the database is back, so the client is told to retry, not that we failed.
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            return render_problem(Unavailable("The register's database is unavailable."))
        raise exc

    @app.exception_handler(PoolTimeout)
    async def _pool_exhausted(_request: Request, _exc: PoolTimeout) -> JSONResponse:
        return busy_response()

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = BY_STATUS.get(exc.status_code, PROBLEM_TYPES["bad-request"])
        detail = "No such path." if exc.status_code == 404 else str(exc.detail)
        return problem_response(kind, detail, headers=exc.headers)
