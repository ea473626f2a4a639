"""The one table that maps domain errors to HTTP status codes."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from geogrid import errors

STATUS_BY_ERROR: dict[type[errors.GeogridError], int] = {
    errors.ValidationFailed: 422,
    errors.CRSError: 422,
    errors.InputError: 400,
    errors.NotFound: 404,
    errors.IllegalTransition: 409,
    errors.Conflict: 409,
    errors.InfeasibleError: 422,
    errors.StoreError: 503,
    errors.GeogridError: 500,
}


def status_for(exc: errors.GeogridError) -> int:
    """The status of the most specific class in the table (the MRO decides)."""
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 500


async def _handle(_request: Request, exc: Exception) -> JSONResponse:
    """The error's class, message, and the file / feature / field it names, as JSON."""
    assert isinstance(exc, errors.GeogridError)
    body: dict[str, object] = {"error": type(exc).__name__, "detail": str(exc)}
    for attribute in ("file", "feature", "field"):
        value = getattr(exc, attribute, None)
        if value is not None:
            body[attribute] = value
    return JSONResponse(status_code=status_for(exc), content=body)


def install_error_handlers(app: FastAPI) -> None:
    """Answer every GeogridError with the status of the table above."""
    app.add_exception_handler(errors.GeogridError, _handle)
