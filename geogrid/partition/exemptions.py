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

from collections.abc import Collection
from typing import Any, Final

import numpy as np
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


def drawn_grid_exemption(households: int, buildings: int, band: Band) -> str | None:
    """The reason a grid as drawn (in the editor) is exempt from ``band``, or None.

    Only what no edit can fix: a grid that is one building with more households than the band
    (buildings are kept whole). A grid over the band with two or more buildings is a miss: a
    building can move out of it.
    """
    return SINGLE_OVER_BAND if single_over_band(households, buildings, band.hi) else None


def single_over_band(households: Any, buildings: Any, hi: Any) -> Any:
    """Whether grids (scalars or arrays alike) are one building over the band's upper end."""
    return (households > hi) & (buildings == 1)


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
