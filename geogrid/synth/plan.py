"""The layout of a synthetic district: an urban core, street and community areas, area types and
households per community. Everything here is in a metric CRS and driven by one random generator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from geogrid.synth.tiling import Array, sample_points, tile

VILLAGE_AREA_WEIGHT = 7.0  # a village covers about seven times the land of an urban community
AREA_TYPE_HOUSEHOLD_WEIGHT = {
    "urban_community": 1.0,
    "village": 1.0,
    "general_rural": 0.75,
    "mountainous": 0.45,
}


def allocate(total: int, weights: Array, *, minimum: int = 0) -> NDArray[np.int64]:
    """Split an integer ``total`` in proportion to ``weights`` exactly (largest remainder)."""
    weights = np.asarray(weights, dtype=float)
    n = len(weights)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    base = np.full(n, minimum if total >= minimum * n else 0, dtype=np.int64)
    rest = total - int(base.sum())
    share = weights / weights.sum() * rest if weights.sum() > 0 else np.full(n, rest / n)
    whole = np.floor(share).astype(np.int64)
    left = rest - int(whole.sum())
    order = np.lexsort((np.arange(n), -(share - whole)))
    whole[order[:left]] += 1
    return base + whole


def choose_core(domain: BaseGeometry, rng: np.random.Generator) -> Array:
    """The urban core: a random point of the largest part, well inside it."""
    parts = shapely.get_parts(domain)
    main = parts[int(np.argmax(shapely.area(parts)))]
    inner = main.buffer(-0.15 * np.sqrt(main.area))
    pick = inner if not inner.is_empty and inner.area > 0.02 * main.area else main
    pts, _ = sample_points(pick, n=400, rng=rng)
    return np.asarray(pts[rng.integers(len(pts))], dtype=float)


def _initial_centers(
    domain: BaseGeometry, targets: Array, core: Array, rng: np.random.Generator
) -> Array:
    """Sites spread outward from the core in the given order, in bands of their target area."""
    pts, _ = sample_points(domain, n=max(40 * len(targets), 200), rng=rng)
    dist = np.hypot(pts[:, 0] - core[0], pts[:, 1] - core[1])
    pts = pts[np.argsort(dist, kind="stable")]
    edges = np.concatenate([[0.0], np.cumsum(targets) / targets.sum()]) * len(pts)
    centers = np.empty((len(targets), 2))
    for i in range(len(targets)):
        lo = int(edges[i])
        hi = max(int(edges[i + 1]), lo + 1)
        centers[i] = pts[min(int(rng.integers(lo, hi)), len(pts) - 1)]
    # identical sites would share one cell: nudge duplicates apart
    centers += rng.normal(0.0, 1.0, size=centers.shape)
    return centers


def lay_out_streets(
    domain: BaseGeometry,
    streets: pd.DataFrame,
    communities: pd.DataFrame,
    core: Array,
    rng: np.random.Generator,
) -> list[BaseGeometry]:
    """One area per street (in ``streets`` order): urban streets near the core, rural ones out."""
    kind_weight = np.where(communities["area_kind"] == "urban", 1.0, VILLAGE_AREA_WEIGHT)
    area = pd.Series(kind_weight, index=communities.index).groupby(communities["street_code"]).sum()
    urban = (communities["area_kind"] == "urban").groupby(communities["street_code"]).mean()
    targets = np.array([area.get(c, 1.0) for c in streets["code"]], dtype=float)
    targets *= rng.lognormal(0.0, 0.15, size=len(targets))
    urbanness = np.array([urban.get(c, 0.0) for c in streets["code"]])
    order = np.lexsort((rng.random(len(targets)), -urbanness))
    centers = np.empty((len(targets), 2))
    centers[order] = _initial_centers(domain, targets[order], core, rng)
    return tile(domain, targets, centers, rng=rng, samples_per_cell=150)


def lay_out_communities(
    street: BaseGeometry,
    members: pd.DataFrame,
    core: Array,
    reach: float,
    rng: np.random.Generator,
) -> list[BaseGeometry]:
    """One area per community of a street: urban ones small and toward the core, villages large."""
    urban = (members["area_kind"] == "urban").to_numpy()
    kind_weight = np.where(urban, 1.0, VILLAGE_AREA_WEIGHT) * rng.lognormal(0.0, 0.3, len(members))
    order = np.lexsort((rng.random(len(members)), ~urban))
    centers = np.empty((len(members), 2))
    centers[order] = _initial_centers(street, kind_weight[order], core, rng)
    dist = np.hypot(centers[:, 0] - core[0], centers[:, 1] - core[1])
    targets = kind_weight * (0.35 + 1.3 * np.clip(dist / reach, 0.0, 1.5))
    return tile(street, targets, centers, rng=rng, samples_per_cell=60)


def area_types(
    kinds: pd.Series, centroids: Array, core: Array, rng: np.random.Generator
) -> list[str]:
    """urban_community for communities; villages far from the core become mountainous or
    general_rural (the farthest 30 % and the next 20 %, with some noise)."""
    dist = np.hypot(centroids[:, 0] - core[0], centroids[:, 1] - core[1])
    dist = dist * rng.lognormal(0.0, 0.15, size=len(dist))
    out = ["urban_community" if k == "urban" else "village" for k in kinds]
    villages = np.flatnonzero(kinds.to_numpy() == "village")
    if len(villages) >= 4:
        rank = np.argsort(np.argsort(-dist[villages], kind="stable"), kind="stable")
        share = rank / len(villages)
        for idx, s in zip(villages, share, strict=True):
            if s < 0.3:
                out[idx] = "mountainous"
            elif s < 0.5:
                out[idx] = "general_rural"
    return out


def community_households(
    total: int, area_type: list[str], urban_share: float, rng: np.random.Generator
) -> NDArray[np.int64]:
    """Households per community, adding up to ``total`` exactly."""
    kinds = np.array(area_type)
    urban = kinds == "urban_community"
    if urban.all() or not urban.any():
        urban_share = 1.0 if urban.all() else 0.0
    out = np.zeros(len(kinds), dtype=np.int64)
    urban_total = round(total * urban_share)
    noise = rng.lognormal(0.0, 0.35, size=len(kinds))
    if urban.any():
        out[urban] = allocate(urban_total, noise[urban], minimum=1)
    if (~urban).any():
        weights = np.array([AREA_TYPE_HOUSEHOLD_WEIGHT[k] for k in kinds[~urban]]) * noise[~urban]
        out[~urban] = allocate(total - urban_total, weights, minimum=1)
    return out
