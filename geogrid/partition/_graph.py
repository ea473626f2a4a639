"""The unit graph the division works on: CSR adjacency, cut costs, weights, road blocks, and
each node's place (area, centroid, second moment) for the compactness term of the refinement;
``unit_graph`` builds it from a parent's faces."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from geogrid.partition._geometry import point_hulls
from geogrid.partition.barriers import CLASSES, OPEN_LAND_COST, class_costs
from geogrid.partition.units import Units

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Places:
    """Where each node lies (metric CRS, coordinates relative to a local origin).

    ``area`` in m², ``x`` / ``y`` the area centroid in m, ``moment`` the polar second moment
    of the node about its own centroid (m⁴): enough to know any union's moment of inertia.
    ``hull`` the convex hull of each node (a polygon in the parent's metric CRS, absolute
    coordinates): the hull of a union is the hull of its nodes' hulls (the convexity term).
    """

    area: FloatArray
    x: FloatArray
    y: FloatArray
    moment: FloatArray
    hull: NDArray[np.object_]

    def take(self, nodes: IntArray) -> Places:
        return Places(
            self.area[nodes], self.x[nodes], self.y[nodes], self.moment[nodes], self.hull[nodes]
        )

    def contract(self, group: IntArray, g: int) -> Places:
        """The places of each group of nodes (groups numbered 0..g-1)."""
        area = np.bincount(group, weights=self.area, minlength=g).astype(float)
        safe = np.where(area > 0, area, 1.0)
        x = np.bincount(group, weights=self.area * self.x, minlength=g) / safe
        y = np.bincount(group, weights=self.area * self.y, minlength=g) / safe
        spread = self.moment + self.area * ((self.x - x[group]) ** 2 + (self.y - y[group]) ** 2)
        moment = np.bincount(group, weights=spread, minlength=g).astype(float)
        return Places(area, x, y, moment, _group_hulls(self.hull, group, g))


def _group_hulls(hulls: NDArray[np.object_], group: IntArray, g: int) -> NDArray[np.object_]:
    """The hull of the nodes' ``hulls`` in each group 0..g-1 (None for a group without
    points). A group of one node with a hull keeps that hull: GEOS gives the hull of a hull's
    vertices as the same ring, vertex for vertex (all 151,848 such groups of Laoshan 1x), and
    most groups are one building's faces, one node."""
    out = np.empty(g, dtype=object)
    alone = (np.bincount(group, minlength=g)[group] == 1) & (shapely.get_num_coordinates(hulls) > 0)
    out[group[alone]] = hulls[alone]
    built = np.ones(g, dtype=bool)
    built[group[alone]] = False
    rest = np.flatnonzero(built)
    coords, index = shapely.get_coordinates(hulls, return_index=True)
    take = ~alone[index]
    local = np.full(g, -1, dtype=np.int64)
    local[rest] = np.arange(len(rest))  # rising with the group, so the order below is kept
    of_point = local[group[index[take]]]
    order = np.argsort(of_point, kind="stable")  # shapely wants the indices sorted
    out[rest] = point_hulls(coords[take][order], of_point[order], len(rest))
    return out


