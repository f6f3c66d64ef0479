"""The OpenAPI description that clients are generated from.

FastAPI describes each operation's success; this module adds, for every operation, the
problems it can answer with (derived from its dependencies, parameters and body, so a new route
is described without a hand-kept list) and an example of every request and response body.
`make openapi` prints it into openapi/openapi.json (app/openapi_file.py).
"""

from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.routing import BaseRoute

from app.auth.dependencies import RoleCheck, current_principal
from app.csv_answers import CSV
from app.errors import BY_STATUS, PROBLEM_JSON, Problem
from app.limits import UNQUEUED

Schema = dict[str, Any]

TAGS = [
    {"name": "auth", "description": "OAuth2 client-credentials tokens."},
    {"name": "clients", "description": "API clients: register, list, rotate, disable (admin)."},
    {
        "name": "people",
        "description": "People who sign in to the pages: add, list, disable (admin).",
    },
    {"name": "providers", "description": "Schools, PRUs, AP and other providers."},
    {"name": "provision", "description": "Weekly hours of provision per child, from providers."},
    {"name": "pupils", "description": "One child's status and weeks."},
    {"name": "register", "description": "Every child's status, most urgent first."},
    {"name": "changes", "description": "Every change in commit order, for LA mirrors."},
    {"name": "calendar", "description": "The LA's term dates and closure days."},
    {"name": "summary", "description": "Dashboard aggregates with small-number suppression."},
    {"name": "extracts", "description": "The inspection extract."},
    {"name": "returns", "description": "Who owed a weekly return, who sent it; nil returns."},
    {"name": "alerts", "description": "Children needing action today."},
    {"name": "audit", "description": "Who read or wrote children's data."},
    {"name": "health", "description": "Liveness and readiness, for orchestrators."},
    {"name": "sandbox", "description": "Test data, in a sandbox register only (else 404)."},
]
ERRORS = {
    400: "The request cannot be processed as sent.",
    401: "No valid bearer token.",
    403: "The caller's role may not do this.",
    404: "No such resource, or none the caller may see.",
    409: "Conflicts with the register or with a concurrent change; nothing was stored.",
    413: "The request body is over the size limit.",
    422: "Invalid fields, each named in `errors`; nothing was stored.",
    429: "Too many requests; wait for `Retry-After` seconds.",
    503: "Busy, or the database is unavailable; retry after `Retry-After` seconds.",
}
SECONDS = {"schema": {"type": "integer", "minimum": 0}}
ERROR_HEADERS = {
    401: {
        "WWW-Authenticate": {
            "description": "The authentication scheme to use.",
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {"description": "Seconds to wait.", **SECONDS},
        "RateLimit-Limit": {"description": "Failures allowed per window.", **SECONDS},
        "RateLimit-Remaining": {"description": "Failures left in the window.", **SECONDS},
        "RateLimit-Reset": {"description": "Seconds until the window frees.", **SECONDS},
    },
    503: {"Retry-After": {"description": "Seconds to wait.", **SECONDS}},
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
# Dates in synthesised examples fall on a term-time Monday, valid for `week_commencing`.
FORMAT_EXAMPLES = {
    "date": "2026-09-07",
    "date-time": "2026-09-07T09:30:00Z",
    "uri-reference": "/problems/validation",
}


# Request bodies that routes parse themselves, described as shared components all the same.
PARSED_BODIES: list[type[BaseModel]] = []


def parsed_body(model: type[BaseModel], *, spreadsheets: Sequence[str] = ()) -> Schema:
    """`openapi_extra` for a route that validates its JSON body from the raw bytes (one pass,
    for speed): the body is described as if FastAPI had parsed it as `model`, or as a
    spreadsheet file of the given media types whose columns are its records' fields."""
    PARSED_BODIES.append(model)
    reference = {"$ref": f"#/components/schemas/{model.__name__}"}
    content: Schema = {"application/json": {"schema": reference}}
    for media_type in spreadsheets:
        binary = {} if media_type == CSV else {"format": "binary"}
        content[media_type] = {
            "schema": {"type": "string", **binary, "description": "One record per row."}
        }
    return {"requestBody": {"required": True, "content": content}}


def csv_content(example: str) -> Schema:
    """A `text/csv` alternative for a response, as the API description shows it."""
    return {CSV: {"schema": {"type": "string"}, "example": example}}


def install_openapi(app: FastAPI) -> None:
    """Serve the described document in place of FastAPI's own."""
    generate = app.openapi

    def described() -> Schema:
        if app.openapi_schema is None:
            app.openapi_schema = describe(generate(), app.routes)
        return app.openapi_schema

    app.openapi = described  # type: ignore[method-assign]


def describe(document: Schema, routes: Sequence[BaseRoute]) -> Schema:
    """Add problems, examples and the shared schemas to FastAPI's document."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    _, shared = models_json_schema(
        [(Problem, "serialization"), *((model, "validation") for model in PARSED_BODIES)],
        ref_template="#/components/schemas/{model}",
    )
    for name, schema in shared["$defs"].items():
        schemas.setdefault(name, schema)
    components.setdefault("securitySchemes", {})["clientBasic"] = {
        "type": "http",
        "scheme": "basic",
        "description": "The client's id and secret, for the token endpoint only.",
    }
    for route in iter_route_contexts(routes):
        if not (isinstance(route.original_route, APIRoute) and route.include_in_schema):
            continue
        for method in route.methods or ():
            operation = document["paths"][route.path_format][method.lower()]
            statuses = error_statuses(route, method)
            # FastAPI's own 422 (HTTPValidationError) is not what this API sends.
            for status in [s for s in operation["responses"] if s[0] in "45"]:
                if int(status) not in statuses:
                    del operation["responses"][status]
            for status, description in statuses.items():
                declared = operation["responses"].get(str(status), {})
                response = _problem_response(status, description, has_body=_has_body(route))
                # A route may show its own example of the problem (the token endpoint does).
                example = declared.get("content", {}).get(PROBLEM_JSON, {}).get("example")
                if example:
                    response["content"][PROBLEM_JSON]["example"] = example
                operation["responses"][str(status)] = response
            for media in _media(operation):
                if "example" not in media and "examples" not in media:
                    media["example"] = example_of(media.get("schema", {}), schemas)
    return document


def error_statuses(route: RouteContext, method: str) -> dict[int, str]:
    """Each error status the route can answer with, and when."""
    calls = [dependant.call for dependant in _dependants(route.dependant)]
    authenticated = current_principal in calls
    statuses: dict[int, str] = {}
    if authenticated:
        statuses[401] = ERRORS[401]
    for check in calls:
        if isinstance(check, RoleCheck):
            roles = ", ".join(role.value for role in check.roles)
            statuses[403] = f"{ERRORS[403]} Roles allowed: {roles}."
    if route.dependant.path_params:
        statuses[404] = ERRORS[404]
    if authenticated and method in WRITES:
        statuses[409] = ERRORS[409]
    if _has_body(route):
        statuses[413] = ERRORS[413]
    if _has_body(route) or _parameters(route.dependant):
        # A route may answer invalid input otherwise (the token endpoint: 400, RFC 6749).
        invalid = getattr(route.original_route, "invalid_input_status", 422)
        statuses[invalid] = ERRORS[invalid]
    if route.path_format not in UNQUEUED:
        statuses[503] = ERRORS[503]
    for status, declared in route.responses.items():
        if isinstance(status, int) and status >= 400:
            statuses[status] = declared.get("description", ERRORS.get(status, ""))
    return dict(sorted(statuses.items()))


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for child in dependant.dependencies:
        yield from _dependants(child)


def _has_body(route: RouteContext) -> bool:
    return route.body_field is not None or "requestBody" in (route.openapi_extra or {})


def _parameters(dependant: Dependant) -> bool:
    return any(d.query_params or d.path_params or d.header_params for d in _dependants(dependant))


def _problem_response(status: int, description: str, *, has_body: bool) -> Schema:
    kind = BY_STATUS[status]
    example: Schema = {
        "type": kind.uri,
        "title": kind.title,
        "status": status,
        "detail": ERRORS.get(status, kind.title),
    }
    if status == 422:
        where = {"pointer": "/records/0/upn"} if has_body else {"parameter": "as_at"}
        example["errors"] = [where | {"detail": "not a valid value"}]
    response: Schema = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": PROBLEM_REF, "example": example}},
    }
    if status in ERROR_HEADERS:
        response["headers"] = ERROR_HEADERS[status]
    return response


def _media(operation: Schema) -> Iterator[Schema]:
    """The request body's and every success response's media type objects."""
    yield from operation.get("requestBody", {}).get("content", {}).values()
    for status, response in operation["responses"].items():
        if status.startswith("2"):
            yield from response.get("content", {}).values()


def example_of(schema: Schema, schemas: Schema, depth: int = 0) -> Any:
    """An example value for a JSON schema: its own examples where given, else one built from
    its properties' examples, defaults, enums and formats."""
    if depth > 10:
        return None
    if "$ref" in schema:
        return example_of(schemas[schema["$ref"].rsplit("/", 1)[-1]], schemas, depth + 1)
    for key in ("examples", "enum"):
        if schema.get(key):
            return schema[key][0]
    for key in ("example", "const", "default"):
        if schema.get(key) is not None:
            return schema[key]
    alternatives = schema.get("anyOf") or schema.get("oneOf") or []
    options = [s for s in alternatives if s.get("type") != "null"]
    if options:
        return example_of(options[0], schemas, depth + 1)

    def nested(inner: Schema) -> Any:
        return example_of(inner, schemas, depth + 1)

    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        example = {name: nested(inner) for name, inner in schema.get("properties", {}).items()}
        if isinstance(schema.get("additionalProperties"), dict):
            key = nested(schema.get("propertyNames", {"type": "string"}))
            example[str(key)] = nested(schema["additionalProperties"])
        return example
    if kind == "array":
        return [nested(schema.get("items", {}))]
    if kind == "string":
        return FORMAT_EXAMPLES.get(schema.get("format", ""), "text")
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return max(schema.get("minimum", 1), 1)
    if kind == "boolean":
        return True
    return None
