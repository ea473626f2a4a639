"""Data versions: one counter per layer, bumped inside every write transaction to that layer.

Readers build ETags on them and a partition records the versions it was built from, so a plan
cannot be saved over layers that changed meanwhile. Layer names: the layer kinds
(``buildings``, ``roads``, ...), ``plans`` (the list of plans and their status), ``plan:<id>``
(the grids of one plan) and ``incidents``. A layer that was never written has version 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from geogrid.errors import Conflict
from geogrid.store._bind import fetch_all
from geogrid.store.tables import DataVersion, table_of, utcnow

PLANS = "plans"
INCIDENTS = "incidents"
_VERSIONS = table_of(DataVersion)


def plan_layer(plan_id: int) -> str:
    """The data-version name of one plan's grids: ``plan:<id>``."""
    return f"plan:{int(plan_id)}"


def bump_data_version(conn: Connection, layer: str) -> int:
    """Add one to the version of ``layer`` inside the caller's transaction; returns the new one.

    On PostGIS the row stays locked until the transaction ends, so two writers of one layer
    get consecutive versions and a reader never sees a version without its data.
    """
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    now = utcnow()
    stmt = dialect.insert(_VERSIONS).values(layer=layer, version=1, updated_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[_VERSIONS.c.layer],
        set_={"version": _VERSIONS.c.version + 1, "updated_at": now},
    )
    return int(conn.execute(stmt.returning(_VERSIONS.c.version)).scalar_one())


def bump_data_versions(conn: Connection, layers: Iterable[str]) -> None:
    """Bump several layers, in sorted order (a fixed order cannot deadlock two writers)."""
    for layer in sorted(set(layers)):
        bump_data_version(conn, layer)


def data_versions(bind: Engine | Connection) -> dict[str, int]:
    """Every layer's version that was ever bumped: ``{"buildings": 3, "plan:7": 1, ...}``."""
    stmt = select(_VERSIONS.c.layer, _VERSIONS.c.version).order_by(_VERSIONS.c.layer)
    return {str(row.layer): int(row.version) for row in fetch_all(bind, stmt)}


def data_version(bind: Engine | Connection, layer: str) -> int:
    """The version of one layer; 0 when it was never written."""
    rows = fetch_all(bind, select(_VERSIONS.c.version).where(_VERSIONS.c.layer == layer))
    return int(rows[0][0]) if rows else 0


def require_versions(conn: Connection, expected: Mapping[str, int], *, what: str) -> None:
    """Conflict when any layer's version differs from ``expected`` (the data moved on).

    ``what`` names the work that would be stale, e.g. ``"the partition"``.
    """
    current = data_versions(conn)
    stale = sorted(k for k, v in expected.items() if current.get(k, 0) != v)
    if stale:
        changes = ", ".join(f"{k} {expected[k]} -> {current.get(k, 0)}" for k in stale)
        raise Conflict(
            f"{what} was built from data that changed meanwhile ({changes}); run it again"
        )