@dataclass
class Graph:
    """A unit graph in CSR form: ``cost`` is what cutting an edge costs."""

    indptr: IntArray
    indices: IntArray
    cost: FloatArray
    weight: IntArray
    block: IntArray | None = None  # the road block of each node (-1 none): pieces move whole
    places: Places | None = None  # where each node lies: the refinement's compactness term
    # the land bounded by major barriers (railways, motorways, arterials, rivers) each node lies
    # in: ``divide`` divides each such region apart where each can meet the band alone
    region: IntArray | None = None

    @property
    def n(self) -> int:
        return len(self.weight)

    def subgraph(self, nodes: IntArray) -> Graph:
        m = self._matrix()[nodes][:, nodes].tocsr()
        m.sort_indices()
        return Graph(
            m.indptr.astype(np.int64),
            m.indices.astype(np.int64),
            m.data,
            self.weight[nodes],
            None if self.block is None else self.block[nodes],
            None if self.places is None else self.places.take(nodes),
            None if self.region is None else self.region[nodes],
        )

    def contract(self, group: IntArray) -> Graph:
        """Merge the units of each group into one node (groups numbered 0..g-1)."""
        g = int(group.max()) + 1 if len(group) else 0
        p = csr_matrix((np.ones(self.n), (np.arange(self.n), group)), shape=(self.n, g))
        m = (p.T @ self._matrix() @ p).tocsr()
        m.setdiag(0)
        m.eliminate_zeros()
        m.sort_indices()
        w = np.bincount(group, weights=self.weight, minlength=g).astype(np.int64)
        block = None
        if self.block is not None:
            block = np.full(g, -1, dtype=np.int64)
            np.maximum.at(block, group, self.block)
        places = None if self.places is None else self.places.contract(group, g)
        region = None
        if self.region is not None:  # a group across a major line keeps one side's region
            region = np.full(g, -1, dtype=np.int64)
            np.maximum.at(region, group, self.region)
        return Graph(
            m.indptr.astype(np.int64), m.indices.astype(np.int64), m.data, w, block, places, region
        )

    def with_cost(self, cost: FloatArray, *, block: bool = True) -> Graph:
        """The same graph with other cut costs (and without road blocks unless ``block``)."""
        return replace(self, cost=cost, block=self.block if block else None)

    def components(self) -> tuple[int, IntArray]:
        count, labels = connected_components(self._matrix(), directed=False)
        return int(count), labels.astype(np.int64)

    def _matrix(self) -> csr_matrix:
        return csr_matrix((self.cost, self.indices, self.indptr), shape=(self.n, self.n))


def unit_graph(units: Units, *, blocks: bool = True) -> Graph:
    """The graph of the faces: cut costs by barrier class, households as weights, the road
    block of each face (when ``blocks``) and where each face lies (the compactness term)."""
    cost = units.class_cost(class_costs())
    if units.open_land is not None:
        # between two pieces of large empty land a cut is cheap: the shape decides there
        src = np.repeat(np.arange(units.n), np.diff(units.indptr))
        both = units.open_land[src] & units.open_land[units.indices]
        cost = np.where(both, np.minimum(cost, OPEN_LAND_COST * units.shared), cost)
    return Graph(
        units.indptr,
        units.indices,
        cost,
        units.households,
        units.block if blocks else None,
        face_places(units),
        major_regions(units),
    )


def major_regions(units: Units) -> IntArray | None:
    """The region of each face: faces joined by edges that lie mostly off major barrier lines,
    so a major line running across the parent parts its regions and one ending inside does not
    (None without barrier classes)."""
    if units.shared_by_class is None:
        return None
    src = np.repeat(np.arange(units.n), np.diff(units.indptr))
    off = units.shared_by_class[:, CLASSES.index("major")] * 2.0 < units.shared
    m = csr_matrix(
        (np.ones(int(off.sum())), (src[off], units.indices[off])), shape=(units.n, units.n)
    )
    _, region = connected_components(m, directed=False)
    return region.astype(np.int64)


def face_places(units: Units) -> Places:
    """Area, centroid (relative to the faces' mean) and own polar moment of each face; the
    moment is a rectangle's of the face's bounding box, ``A·(w² + h²) / 12``."""
    x0 = float(units.x.mean()) if units.n else 0.0
    y0 = float(units.y.mean()) if units.n else 0.0
    bounds = shapely.bounds(units.geoms)
    w, h = bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]
    moment = units.area * (w * w + h * h) / 12.0
    hull = shapely.convex_hull(units.geoms)
    return Places(units.area, units.x - x0, units.y - y0, moment, np.asarray(hull, dtype=object))
