"""Every error as RFC 9457 problem details, and the one table mapping domain errors to HTTP.

``application/problem+json`` with ``type``, ``title``, ``status``, ``detail``, ``instance`` and,
where known, ``file``, ``feature`` and ``field``. FastAPI's own validation errors, Starlette's
HTTP errors (404 route, 405) and anything unexpected (500, no stack trace) take the same shape.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from geogrid import errors

PROBLEM_JSON = "application/problem+json"
_log = logging.getLogger("geogrid.api")

STATUS_BY_ERROR: dict[type[errors.GeogridError], int] = {
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.TooLarge: 413,
    errors.RateLimited: 429,
    errors.ValidationFailed: 422,
    errors.EditRefused: 422,
    errors.CRSError: 422,
    errors.InputError: 400,
    errors.NotFound: 404,
    errors.IllegalTransition: 409,
    errors.Conflict: 409,
    errors.InfeasibleError: 422,
    errors.StoreError: 503,
    errors.Unavailable: 503,
    errors.GeogridError: 500,
}

# The problem schema, published in the OpenAPI document for every error response.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "file": {"type": "string"},
        "feature": {"type": ["string", "integer"]},
        "field": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}


def status_for(exc: errors.GeogridError) -> int:
    """The status of the most specific class in the table (the MRO decides)."""
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 500


def _slug(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def problem(
    status: int,
    detail: str,
    *,
    instance: str | None = None,
    kind: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem-details response; ``kind`` names the problem type (default: the status)."""
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body: dict[str, Any] = {
        "type": f"urn:geogrid:problem:{kind}" if kind else "about:blank",
        "title": phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body |= {k: v for k, v in extra.items() if v is not None}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


_WHERE = ("file", "feature", "field")
_DRAFT_EXTRAS = ("check", "grids", "current", "changes")


def _instance(request: Request) -> str:
    return request.url.path


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.GeogridError)
    status = status_for(exc)
    if status >= 500:
        _log.error("%s on %s: %s", type(exc).__name__, request.url.path, exc)
    # the draft errors add what was refused (check, grids) or what changed (current, changes)
    where = {a: getattr(exc, a, None) for a in (*_WHERE, *_DRAFT_EXTRAS)}
    headers = {"WWW-Authenticate": 'Bearer realm="geogrid"'} if status == 401 else None
    if isinstance(exc, errors.RateLimited):
        headers = {"Retry-After": str(exc.retry_after)}
    return problem(
        status,
        str(exc),
        instance=_instance(request),
        kind=_slug(type(exc).__name__),
        headers=headers,
        **where,
    )


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("query", "path", "header", "body", "cookie")]
    return ".".join(parts) or str(loc[0] if loc else "request")


# pydantic's words where they mislead: NaN or infinity "should be a finite number".
_MESSAGES = {"finite_number": "not a number"}


def _message(error: Any) -> str:
    return _MESSAGES.get(str(error.get("type")), str(error["msg"]))


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    found = [
        {"field": _field(tuple(e.get("loc", ()))), "message": _message(e)} for e in exc.errors()
    ]
    in_body = any(tuple(e.get("loc", ()))[:1] == ("body",) for e in exc.errors())
    first = found[0] if found else {"field": "request", "message": "invalid request"}
    return problem(
        422 if in_body else 400,
        f"{first['field']}: {first['message']}",
        instance=_instance(request),
        kind="invalid-request",
        field=first["field"],
        errors=found,
    )


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return problem(
        exc.status_code,
        detail,
        instance=_instance(request),
        headers=dict(exc.headers) if exc.headers else None,
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Logged here with the trace; the client only learns that something failed.
    _log.exception("unexpected error on %s", request.url.path, exc_info=exc)
    return problem(500, "internal error; it has been logged", instance=_instance(request))


class BodyLimit:
    """ASGI middleware: refuse request bodies over ``max_bytes`` with a 413 problem.

    Checks Content-Length up front and counts streamed chunks, so a chunked body cannot
    get around it.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise errors.TooLarge(f"request body over {self.max_bytes} bytes")
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            413,
            f"request body over the limit of {self.max_bytes} bytes",
            instance=scope.get("path"),
            kind="too-large",
        )
        await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error as problem details (domain errors by the table above)."""
    app.add_exception_handler(errors.GeogridError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
