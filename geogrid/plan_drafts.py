"""Draft editing use cases that wire the store to the pure editing core (for the API).

Each process keeps the drafts it serves in memory (:class:`DraftSessions`), in step with the
store: before every edit the stored version is read and the log entries it lacks are replayed, and
the edit is written with a compare-and-set on the version, so several processes can serve one
draft and nothing is ever overwritten silently.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer
from sqlalchemy import Connection, select

from geogrid.crs import STORAGE_CRS
from geogrid.errors import Conflict, GeogridError, InputError
from geogrid.grid_bands import largest_by_points
from geogrid.partition_jobs import BARRIERS, parents_of, store_layers
from geogrid.plans import editing
from geogrid.plans.draft import Delta, Draft, draft_from_frames
from geogrid.plans.points import SortedPoints
from geogrid.plans.units import plan_units
from geogrid.store import Store, plan_info, read_plan
from geogrid.store import drafts as sd
from geogrid.store import tables as t
from geogrid.store._bind import fetch_all
from geogrid.store.versions import INCIDENTS


class OnWrite(Protocol):
    """Called inside every write transaction with (connection, action, target) and the write's
    details for the audit log (a publish's reason): audit, versions."""

    def __call__(
        self, conn: Connection, action: str, target: str, details: dict[str, Any] | None = None
    ) -> None: ...


DEFAULT_PERSONS_PER_HOUSEHOLD = 2.62  # 2020 census, national average


@dataclass
class Session:
    """One draft held in memory, with its undo/redo stacks and the deltas of its edits."""

    draft: Draft
    undo: list[int] = field(default_factory=list)
    redo: list[int] = field(default_factory=list)
    deltas: dict[int, Delta] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def follow(self, row: dict[str, Any]) -> None:
        """Bring the stacks in step with one log entry (already applied to the draft)."""
        version, kind, target = int(row["version"]), row["kind"], row["target"]
        if kind == "edit":
            self.deltas[version] = Delta.from_json(row["delta"])
            self.undo.append(version)
            self.redo.clear()
        elif kind == "undo":
            self.redo.append(self.undo.pop())
        else:
            self.undo.append(self.redo.pop())
        del target


class DraftSessions:
    """The drafts this process serves, loaded on first use."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._sessions: dict[int, Session] = {}
        self._cache: dict[str, tuple[tuple[int, ...], Any]] = {}
        self._guard = threading.Lock()
        self._loading: dict[int, threading.Lock] = {}

    @contextmanager
    def session(self, plan_id: int, *, expect: int | None = None) -> Iterator[Session]:
        """The draft's session, locked and brought up to the stored version.

        With ``expect`` (the version an edit names) equal to the version held, the store is not
        asked first: the edit's compare-and-set finds out whether another process moved on.
        """
        session = self._held(plan_id)
        if session is None:
            # one load per draft: a second caller meanwhile (the editor's warm-up and its first
            # request) waits for it instead of loading the draft again beside it
            with self._guard:
                loading = self._loading.setdefault(plan_id, threading.Lock())
            with loading:
                session = self._held(plan_id)
                if session is None:
                    points = self.incident_points().xy
                    loaded = load_session(self.store, plan_id, incident_points=points)
                    with self._guard:
                        session = self._sessions.setdefault(plan_id, loaded)
        with session.lock:
            if expect is None or expect != session.draft.version:
                catch_up(self.store, session)
            yield session

    def _held(self, plan_id: int) -> Session | None:
        with self._guard:
            return self._sessions.get(plan_id)

    def warm(self, plan_id: int) -> None:
        """Load a draft's session in a background thread (nothing when it is held already);
        a plan that is no draft or does not exist is left to the requests that name it."""

        def load() -> None:
            try:
                with self.session(plan_id):
                    pass
            except GeogridError:
                pass

        if self._held(plan_id) is None:
            threading.Thread(target=load, name=f"draft-{plan_id}", daemon=True).start()

    def forget(self, plan_id: int) -> None:
        with self._guard:
            self._sessions.pop(plan_id, None)

    def incident_points(self) -> SortedPoints:
        """Every stored incident (lon/lat), sorted by x once per data version."""
        return self.cached(INCIDENTS, lambda: SortedPoints(sd.incident_points(self.store.engine)))

    def cached(
        self,
        layer: str,
        read: Callable[[], Any],
        *,
        key: str | None = None,
        also: tuple[str, ...] = (),
    ) -> Any:
        """``read()`` once per data version of ``layer`` (and of the layers ``also``), kept
        under ``key`` (default the layer): diffs re-read and re-locate nothing that is current."""
        versions = self.store.data_versions()
        version = tuple(versions.get(name, 0) for name in (layer, *also))
        slot = key or layer
        with self._guard:
            hit = self._cache.get(slot)
        if hit is not None and hit[0] == version:
            return hit[1]
        value = read()
        with self._guard:
            self._cache[slot] = (version, value)
        return value


def require_draft(store: Store, plan_id: int) -> dict[str, Any]:
    info = plan_info(store.engine, plan_id)
    if info["status"] != "draft":
        raise Conflict(f"grid plan {plan_id} is {info['status']}; only a draft can be edited")
    return info


def ensure_units(store: Store, plan_id: int) -> None:
    """Derive and store the units of a plan partitioned before units were kept (once)."""
    if sd.unit_count(store.engine, plan_id):
        return
    grids = read_plan(store.engine, plan_id)
    basic, micro = (grids[grids["level"] == lv] for lv in ("basic", "micro"))
    if basic.empty or micro.empty:
        raise InputError(f"grid plan {plan_id} has no basic and micro grids to edit")
    layers = store_layers(store)
    if layers.get("buildings") is None:
        raise InputError("there are no buildings in the store to build the plan's units from")
    units = plan_units(
        parents_of(layers),
        layers["buildings"],
        micro,
        basic=basic,
        barriers=[layers.get(b) for b in BARRIERS],
    )
    with store.transaction() as conn:
        if not sd.unit_count(conn, plan_id):
            sd.save_units(conn, plan_id, units)


def load_session(
    store: Store, plan_id: int, *, incident_points: np.ndarray | None = None
) -> Session:
    """Read a draft's units, grids and log from the store (deriving units the first time).

    ``incident_points`` (lon/lat, n x 2; read from the store when None) are counted per unit
    only for the grids an edit measures."""
    require_draft(store, plan_id)
    ensure_units(store, plan_id)
    with store.transaction() as conn:
        sd.ensure_draft_row(conn, plan_id)
    while True:  # units, grids and log of one version (retry when an edit lands meanwhile)
        version = _stored_version(store, plan_id)
        units = sd.read_units(store.engine, plan_id)
        grids = read_plan(store.engine, plan_id)
        log = sd.edits(store.engine, plan_id)
        row = sd.draft_row(store.engine, plan_id)
        assert row is not None
        if int(row["version"]) == version:
            break
    if incident_points is None:
        incident_points = sd.incident_points(store.engine)
    draft = draft_from_frames(
        plan_id,
        units,
        grids,
        area_types=area_types(store),
        incident_points=incident_points,
        locked=set(row["locked"]),
        persons_per_household=_persons_per_household(units),
    )
    draft.version = version
    session = Session(draft)
    for entry in log:
        session.follow(entry)
    return session


def _stored_version(store: Store, plan_id: int) -> int:
    row = sd.draft_row(store.engine, plan_id)
    return 0 if row is None else int(row["version"])


def largest_buildings(store: Store, plan_id: int, grids: gpd.GeoDataFrame) -> dict[str, int]:
    """Micro grid code -> households of its largest building: from the plan's units, or, before
    they are derived (a plan of ``geogrid partition``), from the buildings placed by a point."""
    found = sd.largest_buildings(store.engine, plan_id)
    if found is None:
        found = largest_by_points(grids, *sd.building_points(store.engine))
    return found


def area_types(store: Store) -> dict[str, str | None]:
    table = t.table_of(t.Community)
    rows = fetch_all(store.engine, select(table.c.code, table.c.area_type))
    return {str(r.code): r.area_type for r in rows}


def _persons_per_household(units: gpd.GeoDataFrame) -> float:
    """The census household size of the plan's district, else the national average."""
    from geogrid.boundaries import census

    if units.empty:
        return DEFAULT_PERSONS_PER_HOUSEHOLD
    try:
        row = census(str(units["community"].iloc[0])[:6])
        return float(row["avg_household_size"])
    except (InputError, KeyError, ValueError):
        return DEFAULT_PERSONS_PER_HOUSEHOLD


def catch_up(store: Store, session: Session) -> None:
    """Replay the log entries another process wrote since this session last saw the draft."""
    row = sd.draft_row(store.engine, session.draft.plan_id)
    if row is None or int(row["version"]) == session.draft.version:
        return
    for entry in sd.edits(store.engine, session.draft.plan_id, after=session.draft.version):
        session.draft.apply(Delta.from_json(entry["delta"]))
        session.draft.version = int(entry["version"])
        session.follow(entry)


def build_delta(draft: Draft, op: dict[str, Any]) -> Delta:
    """The delta of one edit request (``op`` names the edit; see the API's EditRequest)."""
    kind = op.get("op")

    def need(key: str) -> Any:
        if op.get(key) in (None, "", []):
            raise InputError(f"edit {kind!r} needs {key!r}", field=key)
        return op[key]

    if kind == "move":
        return editing.move(
            draft, to=need("to"), units=op.get("units") or (), buildings=op.get("buildings") or ()
        )
    if kind == "split" and op.get("line"):
        return editing.split_line(
            draft, grid_code=need("grid"), line=_metric_line(draft, op["line"])
        )
    if kind == "split":
        return editing.split_n(draft, grid_code=need("grid"), parts=int(op.get("parts") or 2))
    if kind == "merge":
        return editing.merge(draft, grids=list(need("grids")))
    if kind == "lock":
        locked = bool(op.get("locked", True))
        return editing.set_fields(draft, grids=list(need("grids")), locked=locked)
    if kind == "rename":
        return editing.set_fields(draft, grids=[need("grid")], name=op.get("name"))
    if kind == "recode":
        return editing.recode(draft, grid_code=need("grid"), code=str(need("code")))
    if kind == "rebalance":
        return editing.rebalance(draft, grids=list(need("grids")))
    raise InputError(f"unknown edit {kind!r}", field="op")


def _metric_line(draft: Draft, coords: list[list[float]]) -> shapely.Geometry:
    if len(coords) < 2:
        raise InputError("a split line needs two or more [lon, lat] points", field="line")
    xy = np.asarray(coords, dtype=float)
    tr = Transformer.from_crs(STORAGE_CRS, draft.crs, always_xy=True)  # once per split
    x, y = tr.transform(xy[:, 0], xy[:, 1])
    return shapely.LineString(np.column_stack([x, y]))
