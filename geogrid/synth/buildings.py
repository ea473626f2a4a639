"""Buildings: a collector, courtyard houses, free-standing non-residential buildings, and the
exact split of a community's households over its residential buildings."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from geogrid.synth._shapes import fit, lattice, rectangles
from geogrid.synth.plan import allocate
from geogrid.synth.tiling import Array

SETBACK = 10.0  # metres kept free along every road, river and community edge
M2_PER_HOUSEHOLD = 95.0
HOUSE_OFFSET = np.array([-2.0, 3.0])  # house and annex sit apart within their courtyard cell
ANNEX_OFFSET = np.array([6.5, -6.0])


@dataclass
class Parts:
    """Buildings of one community as they are made, and its residential compounds."""

    geoms: list[NDArray[np.object_]] = field(default_factory=list)
    levels: list[NDArray[np.int64]] = field(default_factory=list)
    weights: list[Array] = field(default_factory=list)  # household capacity, 0 if not residential
    use: list[NDArray[np.str_]] = field(default_factory=list)
    compound: list[NDArray[np.int64]] = field(default_factory=list)
    group: list[NDArray[np.int64]] = field(default_factory=list)  # 0 tower, 1 house, 2 other
    compounds: list[BaseGeometry] = field(default_factory=list)
    paths: list[BaseGeometry] = field(default_factory=list)  # walkways between split squares
    tower_share: float = 0.0  # the share of households that live in towers

    def add(
        self,
        geoms: NDArray[np.object_],
        levels: NDArray[np.int64],
        weights: Array,
        use: str,
        *,
        group: int,
        compound: int = -1,
    ) -> None:
        n = len(geoms)
        if n == 0:
            return
        self.geoms.append(np.asarray(geoms, dtype=object))
        self.levels.append(np.asarray(levels, dtype=np.int64))
        self.weights.append(np.asarray(weights, dtype=float))
        self.use.append(np.full(n, use, dtype=object))
        self.compound.append(np.full(n, compound, dtype=np.int64))
        self.group.append(np.full(n, group, dtype=np.int64))

    def raise_towers(self, extra: float, *, top: int = 33) -> None:
        """Add floors to the towers (up to ``top``) to hold ``extra`` households more: the
        land ran out before the households did."""
        cap = sum(float(w[g == 0].sum()) for w, g in zip(self.weights, self.group, strict=True))
        if cap <= 0:
            return
        factor = (cap + extra) / cap
        for k, (lv, g) in enumerate(zip(self.levels, self.group, strict=True)):
            towers = g == 0
            if not towers.any():
                continue
            new = np.minimum(top, np.ceil(lv * factor)).astype(np.int64)
            self.weights[k] = np.where(towers, self.weights[k] * new / lv, self.weights[k])
            self.levels[k] = np.where(towers, new, lv)

    def count(self, group: int) -> int:
        return int(sum((g == group).sum() for g in self.group))

    def occupied(self) -> shapely.STRtree:
        geoms = np.concatenate(self.geoms) if self.geoms else np.empty(0, dtype=object)
        return shapely.STRtree(geoms)

    def arrays(self) -> dict[str, np.ndarray]:
        if not self.geoms:
            return {
                "geometry": np.empty(0, dtype=object),
                "levels": np.empty(0, dtype=np.int64),
                "weights": np.empty(0),
                "use": np.empty(0, dtype=object),
                "compound": np.empty(0, dtype=np.int64),
                "group": np.empty(0, dtype=np.int64),
            }
        return {
            "geometry": np.concatenate(self.geoms),
            "levels": np.concatenate(self.levels),
            "weights": np.concatenate(self.weights),
            "use": np.concatenate(self.use),
            "compound": np.concatenate(self.compound),
            "group": np.concatenate(self.group),
        }


def courtyards(
    area: BaseGeometry,
    *,
    count: int,
    angle: float,
    spacing: float,
    hamlets: Array | None,
    radius: float,
    annex_share: float,
    levels: tuple[int, int],
    rng: np.random.Generator,
    parts: Parts,
) -> int:
    """Up to ``count`` houses, each with a courtyard and maybe an annex, clustered around the
    hamlet centres (or anywhere in ``area``). Returns how many houses were placed."""
    if count <= 0 or area.is_empty:
        return 0
    cells = lattice(area, angle=angle, dx=spacing, dy=spacing, rng=rng)
    if len(cells) == 0:
        return 0
    if hamlets is not None and len(hamlets):
        d = np.sqrt(((cells[:, None, :] - hamlets[None, :, :]) ** 2).sum(-1)).min(axis=1)
        score = d / radius + rng.normal(0.0, 0.25, len(cells))
    else:
        score = rng.random(len(cells))
    order = np.argsort(score, kind="stable")
    c, s = np.cos(angle), np.sin(angle)
    rot = np.array([[c, s], [-s, c]])
    chosen = np.empty(0, dtype=np.intp)
    for take in (4 * count + 50, len(order)):
        idx = order[:take]
        jitter = rng.uniform(-1.0, 1.0, size=(len(idx), 2))
        centre = cells[idx] + (HOUSE_OFFSET + jitter) @ rot
        width = rng.uniform(8.0, 11.0, len(idx))
        depth = rng.uniform(6.5, 9.0, len(idx))
        houses = rectangles(centre, width, depth, angle)
        ok = fit(area, houses)
        chosen = np.flatnonzero(ok)[:count]
        if len(chosen) >= count or take >= len(order):
            break
    if len(chosen) == 0:
        return 0
    lv = rng.choice(np.arange(levels[0], levels[1] + 1), size=len(chosen), p=_level_p(levels))
    parts.add(
        houses[chosen], lv, rng.choice([1.0, 1.0, 2.0], size=len(chosen)), "residential", group=1
    )
    with_annex = chosen[rng.random(len(chosen)) < annex_share]
    if len(with_annex):
        base = cells[idx[with_annex]]
        annex = rectangles(base + ANNEX_OFFSET @ rot, 4.5, 6.0, angle)
        keep = fit(area, annex)
        parts.add(
            annex[keep],
            np.ones(int(keep.sum()), dtype=np.int64),
            np.zeros(int(keep.sum())),
            "auxiliary",
            group=2,
        )
    return len(chosen)


def _level_p(levels: tuple[int, int]) -> NDArray[np.float64]:
    n = levels[1] - levels[0] + 1
    p = 0.55 ** np.arange(n)
    return np.asarray(p / p.sum())


def place_free(
    area: BaseGeometry,
    *,
    use: str,
    size: tuple[float, float],
    levels: tuple[int, int],
    count: int,
    angle: float,
    near: Array,
    rng: np.random.Generator,
    parts: Parts,
) -> None:
    """Up to ``count`` non-residential buildings on free land of ``area``, nearest ``near``."""
    if count <= 0 or area.is_empty:
        return
    w, d = size
    spots = lattice(area, angle=angle, dx=w + 20.0, dy=d + 20.0, rng=rng)
    if len(spots) == 0:
        return
    spots = spots[np.argsort(np.hypot(*(spots - near).T), kind="stable")[: 60 * count]]
    rects = rectangles(spots, w, d, angle)
    ok = fit(area, rects)
    if parts.geoms:
        tree = parts.occupied()
        hit, _ = tree.query(shapely.buffer(rects, 4.0), predicate="intersects")
        ok[hit] = False
    pick = np.flatnonzero(ok)[:count]
    lv = rng.integers(levels[0], levels[1] + 1, len(pick))
    parts.add(rects[pick], lv, np.zeros(len(pick)), use, group=2)


def settle_households(
    arrays: dict[str, np.ndarray], total: int, tower_share: float
) -> NDArray[np.int64]:
    """Give a community's ``total`` households to its residential buildings, exactly: towers
    get ``tower_share`` of them by capacity, houses the rest, one or two each where they can."""
    group, weights = arrays["group"], arrays["weights"]
    out = np.zeros(len(group), dtype=np.int64)
    towers = np.flatnonzero(group == 0)
    houses = np.flatnonzero(group == 1)
    if len(towers) == 0:
        tower_total = 0
    elif len(houses) == 0:
        tower_total = total
    else:
        tower_total = max(round(total * tower_share), len(towers))
        tower_total = min(tower_total, total - len(houses)) if total > len(houses) else total
    if len(towers):
        out[towers] = allocate(tower_total, weights[towers], minimum=1)
    if len(houses):
        out[houses] = allocate(total - tower_total, weights[houses], minimum=1)
    return out


def fallback_building(area: BaseGeometry, parts: Parts) -> None:
    """One small house where nothing else fitted, so no community's households are homeless."""
    spot = shapely.get_coordinates(area.representative_point())
    for side in (10.0, 6.0, 3.0, 1.0):
        rect = rectangles(spot, side, side, 0.0)
        if fit(area, rect).all():
            break
    parts.add(rect, np.array([2]), np.array([1.0]), "residential", group=1)
