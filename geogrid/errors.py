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


class TileTooLarge(InputError):
    """A vector tile would exceed the size limit even at the coarsest simplification."""


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


class Unavailable(GeogridError):
    """Something the request needs is not there yet (an unbuilt web page); try again later."""


class InvariantBroken(GeogridError):
    """The engine broke a promise of its own (households lost, grids not tiling): a bug."""


class Unauthorized(GeogridError):
    """No credentials, or credentials that are unknown or revoked (HTTP 401)."""


class Forbidden(GeogridError):
    """Known credentials whose role or jurisdiction does not allow the request (HTTP 403)."""


class TooLarge(InputError):
    """A request body beyond the published limit (HTTP 413)."""


class RateLimited(GeogridError):
    """Too many requests from one address in the window (HTTP 429); ``retry_after`` seconds."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StaleVersion(Conflict):
    """An edit was based on a version of a draft that has moved on (HTTP 409 with what changed)."""

    def __init__(self, message: str, *, current: int, changes: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.current = current
        self.changes = changes


class EditRefused(Conflict):
    """A draft edit would break tiling, nesting, connectivity, whole buildings or a lock."""

    def __init__(self, message: str, *, check: str, grids: list[str]) -> None:
        super().__init__(message)
        self.check = check
        self.grids = grids
