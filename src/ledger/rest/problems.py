"""Errors as RFC 9457 problem documents (``application/problem+json``).

Refusals are turned into problems by the REST routes themselves (:class:`ProblemRoute`), so
GraphQL keeps its own error shape (errors in the response) and no app-wide handler for domain
errors is needed. HTTP errors (an unknown path, a method a route does not take, a malformed
GraphQL request) are problems on every path.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger.domain.errors import (
    ChainBrokenError,
    Forbidden,
    IdConflict,
    LedgerError,
    NotFound,
    Unauthenticated,
    VersionConflict,
)

MEDIA_TYPE = "application/problem+json"
PREFIX = "/v1"
#: Refusals because of the store's state rather than the request's content.
CONFLICT_CODES = frozenset({"VERSION_CONFLICT", "ID_CONFLICT", "STORE_NOT_EMPTY"})

_TITLES = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    422: "Invalid request",
    429: "Too many requests",
    500: "Internal server error",
}


class Problem(BaseModel):
    """RFC 9457 problem details, extended with the ledger's error ``code`` and ``field``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "about:blank",
                    "title": "Conflict",
                    "status": 409,
                    "detail": "stream 'person-maks-bokayev' is at version 4, not 3",
                    "code": "VERSION_CONFLICT",
                    "field": ["expectedVersion"],
                }
            ]
        }
    )

    type: str = Field(default="about:blank", description="no further documentation per kind")
    title: str
    status: int
    detail: str
    code: str = Field(description="machine-readable kind, as in GraphQL's UserError.code")
    field: list[str] | None = Field(
        default=None, description="path to the offending input field, e.g. events.0.data.kind"
    )
    currentVersion: int | None = Field(
        default=None,
        description="on VERSION_CONFLICT: the stream's version now (also the ETag), to retry with",
    )


def status_for(error: LedgerError) -> int:
    if isinstance(error, Unauthenticated):
        return 401
    if isinstance(error, Forbidden):
        return 403
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, VersionConflict | IdConflict) or error.code in CONFLICT_CODES:
        return 409
    if isinstance(error, ChainBrokenError):
        return 500
    return 422


def problem(
    status: int,
    detail: str,
    code: str,
    field: Sequence[str | int] | None = None,
    current_version: int | None = None,
) -> JSONResponse:
    body = Problem(
        title=_TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        code=code,
        field=[str(part) for part in field] if field is not None else None,
        currentVersion=current_version,
    )
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if current_version is not None:
        headers["ETag"] = f'"{current_version}"'
    return JSONResponse(
        body.model_dump(exclude={"currentVersion"} if current_version is None else None),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=headers or None,
    )


def from_ledger_error(error: LedgerError) -> JSONResponse:
    current = error.current_version if isinstance(error, VersionConflict) else None
    return problem(status_for(error), error.message, error.code, error.field, current)


def from_validation_error(error: RequestValidationError) -> JSONResponse:
    """FastAPI's own validation, named like the domain's: ``body.events.0.type`` → events.0.type,
    and in camelCase like every other field of the API (``path.event_id`` → eventId)."""
    first: dict[str, Any] = error.errors()[0]
    location = [str(part) for part in first.get("loc", ())]
    if location and location[0] in ("body", "query", "path", "header"):
        location = location[1:]
    field = [camel_case(part) for part in location]
    return problem(422, str(first.get("msg", "invalid request")), "VALIDATION", field)


def camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


_HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
}


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods are problems too, on every path (a GraphQL client's malformed
    request included), so that every HTTP error has one shape."""
    assert isinstance(exc, StarletteHTTPException)
    detail = str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no route {request.url.path}: the REST API is under {PREFIX}, GraphQL at /graphql"
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    response = problem(exc.status_code, detail, _HTTP_CODES.get(exc.status_code, "HTTP_ERROR"))
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


class ProblemRoute(APIRoute):
    """A route whose refusals (domain or request validation) become problem documents."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except LedgerError as exc:
                return from_ledger_error(exc)
            except RequestValidationError as exc:
                return from_validation_error(exc)

        return handle


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problems an operation can answer (400 from the gate: always).

    The schema is inlined: a ``model`` entry would also (wrongly) list ``application/json``.
    """
    described = {
        400: "refused by the gate before routing: text holding NUL (U+0000) or an unpaired"
        " surrogate, which no string of the request may (``field`` says where), or a malformed"
        " header",
        401: "no token, or an unknown or revoked one",
        403: "the token's role may not do this",
        404: "no such event",
        409: "version conflict, or the id is stored with other content",
        413: "the body is larger than LEDGER_MAX_BODY_BYTES",
        422: "the request does not validate; ``field`` names the offending input",
        429: "too many writes for this token; see Retry-After",
        500: "CHAIN_BROKEN: a stored event does not match the hash chain and is not served",
    }
    schema = Problem.model_json_schema()
    return {
        status: {
            "description": described.get(status, _TITLES.get(status, "error")),
            "content": {MEDIA_TYPE: {"schema": schema}},
        }
        for status in sorted({400, *statuses})
    }
