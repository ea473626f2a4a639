"""Fill one community's blocks with compounds and buildings (metric CRS).

Urban communities: residential compounds of towers (near the core) or slabs (further out), some
low-rise old-village houses toward the fringe, schools, hospitals, offices and industry.
Villages: hamlets of courtyard houses (1-3 levels, one or two households), a school, workshops.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from geogrid.synth._shapes import fit, lattice, rectangles, split
from geogrid.synth.buildings import (
    M2_PER_HOUSEHOLD,
    Parts,
    courtyards,
    fallback_building,
    place_free,
    settle_households,
)
from geogrid.synth.paths import gap_lines
from geogrid.synth.tiling import sample_points

HOUSEHOLDS_PER_HOUSE = {
    "urban_community": 1.4,
    "village": 1.35,
    "general_rural": 1.3,
    "mountainous": 1.25,
}
ANNEX_SHARE = {"urban_community": 0.2, "village": 0.55, "general_rural": 0.6, "mountainous": 0.6}
# (use, footprint width and depth, levels) of non-residential compounds
URBAN_OTHER = {
    "school": ((60.0, 16.0), (3, 5)),
    "hospital": ((50.0, 30.0), (6, 15)),
    "office": ((35.0, 25.0), (8, 25)),
    "commercial": ((40.0, 30.0), (2, 6)),
    "industrial": ((70.0, 40.0), (1, 3)),
}


def inner_blocks(land: NDArray[np.object_]) -> NDArray[np.object_]:
    """The pieces of buildable land big enough for a house."""
    return np.asarray(land[shapely.area(land) > 400.0], dtype=object)


def _tower_kind(q: float, rng: np.random.Generator) -> tuple[float, float, float, float, int, int]:
    """Footprint width, depth, gaps along and across, and level range for a compound at
    relative distance ``q`` from the core."""
    k = q + rng.normal(0.0, 0.15)
    if k < 0.35:
        return rng.uniform(20, 30), rng.uniform(20, 30), 25.0, 35.0, 18, 33
    if k < 0.8:
        return rng.uniform(45, 70), rng.uniform(12, 16), 15.0, 30.0, 8, 18
    return rng.uniform(30, 50), rng.uniform(11, 14), 12.0, 22.0, 6, 9


def _towers(
    compound: BaseGeometry, q: float, angle: float, rng: np.random.Generator
) -> tuple[NDArray[np.object_], NDArray[np.int64], NDArray[np.float64]]:
    w, d, gx, gy, lo, hi = _tower_kind(q, rng)
    centers = lattice(compound, angle=angle, dx=w + gx, dy=d + gy, rng=rng)
    rects = rectangles(centers, w, d, angle)
    rects = rects[fit(compound, rects)]
    levels = rng.integers(lo, hi + 1, len(rects))
    return rects, levels, np.asarray(levels * w * d * 0.75 / M2_PER_HOUSEHOLD, dtype=float)


def fill_urban(
    faces: NDArray[np.object_],
    households: int,
    *,
    q: float,
    angle: float,
    lowrise_cap: float,
    rng: np.random.Generator,
) -> Parts:
    """Compounds and buildings of an urban community; ``q`` is its distance from the core
    relative to the urban reach (0 in the core, about 1 at the fringe); at most ``lowrise_cap``
    of its households live in low-rise old-village houses."""
    parts = Parts()
    pieces: list[BaseGeometry] = []
    for piece in inner_blocks(faces):
        if piece.area > 80_000:
            size = rng.uniform(200, 260)
            squares, centres = split(piece, angle=angle, size=size, gap=8.0, rng=rng)
            pieces.extend(squares)
            walkways = shapely.intersection(gap_lines(centres, size, angle), piece)
            parts.paths.extend(shapely.get_parts(walkways[~shapely.is_empty(walkways)]))
        else:
            pieces.append(piece)
    compounds = [p for p in pieces if p.area >= 2_500]
    order = [int(i) for i in rng.permutation(len(compounds))]
    lowrise_share = float(np.clip(0.6 * (q - 0.15), 0.0, lowrise_cap))
    lowrise = round(households * lowrise_share)
    need = float(households - lowrise)
    free: list[int] = []
    for idx in order:
        if need <= 0:
            free.append(idx)
            continue
        rects, levels, cap = _towers(compounds[idx], q, angle, rng)
        if len(rects) == 0:
            free.append(idx)
            continue
        take = min(int(np.searchsorted(np.cumsum(cap), need)) + 1, len(rects))
        parts.compounds.append(compounds[idx])
        parts.add(
            rects[:take],
            levels[:take],
            cap[:take],
            "residential",
            group=0,
            compound=len(parts.compounds) - 1,
        )
        need -= float(cap[:take].sum())
    if need > 0:
        parts.raise_towers(need)
    houses = math.ceil(lowrise / HOUSEHOLDS_PER_HOUSE["urban_community"])
    rest: list[int] = []
    for idx in free:
        if houses <= 0:
            rest.append(idx)
            continue
        houses -= courtyards(
            compounds[idx],
            count=houses,
            angle=angle,
            spacing=20.0,
            hamlets=None,
            radius=1.0,
            annex_share=ANNEX_SHARE["urban_community"],
            levels=(1, 3),
            rng=rng,
            parts=parts,
        )
    _urban_others([compounds[i] for i in rest], households, q, angle, rng, parts)
    if parts.count(0) + parts.count(1) == 0:
        fallback_building(_largest(faces), parts)
    placed = round(parts.count(1) * HOUSEHOLDS_PER_HOUSE["urban_community"])
    parts.tower_share = 1.0 - min(lowrise, placed) / households if households else 1.0
    return parts


def _urban_others(
    compounds: list[BaseGeometry],
    households: int,
    q: float,
    angle: float,
    rng: np.random.Generator,
    parts: Parts,
) -> None:
    schools = int(households / 3000 + rng.random())
    hospital = int(rng.random() < households / 12000)
    for compound in compounds:
        if schools > 0:
            use, schools = "school", schools - 1
        elif hospital > 0:
            use, hospital = "hospital", 0
        elif rng.random() < 0.45:
            use = rng.choice(["office", "commercial"]) if q < 0.6 else "industrial"
        else:
            continue  # a park or open ground
        (w, d), levels = URBAN_OTHER[str(use)]
        count = int(rng.integers(1, 5))
        near = shapely.get_coordinates(compound.centroid)[0]
        place_free(
            compound,
            use=str(use),
            size=(w, d),
            levels=levels,
            count=count,
            angle=angle,
            near=near,
            rng=rng,
            parts=parts,
        )


def fill_rural(
    faces: NDArray[np.object_],
    households: int,
    *,
    area_type: str,
    angle: float,
    rng: np.random.Generator,
) -> Parts:
    """Hamlets of courtyard houses, perhaps a school and workshops, for a village."""
    parts = Parts()
    land = shapely.union_all(inner_blocks(faces))
    houses = math.ceil(households / HOUSEHOLDS_PER_HOUSE[area_type])
    if not land.is_empty and houses > 0:
        n_hamlets = int(np.clip(houses // 120 + 1 + (area_type == "mountainous"), 1, 8))
        pts, _ = sample_points(land, n=200, rng=rng)
        hamlets = pts[rng.choice(len(pts), size=min(n_hamlets, len(pts)), replace=False)]
        radius = 24.0 * math.sqrt(1.6 * houses / len(hamlets) / math.pi) + 24.0
        courtyards(
            land,
            count=houses,
            angle=angle + rng.normal(0.0, 0.05),
            spacing=24.0,
            hamlets=hamlets,
            radius=radius,
            annex_share=ANNEX_SHARE[area_type],
            levels=(1, 3),
            rng=rng,
            parts=parts,
        )
        near = hamlets[0]
        if households > 250 and rng.random() < 0.6:
            place_free(
                land,
                use="school",
                size=(45.0, 15.0),
                levels=(2, 4),
                count=1,
                angle=angle,
                near=near,
                rng=rng,
                parts=parts,
            )
        if area_type != "mountainous" and rng.random() < 0.35:
            place_free(
                land,
                use="industrial",
                size=(50.0, 30.0),
                levels=(1, 2),
                count=int(rng.integers(1, 5)),
                angle=angle,
                near=hamlets[-1],
                rng=rng,
                parts=parts,
            )
    if parts.count(1) == 0:
        fallback_building(_largest(faces) if land.is_empty else land, parts)
    return parts


def _largest(land: NDArray[np.object_]) -> BaseGeometry:
    return land[int(np.argmax(shapely.area(land)))]


def households_of(parts: Parts, households: int) -> dict[str, np.ndarray]:
    """The community's buildings as arrays, with households settled exactly."""
    arrays = parts.arrays()
    arrays["households"] = settle_households(arrays, households, parts.tower_share)
    return arrays
