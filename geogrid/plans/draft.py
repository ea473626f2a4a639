"""A draft plan as an assignment of units (the engine's building cells) to micro grids.

A micro grid's parent is a basic grid, a basic grid's parent a community (or a street divided as a
whole). Grid polygons are coverage unions of their units, built here, so shared boundaries always
match. Every edit is a :class:`Delta` that can be applied and inverted (undo/redo), stored as JSON.
Pure: arrays and shapely in a metric CRS, no database and no web.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from geogrid.errors import Conflict
from geogrid.plans.points import SortedPoints
from geogrid.touching import touching_pairs

TOUCH_M = 0.01  # units this close touch (stored shared edges may differ in the last digits)

IntArray = NDArray[np.int64]
EDITABLE_LEVELS = ("basic", "micro")


@dataclass
class GridRecord:
    """One editable grid: its level, parent (community for basic, basic grid for micro), name."""

    code: str
    level: str
    parent_code: str
    name: str | None = None
    locked: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "level": self.level,
            "parent_code": self.parent_code,
            "name": self.name,
            "locked": self.locked,
        }


@dataclass
class Delta:
    """What one edit changes. Applied in this order: grids added, units moved (unit id ->
    (old micro code, new micro code)), grid fields changed (code -> field -> (old, new)),
    codes changed (old, new), grids removed. Codes in ``moves`` and ``changed`` are the codes
    before ``recodes``; ``removed`` names codes after them."""

    added: list[dict[str, Any]] = field(default_factory=list)
    moves: dict[int, tuple[str, str]] = field(default_factory=dict)
    changed: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)
    recodes: list[tuple[str, str]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)

    def is_empty(self) -> bool:
        """Whether the edit changes nothing at all."""
        return not (self.added or self.moves or self.changed or self.recodes or self.removed)

    def inverse(self) -> Delta:
        """The delta that undoes this one, applied right after it."""
        renamed = dict(self.recodes)

        def now(code: str) -> str:
            return renamed.get(code, code)

        changed = {
            now(code): {
                name: (now(new), now(old)) if name == "parent_code" else (new, old)
                for name, (old, new) in fields.items()
            }
            for code, fields in self.changed.items()
        }
        return Delta(
            added=[dict(g) for g in self.removed],
            moves={u: (now(new), now(old)) for u, (old, new) in self.moves.items()},
            changed=changed,
            recodes=[(new, old) for old, new in reversed(self.recodes)],
            removed=[dict(g) for g in self.added],
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "moves": [[u, old, new] for u, (old, new) in sorted(self.moves.items())],
            "changed": {c: {k: list(v) for k, v in f.items()} for c, f in self.changed.items()},
            "recodes": [list(r) for r in self.recodes],
            "removed": self.removed,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Delta:
        return cls(
            added=list(data.get("added", [])),
            moves={int(u): (old, new) for u, old, new in data.get("moves", [])},
            changed={
                c: {k: (v[0], v[1]) for k, v in f.items()}
                for c, f in data.get("changed", {}).items()
            },
            recodes=[(a, b) for a, b in data.get("recodes", [])],
            removed=list(data.get("removed", [])),
        )

    def touched(self) -> set[str]:
        """Codes (after the delta) of every grid whose units, fields or code changed."""
        renamed = dict(self.recodes)
        codes = {g["code"] for g in self.added}
        for old, new in self.moves.values():
            codes |= {renamed.get(old, old), renamed.get(new, new)}
        codes |= {renamed.get(c, c) for c in self.changed}
        for fields in self.changed.values():
            if "parent_code" in fields:
                codes |= {renamed.get(c, c) for c in fields["parent_code"]}
        codes |= set(renamed.values())
        return codes - {g["code"] for g in self.removed}


@dataclass
class Draft:
    """The editable state of one draft plan (metric CRS), kept in step with the store.

    ``unit_ids`` are the stored unit ids; every other per-unit array is aligned with them.
    ``area_types`` maps community code -> area type (for the household bands). ``incidents``
    per unit is -1 until counted: with ``points`` (incident points in the metric CRS) a unit's
    incidents are counted the first time a grid holding it is measured, so loading a draft
    does not locate every incident of the district.
    """

    plan_id: int
    version: int
    crs: Any
    unit_ids: IntArray
    community: NDArray[np.object_]
    group: IntArray
    households: IntArray
    buildings: IntArray
    incidents: IntArray
    geoms: NDArray[np.object_]
    micro: NDArray[np.object_]
    grids: dict[str, GridRecord]
    area_types: dict[str, str | None]
    building_units: dict[str, list[int]]
    persons_per_household: float = 2.62
    points: SortedPoints | None = None
    position: dict[int, int] = field(default_factory=dict)
    members: dict[str, set[int]] = field(default_factory=dict)
    children: dict[str, set[str]] = field(default_factory=dict)
    group_members: dict[int, list[int]] = field(default_factory=dict)
    shapes: dict[str, shapely.Geometry] = field(default_factory=dict)
    pairs: tuple[IntArray, IntArray] = (np.empty(0, np.int64), np.empty(0, np.int64))
    paired: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        positions = np.arange(len(self.unit_ids))
        self.position = dict(zip(self.unit_ids.tolist(), positions.tolist(), strict=True))
        self.members = {c: set() for c, g in self.grids.items() if g.level == "micro"}
        by_micro: dict[Any, Any] = pd.Series(positions).groupby(self.micro.astype(str)).indices
        self.members |= {str(c): set(p.tolist()) for c, p in by_micro.items()}
        self.children = {c: set() for c, g in self.grids.items() if g.level == "basic"}
        for code, grid in self.grids.items():
            if grid.level == "micro":
                self.children.setdefault(grid.parent_code, set()).add(code)
        by_group: dict[Any, Any] = pd.Series(positions).groupby(self.group).indices
        self.group_members = {int(g): p.tolist() for g, p in by_group.items()}

    def incidents_in(self, units: IntArray) -> int:
        """Incidents inside the units at these positions (counted on first use)."""
        missing = units[self.incidents[units] < 0]
        if len(missing):
            found = self.points.counts(self.geoms[missing]) if self.points is not None else 0
            self.incidents[missing] = found
        return int(self.incidents[units].sum())

    def touching_units(self, communities: set[str]) -> tuple[IntArray, IntArray]:
        """Position pairs of units of one community that touch, for every community asked
        and those asked before (edits never change them, so each is found once)."""
        todo = sorted(set(communities) - self.paired)
        if todo:
            at = np.flatnonzero(np.isin(self.community, todo))
            left, right = touching_pairs(self.geoms[at], distance=TOUCH_M)
            self.pairs = (
                np.concatenate([self.pairs[0], at[left]]),
                np.concatenate([self.pairs[1], at[right]]),
            )
            self.paired |= set(todo)
        return self.pairs

    def basic_of(self, micro_code: str) -> str:
        return self.grids[micro_code].parent_code

    def community_of(self, code: str) -> str:
        grid = self.grids[code]
        return self.community_of(grid.parent_code) if grid.level == "micro" else grid.parent_code

    def units_of(self, code: str) -> IntArray:
        """Positions of the units of a basic or micro grid, ascending."""
        grid = self.grids[code]
        micros = self.children.get(code, set()) if grid.level == "basic" else {code}
        sets = [self.members.get(m, ()) for m in micros]
        found = np.fromiter(
            (i for s in sets for i in s), dtype=np.int64, count=sum(len(s) for s in sets)
        )
        found.sort()
        return found

    def shape(self, code: str) -> shapely.Geometry:
        """The grid's polygon (coverage union of its units), cached until an edit touches it."""
        if code not in self.shapes:
            grid = self.grids[code]
            if grid.level == "basic":
                parts = np.asarray([self.shape(m) for m in sorted(self.children[code])])
            else:
                parts = self.geoms[self.units_of(code)]
            self.shapes[code] = union(parts)
        return self.shapes[code]

    def apply(self, delta: Delta) -> None:
        """Change the state by ``delta`` (which was validated against this state)."""
        for record in delta.added:
            self._add(GridRecord(**record))
        for uid, (old, new) in delta.moves.items():
            i = self.position[uid]
            if self.micro[i] != old:
                raise Conflict(f"unit {uid} is in {self.micro[i]}, not {old}; the edit is stale")
            self.members[old].discard(i)
            self.members.setdefault(new, set()).add(i)
            self.micro[i] = new
        for code, fields in delta.changed.items():
            for name, (_, value) in fields.items():
                if name == "parent_code":
                    self.children[self.grids[code].parent_code].discard(code)
                    self.children.setdefault(value, set()).add(code)
                setattr(self.grids[code], name, value)
        for old, new in delta.recodes:
            self._recode(old, new)
        for record in delta.removed:
            self._remove(record["code"])
        self._forget(delta)

    def _add(self, grid: GridRecord) -> None:
        if grid.code in self.grids:
            raise Conflict(f"grid {grid.code} exists already")
        self.grids[grid.code] = grid
        if grid.level == "micro":
            self.members[grid.code] = set()
            self.children.setdefault(grid.parent_code, set()).add(grid.code)
        else:
            self.children[grid.code] = set()

    def _recode(self, old: str, new: str) -> None:
        if new in self.grids:
            raise Conflict(f"grid code {new} is taken")
        grid = self.grids.pop(old)
        grid.code = new
        self.grids[new] = grid
        self.shapes.pop(old, None)
        if grid.level == "micro":
            units = self.members.pop(old)
            self.members[new] = units
            self.micro[list(units)] = new
            self.children[grid.parent_code].discard(old)
            self.children[grid.parent_code].add(new)
        else:
            kids = self.children.pop(old)
            self.children[new] = kids
            for kid in kids:
                self.grids[kid].parent_code = new

    def _remove(self, code: str) -> None:
        grid = self.grids.pop(code)
        self.shapes.pop(code, None)
        if grid.level == "micro":
            if self.members.pop(code, set()):
                raise Conflict(f"grid {code} still holds units")
            self.children[grid.parent_code].discard(code)
        elif self.children.pop(code, set()):
            raise Conflict(f"grid {code} still holds micro grids")

    def _forget(self, delta: Delta) -> None:
        """Drop the cached polygons of every grid the delta touched (and their basic grids)."""
        for code in delta.touched() | {old for old, _ in delta.recodes}:
            self.shapes.pop(code, None)
            grid = self.grids.get(code)
            if grid is not None and grid.level == "micro":
                self.shapes.pop(grid.parent_code, None)
        for old, new in delta.moves.values():
            for code in (old, new):
                self.shapes.pop(code, None)
                if code in self.grids:
                    self.shapes.pop(self.grids[code].parent_code, None)

    def assignment(self) -> dict[int, str]:
        """Unit id -> micro code, the whole draft (for replay checks and persistence)."""
        return dict(zip(self.unit_ids.tolist(), self.micro.tolist(), strict=True))


