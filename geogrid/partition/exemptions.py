"""Why a grid is exempt from its band: one reason per grid, counted beside the headline.

The headline of the quality report is the share of *all* grids within their area type's band;
a grid outside it is either a miss or exempt for one of these reasons:

- ``dedicated``: an institution's own grid (school, hospital, ...);
- ``single_over_band_building``: one building with more households than the band, a grid
  alone (only land without households may share it);
- ``parent_too_small``: the parent holds fewer households than the band's lower end (beside
  its over-band buildings and institutions);
- ``parent_indivisible``: the parent's households fit no division within the band (no whole
  number of grids, or buildings too large to pack);
- ``detached_piece``: a piece of the parent cut off from the rest (by its outline, or by an
  over-band building or institution) that fits no division within the band.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from geogrid.partition._graph import Graph
from geogrid.partition.bands import Band

IntArray = NDArray[np.int64]
REASONS: Final = (
    "dedicated",
    "single_over_band_building",
    "parent_too_small",
    "parent_indivisible",
    "detached_piece",
)


SINGLE_OVER_BAND: Final = "single_over_band_building"


def drawn_exemptions(
    households: Any,
    largest: Any,
    *,
    lo: Any,
    hi: Any,
    parent: Any,
    pieces: Callable[[NDArray[np.bool_]], Any] | None = None,
) -> list[str | None]:
    """The reason each grid as drawn is exempt from its band, or None (within it, or a miss).

    What no edit of the grids can fix, read from the grids alone, in the report's order: a
    building with more households than the band (``single_over_band_building``: buildings stay
    whole); a parent holding fewer households than the band's lower end beside such buildings
    (``parent_too_small``); a piece of a parent in several pieces (by its outline, or cut off
    by such a building) whose households fit no whole number of grids within the band
    (``detached_piece``); a parent whose households fit none (``parent_indivisible``). Grids
    too large to pack are the engine's to say: here they stay misses.

    Aligned arrays, one row per grid of one or more levels: ``largest`` the households of the
    grid's largest building, ``parent`` a key of what the grid divides (its community for a
    basic grid, its basic grid for a micro grid), ``lo`` / ``hi`` its band. ``pieces`` gives,
    for the rows of a mask, a label of the piece of the parent each lies in (the grids of one
    over-band building left out of the mask, as they part what lies either side); it is asked
    only for the parents of grids that would otherwise be misses (pieces take geometry).
    """
    h = np.asarray(households, dtype=np.int64)
    lo, hi = np.asarray(lo), np.asarray(hi)
    single = (h > hi) & (np.asarray(largest) > hi)
    parents = np.asarray(parent)
    frame = pd.DataFrame(
        {"h": h, "lo": lo, "hi": hi, "single": single, "parent": parents, "piece": 0}
    )
    reasons = _drawn_reasons(frame)
    missed = (reasons == "") & ((h < lo) | (h > hi))
    if pieces is not None and missed.any():
        # a grid of one over-band building parts what lies on either side of it
        involved = np.isin(parents, parents[missed]) & ~single
        frame.loc[involved, "piece"] = np.asarray(pieces(involved))
        reasons = _drawn_reasons(frame)
    return [str(r) or None for r in reasons.tolist()]


def _drawn_reasons(frame: pd.DataFrame) -> NDArray[np.str_]:
    h, lo, hi = (frame[c].to_numpy() for c in ("h", "lo", "hi"))
    free = frame.assign(free=np.where(frame["single"], 0, h))
    by_parent = free.groupby("parent", sort=False)
    total = by_parent["free"].transform("sum").to_numpy()
    count = free["piece"].where(~free["single"]).groupby(free["parent"]).transform("nunique")
    in_piece = free.groupby(["parent", "piece"], sort=False)["free"].transform("sum").to_numpy()
    return np.select(
        [
            (lo <= h) & (h <= hi),
            frame["single"].to_numpy(),
            total < lo,
            (count.to_numpy() > 1) & ~fits_division(in_piece, lo, hi),
            ~fits_division(total, lo, hi),
        ],
        ["", SINGLE_OVER_BAND, "parent_too_small", "detached_piece", "parent_indivisible"],
        default="",
    )


def fits_division(households: Any, lo: Any, hi: Any) -> Any:
    """Whether totals (scalars or arrays) split into a whole number of grids within lo-hi:
    the fewest grids under ``hi`` each must still hold ``lo``."""
    fewest = np.ceil(np.asarray(households) / hi)
    return (households > 0) & (fewest * lo <= households)


def exemption_reasons(
    graph: Graph,
    labels: IntArray,
    exempt: NDArray[np.bool_],
    band: Band,
    *,
    dedicated: Collection[int] = (),
) -> list[str]:
    """The reason of each part (``""`` for a part judged by the band).

    ``graph`` nodes are buildings (or building groups) of the area being divided, ``labels``
    the part of each node, ``dedicated`` the parts that are institutions' own grids.
    """
    k = len(exempt)
    heavy = np.zeros(k, dtype=bool)
    heavy[labels[graph.weight > band.hi]] = True
    fixed = heavy.copy()
    fixed[list(dedicated)] = True
    total = int(graph.weight[~fixed[labels]].sum())  # beside over-band buildings, institutions
    detached = _detached(graph, labels, fixed, k)
    out = []
    for part in range(k):
        if not exempt[part]:
            out.append("")
        elif part in dedicated:
            out.append("dedicated")
        elif heavy[part]:
            out.append(SINGLE_OVER_BAND)
        elif total < band.lo:
            out.append("parent_too_small")
        elif detached[part]:
            out.append("detached_piece")
        else:
            out.append("parent_indivisible")
    return out


def shared_over_band(graph: Graph, labels: IntArray, band: Band, k: int) -> NDArray[np.bool_]:
    """Per part: whether it holds an over-band building and households of other buildings.
    Only where the building stands inside other buildings' land and no strip out to the grid's
    edge passes between them clear (``_corridors``): a grid of its own would be a hole in
    theirs, which is worse (such grids are also listed under ``enclaves_joined_out_of_band``)."""
    heavy = graph.weight > band.hi
    held = np.bincount(labels, weights=graph.weight, minlength=k)
    own = np.bincount(labels[heavy], weights=graph.weight[heavy], minlength=k)
    return np.asarray((own > 0) & (held > own), dtype=bool)


OWN_GRID: Final = "each stays whole as its own grid"


def own_grid_claim(reasons: list[str], shared: int) -> list[str]:
    """``reasons`` with the claim that every over-band building is its own grid made true:
    ``shared`` of them share one with the buildings around them (``shared_over_band``)."""
    if shared <= 0:
        return reasons
    held = (
        f"each stays whole, {shared} in a grid with the buildings around it: they enclose it, "
        "and a grid of its own would be a hole in theirs"
    )
    return [r.replace(OWN_GRID, held) for r in reasons]


def _detached(
    graph: Graph, labels: IntArray, fixed: NDArray[np.bool_], k: int
) -> NDArray[np.bool_]:
    """Parts in a graph that falls apart once the ``fixed`` parts are taken out."""
    out = np.zeros(k, dtype=bool)
    free = np.flatnonzero(~fixed[labels])
    if len(free) == 0:
        return out
    count, _ = graph.subgraph(free).components()
    if count > 1:
        out[labels[free]] = True
    return out
