"""Pieces of touching polygons: which of a set lie together, directly or through others (pure).

Stored shared edges may differ in their last digits, so polygons within a small distance of
each other count as touching (a centimetre: ``1e-7`` degrees, ``0.01`` metres).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

IntArray = NDArray[np.int64]


def touching_pairs(geoms: NDArray[np.object_], *, distance: float) -> tuple[IntArray, IntArray]:
    """Index pairs (both ways, each with itself) of the geometries within ``distance``."""
    left, right = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=distance)
    return left.astype(np.int64), right.astype(np.int64)


def pieces(n: int, pairs: tuple[IntArray, IntArray], *, groups: Any, keep: Any = None) -> IntArray:
    """A label per item of ``n``: the piece it lies in, pieces being kept items of one group
    joined by ``pairs``. Items not kept are pieces of their own."""
    groups = np.asarray(groups)
    left, right = pairs
    joined = groups[left] == groups[right]
    if keep is not None:
        keep = np.asarray(keep, dtype=bool)
        joined &= keep[left] & keep[right]
    ones = np.ones(int(joined.sum()), dtype=np.int8)
    graph = coo_array((ones, (left[joined], right[joined])), shape=(n, n))
    return connected_components(graph, directed=False)[1].astype(np.int64)


def touching_pieces(geoms: NDArray[np.object_], groups: Any, *, distance: float) -> IntArray:
    """:func:`pieces` of ``geoms`` touching within ``distance``, one group at a time."""
    return pieces(len(geoms), touching_pairs(geoms, distance=distance), groups=groups)