def union(parts: NDArray[np.object_]) -> shapely.Geometry:
    """Coverage union of cells that share edges; a full union where it would be invalid."""
    if len(parts) == 0:
        return shapely.Polygon()
    if len(parts) == 1:
        return parts[0]
    out = shapely.coverage_union_all(parts)
    if not shapely.is_valid(out):
        out = shapely.union_all(shapely.make_valid(parts))
    return out


def part_count(geom: shapely.Geometry) -> int:
    """Polygons a grid is made of (1 for a connected grid)."""
    if geom is None or shapely.is_empty(geom):
        return 0
    multi = shapely.get_type_id(geom) == 6  # MultiPolygon
    return int(shapely.get_num_geometries(geom)) if multi else 1


def draft_from_frames(
    plan_id: int,
    units: Any,
    grids: Any,
    *,
    area_types: dict[str, str | None],
    incidents: IntArray | None = None,
    incident_points: NDArray[np.float64] | None = None,
    locked: set[str] | frozenset[str] = frozenset(),
    persons_per_household: float = 2.62,
) -> Draft:
    """A draft from its units (``plan_units`` columns, EPSG:4326) and grids (``read_plan``).

    Incidents per unit come as ``incidents`` (counts), or are counted on demand from
    ``incident_points`` (lon/lat, n x 2); with neither every unit has none.
    """
    from geogrid.crs import metric_crs

    metric = metric_crs(units)
    editable = grids[grids["level"].isin(list(EDITABLE_LEVELS))]
    records = {
        str(r.code): GridRecord(
            code=str(r.code),
            level=str(r.level),
            parent_code=str(r.parent_code),
            name=None if r.name is None or r.name != r.name else str(r.name),
            locked=str(r.code) in locked,
        )
        for r in editable.itertuples(index=False)
    }
    building_units: dict[str, list[int]] = {}
    for uid, bids in zip(units["unit_id"], units["building_ids"], strict=True):
        for bid in bids or ():
            building_units.setdefault(str(bid), []).append(int(uid))
    n = len(units)
    return Draft(
        plan_id=plan_id,
        version=0,
        crs=metric,
        unit_ids=units["unit_id"].to_numpy(dtype=np.int64),
        community=units["community"].astype(str).to_numpy(dtype=object),
        group=units["building_group"].to_numpy(dtype=np.int64),
        households=units["households"].to_numpy(dtype=np.int64),
        buildings=units["buildings"].to_numpy(dtype=np.int64),
        incidents=_incident_counts(n, incidents, incident_points),
        geoms=units.to_crs(metric).geometry.to_numpy(),
        micro=units["micro_code"].astype(str).to_numpy(dtype=object),
        grids=records,
        area_types=area_types,
        building_units=building_units,
        persons_per_household=persons_per_household,
        points=None if incident_points is None else _metric_points(incident_points, metric),
    )


def _incident_counts(n: int, given: IntArray | None, points: Any) -> IntArray:
    if given is not None:
        return np.asarray(given, dtype=np.int64)
    return np.full(n, -1 if points is not None else 0, dtype=np.int64)


def _metric_points(lonlat: NDArray[np.float64], metric: Any) -> SortedPoints:
    from pyproj import Transformer

    from geogrid.crs import STORAGE_CRS

    xy = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    x, y = Transformer.from_crs(STORAGE_CRS, metric, always_xy=True).transform(xy[:, 0], xy[:, 1])
    return SortedPoints(np.column_stack([x, y]))
