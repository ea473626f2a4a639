"""Hand-made unit graphs of square road blocks, for tests whose values are worked out on paper."""

from __future__ import annotations

import numpy as np
import shapely

from geogrid.partition._graph import Graph, Places

ROAD = 0.05  # cost per metre of a cut along a local road (``barriers.COST``)
SIDE = 100.0  # every block is a 100 m square


def block_graph(
    cols: int,
    rows: int,
    households: int | dict[int, int],
    *,
    side: float = SIDE,
    per_m: float = ROAD,
) -> tuple[Graph, np.ndarray]:
    """``cols`` x ``rows`` squares of ``side`` metres, node ``r * cols + c``; a cut between
    two costs ``per_m`` a metre (roads between all of them by default; 1 for cells of one
    block cut between their buildings).

    ``households``: the same count for every square, or a count per node (0 where not given).
    Returns the graph and the squares' polygons (metres).
    """
    n = cols * rows
    geoms = np.asarray(
        [
            shapely.box(c * side, r * side, (c + 1) * side, (r + 1) * side)
            for r in range(rows)
            for c in range(cols)
        ],
        dtype=object,
    )
    nbrs: list[list[int]] = [[] for _ in range(n)]
    for r in range(rows):
        for c in range(cols):
            u = r * cols + c
            if c + 1 < cols:
                nbrs[u] += [u + 1]
                nbrs[u + 1] += [u]
            if r + 1 < rows:
                nbrs[u] += [u + cols]
                nbrs[u + cols] += [u]
    indptr = np.cumsum([0] + [len(x) for x in nbrs]).astype(np.int64)
    indices = np.asarray([v for x in nbrs for v in sorted(x)], dtype=np.int64)
    area = shapely.area(geoms)
    cent = shapely.centroid(geoms)
    places = Places(
        area,
        shapely.get_x(cent),
        shapely.get_y(cent),
        area * 2 * side * side / 12.0,
        shapely.convex_hull(geoms),
    )
    if isinstance(households, int):
        weight = np.full(n, households, dtype=np.int64)
    else:
        weight = np.asarray([households.get(u, 0) for u in range(n)], dtype=np.int64)
    cost = np.full(len(indices), per_m * side)
    graph = Graph(indptr, indices, cost, weight, np.arange(n, dtype=np.int64), places)
    return graph, geoms
