"""Data versions: one counter per layer, bumped inside every write transaction to that layer.

Readers build ETags on them and a partition records the versions it was built from, so a plan
cannot be saved over layers that changed meanwhile. Layer names: the layer kinds
(``buildings``, ``roads``, ...), ``plans`` (the list of plans and their status), ``plan:<id>``
(the grids of one plan) and ``incidents``. A layer that was never written has version 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import Connection, Engine, event, select
from sqlalchemy.dialects import postgresql, sqlite

from geogrid.errors import Conflict
from geogrid.store._bind import fetch_all
from geogrid.store.tables import DataVersion, table_of, utcnow

_PENDING = "geogrid.pending_data_versions"
PLANS = "plans"
INCIDENTS = "incidents"
_VERSIONS = table_of(DataVersion)


def plan_layer(plan_id: int) -> str:
    """The data-version name of one plan's grids: ``plan:<id>``."""
    return f"plan:{int(plan_id)}"


def bump_data_version(conn: Connection, layer: str) -> None:
    """Mark ``layer`` as written by the caller's transaction: its version goes up by one when the
    transaction commits, and not at all when it rolls back.

    The row is written in the commit itself, so it is locked only for that moment: two
    transactions writing one layer (two incident reports, a report and a workflow update) never
    wait for each other's work, and a reader never sees a version without its data. Several
    bumps of one layer in one transaction count once. Needs a store opened by
    :func:`geogrid.store.open_store` (it installs the commit hook).
    """
    conn.info.setdefault(_PENDING, set()).add(layer)


def bump_data_versions(conn: Connection, layers: Iterable[str]) -> None:
    """Bump several layers (see :func:`bump_data_version`)."""
    for layer in layers:
        bump_data_version(conn, layer)


def install_version_hooks(engine: Engine) -> None:
    """Write the pending bumps of each transaction as it commits; forget them otherwise."""
    event.listen(engine, "commit", _write_pending)
    event.listen(engine, "rollback", _forget_pending)
    event.listen(engine, "checkin", lambda _dbapi, record: record.info.pop(_PENDING, None))


def _write_pending(conn: Connection) -> None:
    layers = conn.info.pop(_PENDING, set())
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    now = utcnow()
    for layer in sorted(layers):  # one order for every writer: no deadlock between them
        stmt = dialect.insert(_VERSIONS).values(layer=layer, version=1, updated_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=[_VERSIONS.c.layer],
            set_={"version": _VERSIONS.c.version + 1, "updated_at": now},
        )
        conn.execute(stmt)


def _forget_pending(conn: Connection) -> None:
    conn.info.pop(_PENDING, None)


def data_versions(bind: Engine | Connection) -> dict[str, int]:
    """Every layer's version that was ever bumped: ``{"buildings": 3, "plan:7": 1, ...}``.

    Inside a transaction, its own bumps are not counted yet (they land at its commit).
    """
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
    stmt = select(_VERSIONS.c.layer, _VERSIONS.c.version).where(_VERSIONS.c.layer.in_(expected))
    if conn.dialect.name == "postgresql":  # a writer of these layers commits after us
        stmt = stmt.with_for_update(read=True)
    current = {str(row.layer): int(row.version) for row in conn.execute(stmt)}
    stale = sorted(k for k, v in expected.items() if current.get(k, 0) != v)
    if stale:
        changes = ", ".join(f"{k} {expected[k]} -> {current.get(k, 0)}" for k in stale)
        raise Conflict(
            f"{what} was built from data that changed meanwhile ({changes}); run it again"
        )
