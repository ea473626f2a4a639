"""A clean line network before blocks are cut: barrier lines as a hand digitised them rarely
meet. A road ending 15 m short of a community boundary cuts nothing (dangling ends cut no
block), so the grids ignore it. Here, in the parents' metric CRS, vectorised with shapely (the
approach of momepy's ``extend_lines``, which loops over a pandas frame per line and took
seconds on a district; its import alone costs more than a partition's preparation):

1. exact duplicate lines are dropped (``duplicates_removed``), and the runs of lines along a
   parent's outline, which it cuts already (``along_outlines_removed_m``, metres);
2. each dangling end (touching no other line and no parent outline) is extended along its last
   segment to the first line or outline within ``snap_m`` (``dangles_extended``, per end);
3. an end still dangling is joined to the nearest line or outline within ``snap_m / 2`` (a
   near-miss to the side, ``gaps_closed``, per end);
4. false nodes (two lines of one class meeting end to end, nothing else there) are merged
   (``false_nodes_removed``).

Each fix is counted in the report (``network``). Every line keeps its barrier class; class
values no table knows are listed there too (``unknown_classes``: per layer, value -> lines).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import CRS

from geogrid.densify import densified_to_crs
from geogrid.errors import CRSError, InputError
from geogrid.off_street import off_street
from geogrid.partition._canonical import line_order
from geogrid.partition.barriers import CLASSES, line_classes, unclassed, unknown_values

SNAP_M: Final = 20.0  # default tolerance for dangling ends
EXTENSION_M: Final = 0.01  # an extended end reaches this far past its target (a clean cut)
EXACT_M: Final = 1e-6  # an end this close to another line meets it
FIX_M: Final = 0.05  # a move shorter than this closes a digitising hair, not counted as a fix
ALONG_M: Final = 1.0  # a line this close to a parent's outline runs along it ...
RUN_M: Final = 30.0  # ... when it stays that close for this long


@dataclass
class Network:
    """Barrier lines (metric CRS), the class index of each, and the fixes made."""

    lines: NDArray[np.object_]
    classes: NDArray[np.int64]
    fixes: dict[str, Any]


def barrier_network(
    frames: list[gpd.GeoDataFrame | None],
    outlines: NDArray[np.object_],
    metric: CRS,
    *,
    snap_m: float = SNAP_M,
) -> Network:
    """The lines of (roads, waterways, railways), cleaned (see the module docstring).

    ``outlines`` are the parents' boundaries, which dangling ends are extended to as well.
    ``snap_m`` 0 turns the cleaning off. Lines on a bridge or viaduct or in a tunnel divide no
    blocks and are left out (``off_street``: per layer, lines; ``geogrid.off_street``).
    Raises CRSError for a barrier layer without CRS.
    """
    frames, left_out = _street_level(frames)
    lines, classes, empty = _lines(frames, metric)
    fixes: dict[str, Any] = {"lines_in": len(lines), "snap_m": snap_m, "off_street": left_out}
    fixes["empty_lines"] = empty  # null, empty or of length 0: nothing to cut along
    # values no table knows: classed as the default, and said so (never silently)
    fixes["unknown_classes"] = {
        name: unknown
        for name, frame, layer in zip(("roads", "waterways"), frames, (0, 1), strict=False)
        if frame is not None and (unknown := unknown_values(frame, layer))
    }
    fixes["unclassed"] = {  # blank: the default too, counted as the unknown are
        name: blank
        for name, frame, layer in zip(("roads", "waterways"), frames, (0, 1), strict=False)
        if frame is not None and (blank := unclassed(frame, layer))
    }
    lines, classes, fixes["duplicates_removed"] = _deduplicate(lines, classes)
    lines, classes, fixes["along_outlines_removed_m"] = _off_outlines(lines, classes, outlines)
    if snap_m > 0 and len(lines):
        lines, fixes["gaps_closed"], fixes["dangles_extended"] = _snap(lines, outlines, snap_m)
    else:
        fixes["gaps_closed"] = fixes["dangles_extended"] = 0
    lines, classes, fixes["false_nodes_removed"] = _merge(lines, classes)
    fixes["lines_out"] = len(lines)
    return Network(lines, classes, fixes)


_LAYER_NAMES: Final = ("roads", "waterways", "railways")


def _street_level(
    frames: list[gpd.GeoDataFrame | None],
) -> tuple[list[gpd.GeoDataFrame | None], dict[str, int]]:
    """The frames without their lines off street level, and how many each lost."""
    out: list[gpd.GeoDataFrame | None] = []
    left_out: dict[str, int] = {}
    for name, frame in zip(_LAYER_NAMES, frames, strict=False):
        if frame is not None and (above := off_street(frame).to_numpy()).any():
            left_out[name] = int(above.sum())
            frame = frame[~above]
        out.append(frame)
    return out, left_out


def _refuse_kinds(geoms: NDArray[np.object_], layer: int) -> None:
    """Barrier layers are lines; waterways may be areas too (a river's outline is its banks).
    Points carry no line to follow, and road surfaces (道路面), dissolved into one polygon as
    they often are, would make one block of a whole street: both refused, never dropped."""
    kinds = set(shapely.get_type_id(geoms).tolist())
    allowed = {1, 2, 5} | ({3, 6} if _LAYER_NAMES[layer] == "waterways" else set())
    bad = sorted(kinds - allowed)
    if bad:
        found = ", ".join(_TYPE_NAMES.get(k, str(k)) for k in bad)
        raise InputError(
            f"{_LAYER_NAMES[layer]} must be lines (centre lines), found {found}; "
            "derive centre lines from road surfaces before dividing",
            field="geometry",
        )


_TYPE_NAMES: Final = {0: "Point", 3: "Polygon", 4: "MultiPoint", 6: "MultiPolygon", 7: "collection"}


def _lines(
    frames: list[gpd.GeoDataFrame | None], metric: CRS
) -> tuple[NDArray[np.object_], NDArray[np.int64], int]:
    """The lines of every layer in ``metric``, their classes, and how many features were
    left out as null, empty or of length 0."""
    geoms_all, classes_all, empty = [], [], 0
    for layer, frame in enumerate(frames):
        if frame is None or frame.empty:
            continue
        if frame.crs is None:
            raise CRSError("a barrier layer (roads, waterways, railways) has no CRS")
        # Z (survey / CAD exports) would ride into the faces and grids and break reprojection
        # edges cut before projecting, as the parents' are: a road along a parent's edge
        # stays on it (a 9 km road on a lon/lat edge was 1 m off it in UTM; geogrid.densify)
        geoms = shapely.force_2d(densified_to_crs(frame, metric).geometry.to_numpy())
        ok = ~pd.isna(geoms)
        ok[ok] = ~shapely.is_empty(geoms[ok])
        geoms, cls = geoms[ok], line_classes(frame, layer)[ok]
        _refuse_kinds(geoms, layer)
        long = shapely.length(geoms) > 0
        empty += int((~ok).sum() + (~long).sum())
        geoms, cls = geoms[long], cls[long]
        polys = np.isin(shapely.get_type_id(geoms), (3, 6))
        geoms[polys] = shapely.boundary(geoms[polys])
        parts, idx = shapely.get_parts(geoms, return_index=True)
        geoms_all.append(parts)
        classes_all.append(cls[idx])
    if not geoms_all:
        return np.empty(0, dtype=object), np.zeros(0, dtype=np.int64), empty
    lines = np.concatenate(geoms_all)
    classes = np.concatenate(classes_all)
    keep = np.isin(shapely.get_type_id(lines), (1, 2)) & (shapely.length(lines) > 0)
    # every later step (duplicates, snapping, merging, the cuts) goes by array order and
    # direction: one order and direction for the same lines, however the rows came (_canonical)
    lines, classes = line_order(np.asarray(lines[keep], dtype=object), classes[keep])
    return lines, classes, empty


def _deduplicate(
    lines: NDArray[np.object_], classes: NDArray[np.int64]
) -> tuple[NDArray[np.object_], NDArray[np.int64], int]:
    """Drop lines identical to another (either direction), keeping the most important class."""
    if len(lines) == 0:
        return lines, classes, 0
    keys = shapely.to_wkb(shapely.normalize(lines))
    order = np.lexsort((classes, keys))
    _, first = np.unique(keys[order], return_index=True)
    keep = np.sort(order[first])
    return lines[keep], classes[keep], len(lines) - len(keep)


def _off_outlines(
    lines: NDArray[np.object_], classes: NDArray[np.int64], outlines: NDArray[np.object_]
) -> tuple[NDArray[np.object_], NDArray[np.int64], float]:
    """Lines without their runs along a parent's outline: a road digitised apart from the
    community edge drawn along it runs up to a metre inside it, and would cut a strip of
    empty land as long as the edge that one grid then takes as a thin arm. The outline cuts
    there already. A run is a stretch within ``ALONG_M`` of an outline for ``RUN_M`` or more
    (a road that crosses the outline has a few metres there and keeps them); the ends left
    are dangles, extended back to the outline. Returns lines, classes and metres removed."""
    if len(lines) == 0 or len(outlines) == 0:
        return lines, classes, 0.0
    # the outlines come cut into 20 m pieces (geogrid.densify): their straight runs need no
    # such vertices here, and the band around them costs by the vertex
    edges = shapely.simplify(np.asarray(outlines, dtype=object), 0.01)
    bands = shapely.buffer(edges, ALONG_M, quad_segs=2)
    tree = shapely.STRtree(bands)
    line_at, band_at = tree.query(lines, predicate="intersects")
    order = np.argsort(line_at, kind="stable")
    line_at, band_at = line_at[order], band_at[order]
    if len(line_at) == 0:
        return lines, classes, 0.0
    near, first = np.unique(line_at, return_index=True)
    out_lines, removed = list(lines), 0.0
    for i, group in zip(near.tolist(), np.split(band_at, first[1:]), strict=True):
        piece = shapely.intersection(lines[i], shapely.union_all(bands[group]))
        runs = [p for p in shapely.get_parts(shapely.line_merge(piece)) if p.length >= RUN_M]
        if runs:
            removed += sum(p.length for p in runs)
            out_lines[i] = shapely.difference(
                lines[i], shapely.buffer(shapely.union_all(runs), 0.01)
            )
    keep_lines, keep_classes = [], []
    for line, cls in zip(out_lines, classes, strict=True):
        for part in shapely.get_parts(line):
            if not part.is_empty and part.length > 0:
                keep_lines.append(part)
                keep_classes.append(cls)
    return (
        np.asarray(keep_lines, dtype=object),
        np.asarray(keep_classes, dtype=np.int64),
        round(removed, 1),
    )


def _snap(
    lines: NDArray[np.object_], outlines: NDArray[np.object_], snap_m: float
) -> tuple[NDArray[np.object_], int, int]:
    """Lines with each dangling end extended along its last segment to the first line or
    outline within ``snap_m`` (a dangle), else joined to the nearest one within ``snap_m / 2``
    (a near-miss). Returns the lines, near-misses closed and dangles extended."""
    n = len(lines)
    end_line = np.repeat(np.arange(n), 2)
    xy, heading = _ends(lines)
    points = np.asarray(shapely.points(xy), dtype=object)
    dangling = _dangling(points, end_line, lines, outlines)
    targets = np.concatenate([lines, np.asarray(outlines, dtype=object)])
    idx = np.flatnonzero(dangling & (np.hypot(*heading.T) > 0))
    new_xy = np.full((len(end_line), 2), np.nan)
    reach = _ray_hits(xy[idx], heading[idx], end_line[idx], targets, snap_m)
    hit = ~np.isnan(reach)
    new_xy[idx[hit]] = xy[idx[hit]] + heading[idx[hit]] * (reach[hit, None] + EXTENSION_M)
    rest = idx[~hit]
    near = _nearest_within(points[rest], end_line[rest], targets, snap_m / 2)
    found = ~np.isnan(near[:, 0])
    step = near[found] - xy[rest[found]]
    length = np.maximum(np.hypot(*step.T), 1e-9)[:, None]
    new_xy[rest[found]] = near[found] + step / length * EXTENSION_M
    out = lines.copy()
    for i in np.unique(end_line[~np.isnan(new_xy[:, 0])]).tolist():
        coords = shapely.get_coordinates(lines[i])
        head, tail = new_xy[2 * i], new_xy[2 * i + 1]
        parts = [head[None]] if not np.isnan(head[0]) else []
        parts.append(coords)
        if not np.isnan(tail[0]):
            parts.append(tail[None])
        out[i] = shapely.linestrings(np.concatenate(parts))
    gaps = int((np.hypot(*step.T) >= FIX_M).sum())
    return out, gaps, int((reach[hit] >= FIX_M).sum())


def _ends(lines: NDArray[np.object_]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Both ends of each line (start, end, start, end, ...) and the unit heading out of each."""
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    start = np.searchsorted(owner, np.arange(len(lines)))
    stop = np.r_[start[1:], len(owner)] - 1
    xy = np.empty((2 * len(lines), 2))
    xy[0::2], xy[1::2] = coords[start], coords[stop]
    out = np.empty_like(xy)
    out[0::2] = coords[start] - coords[start + 1]
    out[1::2] = coords[stop] - coords[stop - 1]
    norm = np.hypot(*out.T)[:, None]
    return xy, np.divide(out, norm, out=np.zeros_like(out), where=norm > 0)


def _dangling(
    points: NDArray[np.object_],
    end_line: NDArray[np.int64],
    lines: NDArray[np.object_],
    outlines: NDArray[np.object_],
) -> NDArray[np.bool_]:
    """Ends touching no other line and no outline."""
    touch = np.zeros(len(points), dtype=bool)
    pi, li = shapely.STRtree(lines).query(points, predicate="dwithin", distance=EXACT_M)
    other = li != end_line[pi]
    touch[pi[other]] = True
    if len(outlines):
        pi, _ = shapely.STRtree(np.asarray(outlines, dtype=object)).query(
            points, predicate="dwithin", distance=EXACT_M
        )
        touch[pi] = True
    return ~touch


def _ray_hits(
    xy: NDArray[np.float64],
    heading: NDArray[np.float64],
    own: NDArray[np.int64],
    targets: NDArray[np.object_],
    snap_m: float,
) -> NDArray[np.float64]:
    """Distance along each ray to the first target it meets within ``snap_m`` (NaN: none);
    a ray never counts its own line (a line curving back to its own end is left alone)."""
    out = np.full(len(xy), np.nan)
    if len(xy) == 0:
        return out
    rays = np.asarray(shapely.linestrings(np.stack([xy, xy + heading * snap_m], axis=1)))
    ri, ti = shapely.STRtree(targets).query(rays, predicate="intersects")
    keep = ti != own[ri]
    ri, ti = ri[keep], ti[keep]
    d = np.asarray(
        shapely.distance(shapely.points(xy[ri]), shapely.intersection(rays[ri], targets[ti]))
    )
    ok = d > EXACT_M
    np.fmin.at(out, ri[ok], d[ok])
    return out


def _nearest_within(
    points: NDArray[np.object_], own: NDArray[np.int64], targets: NDArray[np.object_], limit: float
) -> NDArray[np.float64]:
    """The nearest point of a target other than its own line within ``limit`` (NaN: none)."""
    out = np.full((len(points), 2), np.nan)
    if len(points) == 0:
        return out
    pi, ti = shapely.STRtree(targets).query(points, predicate="dwithin", distance=limit)
    keep = ti != own[pi]
    pi, ti = pi[keep], ti[keep]
    d = shapely.distance(points[pi], targets[ti])
    order = np.lexsort((ti, d, pi))
    pi, ti = pi[order], ti[order]
    firsts = np.r_[True, pi[1:] != pi[:-1]] if len(pi) else np.zeros(0, dtype=bool)
    pi, ti = pi[firsts], ti[firsts]
    near = shapely.get_point(shapely.shortest_line(points[pi], targets[ti]), 1)
    out[pi] = shapely.get_coordinates(near)
    return out


def _merge(
    lines: NDArray[np.object_], classes: NDArray[np.int64]
) -> tuple[NDArray[np.object_], NDArray[np.int64], int]:
    """Merge lines of one class that meet end to end with nothing else at the node."""
    out, out_cls = [], []
    for c in range(len(CLASSES)):
        mine = lines[classes == c]
        if len(mine) == 0:
            continue
        merged = shapely.get_parts(shapely.line_merge(shapely.multilinestrings(mine)))
        out.append(merged)
        out_cls.append(np.full(len(merged), c, dtype=np.int64))
    if not out:
        return lines, classes, 0
    merged_lines = np.asarray(np.concatenate(out), dtype=object)
    return merged_lines, np.concatenate(out_cls), len(lines) - len(merged_lines)
