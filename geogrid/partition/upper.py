"""Large and medium grids: contiguous groups of whole parents within each street.

Chang'an has fewer large (270) and medium (355) grids than communities (513), so these levels sit
above the community: a large grid is a group of communities of one street, a medium grid a
group of communities of one large grid. Codes: large = street code + 2 digits, medium = large
code + 2 digits (lengths 11 and 13 keep them apart from community and basic codes).

Communities are joined through their mainlands (largest parts) only, so a group is connected on
the ground; a community that is itself multi-part (islands) makes its group multi-part too, which
is counted apart (``multipart_parent_grids``) from a real failure (``disconnected``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from geogrid.partition._geometry import coverage_error
from geogrid.partition.balance import Graph
from geogrid.partition.bands import band_for
from geogrid.partition.codes import reading_order
from geogrid.partition.divide import divide
from geogrid.partition.parent import LevelResult, ParentInput, ParentPlan

IntArray = NDArray[np.int64]


@dataclass
class UpperLevels:
    """Large and medium grids (one result per street) and their connectivity per level."""

    results: dict[str, list[LevelResult]]
    disconnected: dict[str, int]
    multipart_parent_grids: dict[str, int]


def upper_levels(items: list[ParentInput], plans: list[ParentPlan]) -> UpperLevels:
    """Large and medium grids of every street, grouping whole communities by households."""
    streets: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        streets.setdefault(item.code[:9], []).append(i)
    large: list[LevelResult] = []
    medium: list[LevelResult] = []
    broken = {"large": 0, "medium": 0}
    inherited = {"large": 0, "medium": 0}
    for street, idx in sorted(streets.items()):
        geoms = np.asarray([items[i].geometry for i in idx], dtype=object)
        mainlands = np.asarray([_mainland(g) for g in geoms], dtype=object)
        hh = np.asarray([int(plans[i].levels["basic"].households.sum()) for i in idx])
        nb = np.asarray([int(plans[i].levels["basic"].buildings.sum()) for i in idx])
        kinds = Counter()  # type: Counter[str | None]
        for i, h in zip(idx, hh.tolist(), strict=True):
            kinds[items[i].area_type] += h
        area_type = min(kinds, key=lambda k: (-kinds[k], str(k)))
        graph = _parent_graph(mainlands, hh)
        ldiv = divide(graph, band_for(area_type, "large"), what="community")
        lres, lcodes = _result(
            street,
            geoms,
            hh,
            nb,
            ldiv.labels,
            ldiv.exempt,
            area_type,
            "large",
            [street] * (int(ldiv.labels.max()) + 1),
        )
        if ldiv.reasons:
            lres.infeasible.append(
                {
                    "code": street,
                    "households": int(hh.sum()),
                    "reason": "; ".join(ldiv.reasons),
                    "grids": len(lcodes),
                }
            )
        large.append(lres)
        _count_parts(ldiv.labels, geoms, mainlands, "large", broken, inherited)
        med_labels = np.zeros(len(idx), dtype=np.int64)
        med_exempt: list[bool] = []
        med_parent: list[str] = []
        for g, code in enumerate(lcodes):
            nodes = np.flatnonzero(ldiv.labels == g)
            mdiv = divide(graph.subgraph(nodes), band_for(area_type, "medium"), what="community")
            med_labels[nodes] = mdiv.labels + len(med_exempt)
            med_exempt.extend(mdiv.exempt.tolist())
            med_parent.extend([code] * (int(mdiv.labels.max()) + 1))
        mres, _ = _result(
            street,
            geoms,
            hh,
            nb,
            med_labels,
            np.asarray(med_exempt),
            area_type,
            "medium",
            med_parent,
        )
        medium.append(mres)
        _count_parts(med_labels, geoms, mainlands, "medium", broken, inherited)
    return UpperLevels({"large": large, "medium": medium}, broken, inherited)


def _mainland(geom: shapely.Geometry) -> shapely.Geometry:
    """The largest polygon of a (multi)polygon."""
    parts = shapely.get_parts(geom)
    return parts[int(np.argmax(shapely.area(parts)))] if len(parts) else geom


def _count_parts(
    labels: IntArray,
    geoms: NDArray[np.object_],
    mainlands: NDArray[np.object_],
    level: str,
    broken: dict[str, int],
    inherited: dict[str, int],
) -> None:
    """Count grids whose mainlands fall apart (failures) and grids multi-part by islands only."""
    for g in range(int(labels.max()) + 1):
        members = labels == g
        if shapely.get_num_geometries(shapely.union_all(mainlands[members])) > 1:
            broken[level] += 1
        elif shapely.get_num_geometries(shapely.union_all(geoms[members])) > 1:
            inherited[level] += 1


def _parent_graph(geoms: NDArray[np.object_], hh: NDArray[np.int64]) -> Graph:
    n = len(geoms)
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    shared = shapely.length(
        shapely.intersection(shapely.boundary(geoms[a]), shapely.boundary(geoms[b]))
    )
    touch = shared > 0
    a, b, shared = a[touch], b[touch], shared[touch]
    src = np.concatenate([a, b])
    dst = np.concatenate([b, a])
    w = np.concatenate([shared, shared])
    order = np.lexsort((dst, src))
    src, dst, w = src[order], dst[order], w[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, src + 1, 1)
    return Graph(np.cumsum(indptr), dst.astype(np.int64), w.astype(float), hh.astype(np.int64))


def _result(street, geoms, hh, nb, labels, exempt, area_type, level, parents):  # type: ignore[no-untyped-def]
    n = int(labels.max()) + 1
    union = np.asarray([shapely.union_all(geoms[labels == g]) for g in range(n)], dtype=object)
    cent = shapely.centroid(union)
    rank = reading_order(
        shapely.get_x(cent), shapely.get_y(cent), area=float(shapely.area(union).sum())
    )
    codes = [""] * n
    for g in range(n):
        prefix = street if level == "large" else parents[g]
        codes[g] = f"{prefix}{_seq_within(rank, parents, g):02d}"
    band = band_for(area_type, level)
    res = LevelResult(
        codes=codes,
        parent_codes=list(parents),
        households=np.bincount(labels, weights=hh, minlength=n).astype(np.int64),
        buildings=np.bincount(labels, weights=nb, minlength=n).astype(np.int64),
        geoms=union,
        exempt=np.asarray(exempt, dtype=bool),
        band=(band.lo, band.hi),
    )
    res.gap, res.overlap = coverage_error(shapely.union_all(geoms), union)
    return res, codes


def _seq_within(rank: IntArray, parents: list[str], g: int) -> int:
    """1-based position of grid g in reading order among the grids of the same parent."""
    same = [h for h in range(len(parents)) if parents[h] == parents[g]]
    return sorted(same, key=lambda h: int(rank[h])).index(g) + 1
