"""One hierarchy of domain errors. No web code here: the API maps these to HTTP in one table."""

from __future__ import annotations

from typing import Any


class GeogridError(Exception):
    """Base of every error geogrid raises on purpose."""


class InputError(GeogridError):
    """Bad input: names the file, the feature and the field where known."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        feature: str | int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = file
        self.feature = feature
        self.field = field
        where = ", ".join(
            f"{label} {value!s}"
            for label, value in (("file", file), ("feature", feature), ("field", field))
            if value is not None
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.message = message


class CRSError(InputError):
    """A coordinate reference system is missing, unknown or does not fit the data."""


class ValidationFailed(InputError):
    """Validation found errors that block an import; `report` holds every finding."""

    def __init__(self, message: str, *, report: Any, file: str | None = None) -> None:
        super().__init__(message, file=file)
        self.report = report


class NotFound(GeogridError):
    """A requested object does not exist."""


class Conflict(GeogridError):
    """The request contradicts the current state (a duplicate, a stale version)."""


class IllegalTransition(Conflict):
    """An incident workflow transition that is not allowed from the current state."""


class InfeasibleError(GeogridError):
    """A division cannot meet its constraints at all."""


class StoreError(GeogridError):
    """The store cannot be reached or is not set up (for example, SpatiaLite is missing)."""


class Unauthorized(GeogridError):
    """No credentials, or credentials that are unknown or revoked (HTTP 401)."""


class Forbidden(GeogridError):
    """Known credentials whose role or jurisdiction does not allow the request (HTTP 403)."""


class TooLarge(InputError):
    """A request body beyond the published limit (HTTP 413)."""
