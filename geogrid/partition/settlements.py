"""Natural villages (自然村): buildings of village, rural and mountain parents clustered into
settlements by the distance between their footprints.

Practice divides rural land by "about 300 households or one natural village". A settlement is a
DBSCAN cluster (scikit-learn, ``min_samples=1``: every building whose footprint lies within
``gap_m`` of another's is in its cluster, i.e. single linkage cut at ``gap_m``) over the exact
distances between footprints (an STRtree finds the pairs within ``gap_m``). The engine keeps a
settlement that fits the band in one grid (it is contracted like a compound) and lets smaller
ones join their neighbours; the report counts the settlements split.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import csr_matrix

IntArray = NDArray[np.int64]
RURAL: Final = frozenset({"village", "general_rural", "mountainous"})
GAP_M: Final = 60.0  # footprints farther apart than this belong to different settlements


def settlements(footprints: NDArray[np.object_], *, gap_m: float = GAP_M) -> IntArray:
    """Settlement label (0..k-1) of each footprint (metric CRS)."""
    from sklearn.cluster import DBSCAN  # a heavy import, needed for rural parents only

    n = len(footprints)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    a, b = shapely.STRtree(footprints).query(footprints, predicate="dwithin", distance=gap_m)
    keep = a != b
    a, b = a[keep], b[keep]
    # a stored 0 would be no neighbour in a sparse distance matrix: touching is a hair apart
    d = shapely.distance(footprints[a], footprints[b]) + 1e-6
    dist = csr_matrix((d, (a, b)), shape=(n, n))
    labels = DBSCAN(eps=gap_m + 1e-6, min_samples=1, metric="precomputed").fit(dist).labels_
    return np.asarray(labels, dtype=np.int64)


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
