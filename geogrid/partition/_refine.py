"""The refinement's one objective, and the single-unit moves that lower it.

Every move the refinement makes between two parts (grids) of a unit graph is judged by one
objective, under hard constraints:

- **band first**: a move never leaves either part further outside the household band
  (``Repair.pen``); within that,
- **cut cost**: the length of boundary between parts, each metre at its edge's cost (a metre
  through a block costs 1, a metre along a barrier its class's cost, ``barriers.COST``), plus
- **compactness**: ``SHAPE_WEIGHT`` times each part's *excess* (m): how far its moment of
  inertia lies above a disc's of the same area, ``2π·I / A^1.5 - √A`` (0 for a disc, 0.05·√A
  for a square, 0.31·√A for a 2:1 strip). The excess does not care how large a part is, only
  how it is shaped, so empty land goes to whichever neighbour it rounds off rather than to
  one grid as a strip. It is counted for moves of empty land only: a building moves for the
  cut alone, because inertia prefers an L of three blocks to a bar of three, which is the
  opposite of what a planner (and the convexity figure, area / hull area) wants; tried on
  one street of synthetic Laoshan, basic convexity was 0.912 without the term and 0.907 /
  0.905 with it on building moves at weights 0.2 / 1.0.
- **convexity**: ``HULL_WEIGHT`` times each part's *concavity* (m), ``(H - A) / √H`` for a
  part of area A whose convex hull has area H (0 for a convex part; 0.27·s for an L of three
  s x s blocks, whose hull is 3.5·s²). It judges what the planner (and the report's
  convexity, A / H) judges, so a bar of three blocks beats an L of three, where inertia
  prefers the L. Hulls are dear to compute, so the term is counted only for exchanges of
  road-block pieces between two neighbouring grids (``_shape_moves``): an *arm* of one grid
  (a piece next to the other grid with what hangs on it alone) moved, or one arm of each
  swapped, which, unlike single moves, can change which blocks go together under a tight
  band. Exchanges start only from grids under 0.97 convexity. Weight 1 against 3 on all of
  synthetic Laoshan 1x: basic convexity 0.923 / 0.922, so the cheaper cut keeps the say.
  The last moves re-divide a few neighbouring grids together: a pair where one wraps around
  the other by a straight cut through their units (``_wrap_moves``), then pairs whose boundary
  runs through blocks, and wrapping pairs with a third neighbour, by a balanced minimum cut
  (``_recut``). They add a price per wrap and per unit of convexity lost, without which a cut
  through a block (1 per metre) never pays for the concavity it saves.
- hard constraints: every part stays one connected piece and keeps at least one unit;
  buildings are never split (a node is a building group).

A move is made only when it lowers the objective, so the refinement always stops.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
from numpy.typing import NDArray

from geogrid.partition._graph import Places

SHAPE_WEIGHT: Final = 0.2  # per metre of excess, against 1 per metre cut through a block
HULL_WEIGHT: Final = 1.0  # per metre of concavity, against 1 per metre cut through a block
PASSES: Final = 6  # sweeps over every unit at most
_EPS: Final = 1e-6
_TWO_PI: Final = 2.0 * math.pi

FloatArray = NDArray[np.float64]
Sums = tuple[float, float, float, float]  # area, Σ a·x, Σ a·y, Σ (moment + a·(x² + y²))


def excess(area: float, sx: float, sy: float, q: float) -> float:
    """The excess (m) of a union with these sums: 0 for a disc, larger the less compact."""
    if area <= 0.0:
        return 0.0
    inertia = q - (sx * sx + sy * sy) / area
    return max(0.0, _TWO_PI * inertia / area**1.5 - math.sqrt(area))


class PartShapes:
    """Per-part area sums, kept current as units move, so a move's change of excess is O(1)."""

    def __init__(self, places: Places, labels: list[int], k: int) -> None:
        area, x, y = places.area.tolist(), places.x.tolist(), places.y.tolist()
        moment = places.moment.tolist()
        self.unit: list[Sums] = [
            (a, a * xi, a * yi, m + a * (xi * xi + yi * yi))
            for a, xi, yi, m in zip(area, x, y, moment, strict=True)
        ]
        self.sums = [[0.0, 0.0, 0.0, 0.0] for _ in range(k)]
        for u, p in enumerate(labels):
            self.shift(self.unit[u], p, 1.0)

    def shift(self, s: Sums, p: int, sign: float) -> None:
        t = self.sums[p]
        for i in range(4):
            t[i] += sign * s[i]

    def of_nodes(self, nodes: list[int]) -> Sums:
        a = sx = sy = q = 0.0
        for u in nodes:
            s = self.unit[u]
            a, sx, sy, q = a + s[0], sx + s[1], sy + s[2], q + s[3]
        return a, sx, sy, q

    def delta(self, s: Sums, p: int, q: int) -> float:
        """Change of the summed excess when units with sums ``s`` move from part p to q."""
        tp, tq = self.sums[p], self.sums[q]
        before = excess(*tp) + excess(*tq)
        after = excess(tp[0] - s[0], tp[1] - s[1], tp[2] - s[2], tp[3] - s[3]) + excess(
            tq[0] + s[0], tq[1] + s[1], tq[2] + s[2], tq[3] + s[3]
        )
        return after - before


def concavity(area: FloatArray, hull: FloatArray) -> FloatArray:
    """Parts' concavity (m): ``(hull - area) / √hull`` for their areas and hull areas (m²);
    0 where the hull is empty."""
    area, hull = np.asarray(area, dtype=float), np.asarray(hull, dtype=float)
    return np.where(hull > 0, np.maximum(hull - area, 0.0) / np.sqrt(np.maximum(hull, 1e-12)), 0.0)


def move_gain(cut_delta: float, shape_delta: float) -> float:
    """The objective's change for a move that keeps both parts' band state (lower is better)."""
    return cut_delta + SHAPE_WEIGHT * shape_delta


def accepts(change: float) -> bool:
    return change < -_EPS
