"""The one access rule: who is asking (API key -> Principal), may they, and what they may see.

Every role reads; writes need a role that may write (``require``). What a principal sees is
decided by one predicate: the feature's NBS-derived code starts with the principal's
jurisdiction (``Principal.covers`` in Python, ``code_clause`` in SQL). Geometry-only questions
(tiles, buildings, bbox) use ``jurisdiction_geometry``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import shapely
from fastapi import Depends, Request
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, Connection, func, literal, select, true

from geogrid.api.deps import SettingsDep, StoreDep
from geogrid.errors import Forbidden, Unauthorized
from geogrid.roles import JURISDICTION_LENGTHS, Role
from geogrid.store import Store
from geogrid.store import tables as t
from geogrid.store._bind import fetch_all
from geogrid.store.access import append_audit, find_api_key

__all__ = [
    "INCIDENT_WRITERS",
    "PERSONAL_DATA_READERS",
    "PLAN_WRITERS",
    "READERS",
    "USER_ADMINS",
    "AdminDep",
    "IncidentWriterDep",
    "PersonalDataDep",
    "PlanWriterDep",
    "Principal",
    "PrincipalDep",
    "Role",
    "check_covers",
    "code_clause",
    "current_principal",
    "jurisdiction_geometry",
    "record_write",
    "require",
]

READERS = tuple(Role)
PLAN_WRITERS = (Role.planner, Role.admin)
INCIDENT_WRITERS = (Role.dispatcher, Role.admin)
USER_ADMINS = (Role.admin,)
PERSONAL_DATA_READERS = (Role.analyst, Role.admin)


@dataclass(frozen=True)
class Principal:
    """Who is asking: a key's user name (None when anonymous), role and jurisdiction.

    ``jurisdiction`` is an NBS code prefix (6, 9 or 12 digits); '' covers everything (only an
    anonymous deployment configured for it).
    """

    name: str | None
    role: Role
    jurisdiction: str

    def covers(self, code: str | None) -> bool:
        """True when ``code`` (district, street, community, grid) is inside the jurisdiction."""
        return code is not None and code.startswith(self.jurisdiction)

    @property
    def actor(self) -> str:
        """The name written to the audit log."""
        return self.name or "anonymous"


def code_clause(principal: Principal, column: Any) -> ColumnElement[bool]:
    """SQL for ``principal.covers(column)``: ``substr(column, 1, n) = :prefix``, bound."""
    n = len(principal.jurisdiction)
    if n == 0:
        return true()
    return func.substr(column, 1, n) == literal(principal.jurisdiction)


def presented_key(request: Request) -> str | None:
    """The API key the request carries (X-API-Key or a bearer token), or None."""
    key = request.headers.get("x-api-key")
    if key:
        return key
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return None


def current_principal(request: Request, store: StoreDep, settings: SettingsDep) -> Principal:
    """The principal of the request's key; anonymous viewer when allowed; else Unauthorized."""
    key = presented_key(request)
    if key is None:
        if settings.api.anonymous_read:
            return Principal(None, Role.viewer, settings.api.anonymous_jurisdiction)
        raise Unauthorized(
            "an API key is required: send it as X-API-Key or Authorization: Bearer <key>"
        )
    record = find_api_key(store.engine, key)
    if record is None:
        raise Unauthorized("the API key is unknown or revoked")
    return Principal(record.name, record.role, record.jurisdiction)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that passes the principal on when its role is one of ``roles`` (admin
    always is), and raises Forbidden otherwise."""
    allowed = frozenset(roles) | {Role.admin}

    def check(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise Forbidden(f"role {principal.role.value} may not do this; it needs {names}")
        return principal

    return check


PlanWriterDep = Annotated[Principal, Depends(require(*PLAN_WRITERS))]
IncidentWriterDep = Annotated[Principal, Depends(require(*INCIDENT_WRITERS))]
AdminDep = Annotated[Principal, Depends(require(*USER_ADMINS))]
PersonalDataDep = Annotated[Principal, Depends(require(*PERSONAL_DATA_READERS))]


def check_covers(principal: Principal, code: str | None, *, what: str = "this object") -> None:
    """Forbidden unless ``code`` lies inside the principal's jurisdiction."""
    if not principal.covers(code):
        raise Forbidden(f"{what} ({code}) is outside jurisdiction {principal.jurisdiction}")


def jurisdiction_geometry(store: Store, principal: Principal) -> BaseGeometry | None:
    """The polygon of the principal's jurisdiction (EPSG:4326), None when it covers everything.

    An empty polygon when the store does not hold that district, street or community.
    """
    level = JURISDICTION_LENGTHS.get(len(principal.jurisdiction))
    if level is None:
        return None
    model = {"district": t.District, "street": t.Street, "community": t.Community}[level]
    table = t.table_of(model)
    rows = fetch_all(
        store.engine,
        select(func.ST_AsBinary(table.c.geom)).where(table.c.code == principal.jurisdiction),
    )
    if not rows or rows[0][0] is None:
        return shapely.Polygon()
    return shapely.from_wkb(bytes(rows[0][0]))


def record_write(
    conn: Connection,
    principal: Principal,
    action: str,
    target: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Log a write (who, role, jurisdiction, what, on what) inside the write's transaction."""
    append_audit(
        conn,
        actor=principal.actor,
        role=principal.role.value,
        jurisdiction=principal.jurisdiction,
        action=action,
        target=target,
        details=details,
    )
