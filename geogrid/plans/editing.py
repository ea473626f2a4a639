"""Draft edits as pure functions: each reads a :class:`Draft` and returns the :class:`Delta` of
the edit, without changing the draft. Geometry in the draft's metric CRS.

Edits: move units or whole buildings, split a grid along a line (snapped to the edges of its units,
or of its micro grids for a basic grid) or into N by METIS, merge, lock, rename, recode, and
rebalance a set of grids by moving boundary pieces (minimal change).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pymetis
import shapely
from numpy.typing import NDArray
from shapely.ops import split

from geogrid.errors import EditRefused, InputError
from geogrid.partition.bands import band_for
from geogrid.plans.draft import Delta, Draft, GridRecord

IntArray = NDArray[np.int64]
REBALANCE_STEPS = 500


def grid(draft: Draft, code: str) -> GridRecord:
    """The grid, or InputError naming the field."""
    if code not in draft.grids:
        raise InputError(
            f"draft plan {draft.plan_id} has no basic or micro grid {code}", field="grid"
        )
    return draft.grids[code]


def move(
    draft: Draft, *, to: str, units: Iterable[int] = (), buildings: Iterable[str] = ()
) -> Delta:
    """Move units (and every unit of the given buildings) into grid ``to``, whole buildings."""
    target = grid(draft, to)
    picked = set()
    for uid in units:
        if int(uid) not in draft.position:
            raise InputError(f"unit {uid} is not in draft plan {draft.plan_id}", field="units")
        picked.add(draft.position[int(uid)])
    for bid in buildings:
        if bid not in draft.building_units:
            raise InputError(
                f"building {bid} is not in draft plan {draft.plan_id}", field="buildings"
            )
        picked |= {draft.position[u] for u in draft.building_units[bid]}
    whole = sorted({i for p in picked for i in draft.group_members[int(draft.group[p])]})
    if not whole:
        raise InputError("name at least one unit or building to move", field="units")
    if target.level == "basic":
        to = _nearest_micro(draft, to, np.asarray(whole))
    moves = {
        int(draft.unit_ids[i]): (str(draft.micro[i]), to) for i in whole if draft.micro[i] != to
    }
    return Delta(moves=moves)


def _nearest_micro(draft: Draft, basic: str, units: IntArray) -> str:
    micros = sorted(draft.children[basic])
    if not micros:
        raise InputError(f"basic grid {basic} has no micro grid to take the units", field="to")
    spot = shapely.centroid(shapely.union_all(draft.geoms[units]))
    dist = [shapely.distance(draft.shape(m), spot) for m in micros]
    return micros[int(np.argmin(dist))]


def next_code(draft: Draft, parent: str, taken: Iterable[str] = ()) -> str:
    """The next free grid code under ``parent``: parent code + 3 digits."""
    used = set(draft.grids) | set(taken)
    n = 1 + max((int(c[len(parent) :]) for c in used if _child_of(c, parent)), default=0)
    if n > 999:
        raise InputError(f"no grid code left under {parent}")
    return f"{parent}{n:03d}"


def _child_of(code: str, parent: str) -> bool:
    return code.startswith(parent) and len(code) == len(parent) + 3 and code[-3:].isdigit()


def _new_grid(draft: Draft, level: str, parent: str, taken: Iterable[str] = ()) -> dict[str, Any]:
    code = next_code(draft, parent, taken)
    return GridRecord(code=code, level=level, parent_code=parent).as_dict()


def _atoms(draft: Draft, code: str) -> tuple[list[Any], NDArray[np.object_], IntArray]:
    """The pieces a grid is re-divided by: building groups of a micro grid (as lists of unit
    positions), micro grids of a basic grid (as codes); their polygons and households."""
    if draft.grids[code].level == "basic":
        keys: list[Any] = sorted(draft.children[code])
        geoms = np.asarray([draft.shape(m) for m in keys], dtype=object)
        weights = [int(draft.households[draft.units_of(m)].sum()) for m in keys]
        return keys, geoms, np.asarray(weights, dtype=np.int64)
    by_group: dict[int, list[int]] = {}
    for i in draft.units_of(code).tolist():
        by_group.setdefault(int(draft.group[i]), []).append(i)
    keys = [by_group[g] for g in sorted(by_group)]
    geoms = np.asarray([shapely.union_all(draft.geoms[k]) for k in keys], dtype=object)
    return keys, geoms, np.asarray([int(draft.households[k].sum()) for k in keys], dtype=np.int64)


def _relabel(draft: Draft, code: str, keys: list[Any], labels: list[str]) -> Delta:
    """Delta that puts each atom of ``code`` into the grid of its label."""
    delta = Delta()
    if draft.grids[code].level == "micro":
        for atom, target in zip(keys, labels, strict=True):
            for i in atom:
                if draft.micro[i] != target:
                    delta.moves[int(draft.unit_ids[i])] = (str(draft.micro[i]), target)
        return delta
    taken: list[str] = []
    for micro, target in zip(keys, labels, strict=True):
        if draft.grids[micro].parent_code != target:
            delta.changed[micro] = {"parent_code": (draft.grids[micro].parent_code, target)}
            new = next_code(draft, target, taken)
            taken.append(new)
            delta.recodes.append((micro, new))
    return delta


def split_line(draft: Draft, *, grid_code: str, line: shapely.Geometry) -> Delta:
    """Split a grid in two along ``line`` (metric), snapped to the edges of its pieces."""
    record = grid(draft, grid_code)
    pieces = shapely.get_parts(split(draft.shape(grid_code), line))
    if len(pieces) < 2:
        raise InputError(
            f"the line does not cross grid {grid_code} from edge to edge", field="line"
        )
    keys, geoms, weights = _atoms(draft, grid_code)
    side = _side(geoms, pieces)
    heavy = np.bincount(side, weights=weights, minlength=len(pieces)).argmax()
    if (side == heavy).all():
        raise InputError(
            f"the line leaves every piece of grid {grid_code} on one side", field="line"
        )
    new = _new_grid(draft, record.level, record.parent_code)
    labels = [grid_code if s == heavy else new["code"] for s in side.tolist()]
    delta = _relabel(draft, grid_code, keys, labels)
    delta.added.insert(0, new)
    return delta


def _side(geoms: NDArray[np.object_], pieces: NDArray[np.object_]) -> IntArray:
    """Index of the piece holding most of each atom."""
    overlap = np.asarray(
        [shapely.area(shapely.intersection(geoms, p)) for p in pieces], dtype=float
    ).reshape(len(pieces), len(geoms))
    return overlap.argmax(axis=0).astype(np.int64)


def split_n(draft: Draft, *, grid_code: str, parts: int) -> Delta:
    """Split a grid into ``parts`` balanced, connected grids with METIS (the engine's divider)."""
    record = grid(draft, grid_code)
    keys, geoms, weights = _atoms(draft, grid_code)
    if parts < 2 or parts > len(keys):
        raise InputError(
            f"grid {grid_code} can be split into 2 to {len(keys)} parts", field="parts"
        )
    adjacency = adjacency_lists(geoms)
    _, membership = pymetis.part_graph(
        parts,
        adjacency=adjacency,
        vweights=np.maximum(weights, 1).tolist(),
        options=pymetis.Options(contig=True),
    )
    labels = np.asarray(membership, dtype=np.int64)
    keep = int(np.bincount(labels, weights=weights, minlength=parts).argmax())
    added: list[dict[str, Any]] = []
    names = {}
    for p in range(parts):
        if p == keep:
            names[p] = grid_code
        else:
            added.append(
                _new_grid(draft, record.level, record.parent_code, [g["code"] for g in added])
            )
            names[p] = added[-1]["code"]
    delta = _relabel(draft, grid_code, keys, [names[int(p)] for p in labels])
    delta.added = added + delta.added
    return delta


def adjacency_lists(geoms: NDArray[np.object_]) -> list[list[int]]:
    """Which polygons share an edge (not just a corner), as neighbour lists."""
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    shared = shapely.length(
        shapely.intersection(shapely.boundary(geoms[a]), shapely.boundary(geoms[b]))
    )
    out: list[list[int]] = [[] for _ in range(len(geoms))]
    for i, j in zip(a[shared > 0].tolist(), b[shared > 0].tolist(), strict=True):
        out[i].append(j)
        out[j].append(i)
    return out


def merge(draft: Draft, *, grids: list[str]) -> Delta:
    """Merge grids of one level and one parent into the first (lowest) code."""
    codes = sorted(set(grids))
    records = [grid(draft, c) for c in codes]
    if len(codes) < 2:
        raise InputError("name two or more grids to merge", field="grids")
    if len({(r.level, r.parent_code) for r in records}) > 1:
        raise InputError("only grids of one level and one parent can be merged", field="grids")
    keep = codes[0]
    delta = Delta(removed=[draft.grids[c].as_dict() for c in codes[1:]])
    for code in codes[1:]:
        keys, _, _ = _atoms(draft, code)
        part = _relabel(draft, code, keys, [keep] * len(keys))
        delta.moves |= part.moves
        delta.changed |= part.changed
        for micro, _ in part.recodes:
            delta.recodes.append((micro, next_code(draft, keep, [n for _, n in delta.recodes])))
    return delta


def set_fields(draft: Draft, *, grids: list[str], **values: Any) -> Delta:
    """Lock / unlock or rename grids."""
    delta = Delta()
    for code in grids:
        record = grid(draft, code)
        fields = {k: (getattr(record, k), v) for k, v in values.items() if getattr(record, k) != v}
        if fields:
            delta.changed[code] = fields
    return delta


def recode(draft: Draft, *, grid_code: str, code: str) -> Delta:
    """Give a grid a new code (parent code + 3 digits); a basic grid's micro grids follow."""
    record = grid(draft, grid_code)
    if not _child_of(code, record.parent_code):
        raise InputError(
            f"code {code} must be {record.parent_code} followed by 3 digits", field="code"
        )
    if code in draft.grids:
        raise InputError(f"code {code} is taken by another grid", field="code")
    delta = Delta(recodes=[(grid_code, code)])
    if record.level == "basic":
        delta.recodes += [
            (m, code + m[len(grid_code) :]) for m in sorted(draft.children[grid_code])
        ]
    return delta


def rebalance(draft: Draft, *, grids: list[str]) -> Delta:
    """Even out the households of grids of one parent by moving pieces on their shared edges
    (micro grids between basic grids, buildings between micro grids), fewest moves first; the
    other grids stay as they are."""
    codes = sorted(set(grids))
    records = [grid(draft, c) for c in codes]
    if len(codes) < 2 or len({(r.level, r.parent_code) for r in records}) > 1:
        raise InputError("rebalance needs two or more grids of one level and parent", field="grids")
    codes = _unlocked_for_rebalance(draft, codes)
    band = band_for(draft.area_types.get(draft.community_of(codes[0])), records[0].level)
    keys: list[Any] = []
    geoms: list[Any] = []
    weights: list[int] = []
    labels: list[int] = []
    for g, code in enumerate(codes):
        k, geo, w = _atoms(draft, code)
        keys += k
        geoms += list(geo)
        weights += w.tolist()
        labels += [g] * len(k)
    # a locked micro grid inside a basic grid being rebalanced stays where it is
    fixed = [isinstance(k, str) and draft.grids[k].locked for k in keys]
    lab = _greedy(
        adjacency_lists(np.asarray(geoms, dtype=object)),
        np.asarray(weights),
        np.asarray(labels),
        band.target,
        fixed=np.asarray(fixed, dtype=bool),
    )
    delta = Delta()
    for g, code in enumerate(codes):
        mine = [i for i, lb in enumerate(labels) if lb == g]
        part = _relabel(draft, code, [keys[i] for i in mine], [codes[lab[i]] for i in mine])
        delta.moves |= part.moves
        delta.changed |= part.changed
        for micro, _ in part.recodes:
            target = delta.changed[micro]["parent_code"][1]
            delta.recodes.append((micro, next_code(draft, target, [n for _, n in delta.recodes])))
    return delta


def _unlocked_for_rebalance(draft: Draft, codes: list[str]) -> list[str]:
    """The grids a rebalance may change: a locked grid in the selection is left as it is (a
    planner locks a grid to keep it; a lasso over an area may well take it in)."""
    free = [c for c in codes if not draft.grids[c].locked]
    if len(free) < 2:
        locked = [c for c in codes if draft.grids[c].locked]
        raise EditRefused(
            f"grid {locked[0]} is locked and a rebalance needs two or more unlocked grids; "
            "unlock it first",
            check="locked",
            grids=locked,
        )
    return free


def _greedy(
    adj: list[list[int]],
    weights: IntArray,
    labels: IntArray,
    target: int,
    *,
    fixed: NDArray[np.bool_] | None = None,
) -> IntArray:
    """Move one boundary atom at a time from a heavier to a lighter neighbour grid while that
    lowers the squared deviation from ``target`` and keeps both grids connected; ``fixed``
    atoms (locked micro grids) never move."""
    lab = labels.copy()
    k = int(lab.max()) + 1
    still = np.zeros(len(lab), dtype=bool) if fixed is None else fixed
    for _ in range(REBALANCE_STEPS):
        load = np.bincount(lab, weights=weights, minlength=k)
        best, gain = None, 0.0
        for i, nbrs in enumerate(adj):
            if still[i]:
                continue
            src = lab[i]
            for dst in {lab[j] for j in nbrs} - {src}:
                before = (load[src] - target) ** 2 + (load[dst] - target) ** 2
                after = (load[src] - weights[i] - target) ** 2 + (
                    load[dst] + weights[i] - target
                ) ** 2
                if before - after > gain and _stays_connected(adj, lab, i):
                    best, gain = (i, dst), before - after
        if best is None:
            break
        lab[best[0]] = best[1]
    return lab


def _stays_connected(adj: list[list[int]], lab: IntArray, node: int) -> bool:
    """Whether the grid of ``node`` stays connected (and not empty) without it."""
    rest = [i for i in np.flatnonzero(lab == lab[node]).tolist() if i != node]
    if not rest:
        return False
    seen, todo = {rest[0]}, [rest[0]]
    allowed = set(rest)
    while todo:
        for j in adj[todo.pop()]:
            if j in allowed and j not in seen:
                seen.add(j)
                todo.append(j)
    return len(seen) == len(rest)
