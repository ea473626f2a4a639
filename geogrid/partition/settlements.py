"""Natural villages (自然村): buildings of village, rural and mountain parents clustered into
settlements by the distance between their footprints.

Practice divides rural land by "about 300 households or one natural village". A settlement is a
single-linkage cluster cut at ``gap_m``: every building whose footprint lies within ``gap_m`` of
another's is in its cluster (DBSCAN with ``min_samples=1``). An STRtree finds the pairs within
``gap_m`` (exact footprint distances) and the clusters are the connected components of that
graph (scipy), numbered in the order of their first building as DBSCAN numbers them; DBSCAN
itself measured every pair's distance a second time and cost a second of import. The engine
keeps a settlement that fits the band in one grid (it is contracted like a compound) and lets
smaller ones join their neighbours; the report counts the settlements split.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

IntArray = NDArray[np.int64]
RURAL: Final = frozenset({"village", "general_rural", "mountainous"})
GAP_M: Final = 60.0  # footprints farther apart than this belong to different settlements


def settlements(footprints: NDArray[np.object_], *, gap_m: float = GAP_M) -> IntArray:
    """Settlement label (0..k-1) of each footprint (metric CRS), numbered by first footprint."""
    n = len(footprints)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    a, b = _near_pairs(footprints, gap_m)
    pairs = csr_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    _, labels = connected_components(pairs, directed=False)
    return np.asarray(labels, dtype=np.int64)


def _near_pairs(footprints: NDArray[np.object_], gap_m: float) -> tuple[IntArray, IntArray]:
    """Enough pairs of footprints within ``gap_m`` of each other to connect every cluster.

    Two footprints with a vertex each within ``gap_m`` are within it (a k-d tree finds those
    cheaply); the exact distance is measured only between footprints whose boxes come within
    ``gap_m`` and that those pairs have not already joined (in a village most near pairs have).
    """
    coords, owner = shapely.get_coordinates(footprints, return_index=True)
    first = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]]) if len(owner) else owner
    vertex = coords[first]
    # a hair inside gap_m: such a pair is within it in GEOS's arithmetic too
    close = cKDTree(vertex).query_pairs(gap_m * (1 - 1e-9), output_type="ndarray")
    a, b = owner[first][close[:, 0]], owner[first][close[:, 1]]
    n = len(footprints)
    joined = csr_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    _, piece = connected_components(joined, directed=False)
    reach = np.array([-gap_m, -gap_m, gap_m, gap_m])
    boxes = shapely.box(*(shapely.bounds(footprints) + reach).T)
    qa, qb = shapely.STRtree(footprints).query(boxes)
    keep = (qa < qb) & (piece[qa] != piece[qb])
    qa, qb = qa[keep], qb[keep]
    near = shapely.dwithin(footprints[qa], footprints[qb], gap_m)
    return np.concatenate([a, qa[near]]), np.concatenate([b, qb[near]])


def settlement_figures(
    settlement: IntArray, households: IntArray, grid: IntArray, band_hi: int
) -> dict[str, int]:
    """Settlements (with households), those that fit one grid of the band, and of those how
    many the grids split (per building: settlement, households, grid)."""
    has = settlement >= 0
    if not has.any():
        return {"settlements": 0, "fit_band": 0, "split": 0, "split_fitting": 0}
    s, hh, g = settlement[has], households[has], grid[has]
    k = int(s.max()) + 1
    total = np.bincount(s, weights=hh, minlength=k)
    pairs = np.unique(np.column_stack([s, g]), axis=0)
    grids_per = np.bincount(pairs[:, 0], minlength=k)
    live = total > 0
    fits = live & (total <= band_hi)
    split = live & (grids_per > 1)
    return {
        "settlements": int(live.sum()),
        "fit_band": int(fits.sum()),
        "split": int(split.sum()),
        "split_fitting": int((split & fits).sum()),
    }
