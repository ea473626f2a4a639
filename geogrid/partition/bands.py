"""Household bands per grid level and area type: the one place to configure them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Band:
    """Households a grid should hold: ``lo`` to ``hi``, aiming at ``target``."""

    lo: int
    hi: int
    target: int

    def holds(self, households: float) -> bool:
        return self.lo <= households <= self.hi


# Basic grids: 300-500 households in urban communities (national practice; at most 2,500
# residents at 2.4-5 persons per household); about 300 in villages; rural and mountainous grids
# larger in area and smaller in households. Micro grids: "ten households, one head", 10-30.
BANDS: Final[dict[str, dict[str, Band]]] = {
    "urban_community": {
        "large": Band(1500, 4500, 3000),
        "medium": Band(800, 2000, 1200),
        "basic": Band(300, 500, 400),
        "micro": Band(10, 30, 20),
    },
    "village": {
        "large": Band(1000, 3600, 2000),
        "medium": Band(500, 1500, 900),
        "basic": Band(200, 400, 300),
        "micro": Band(10, 30, 20),
    },
    "general_rural": {
        "large": Band(800, 3000, 1600),
        "medium": Band(400, 1200, 700),
        "basic": Band(150, 350, 250),
        "micro": Band(10, 30, 20),
    },
    "mountainous": {
        "large": Band(600, 2400, 1200),
        "medium": Band(300, 1000, 500),
        "basic": Band(100, 300, 200),
        "micro": Band(10, 30, 20),
    },
}
DEFAULT_AREA_TYPE: Final = "urban_community"


def band_for(area_type: str | None, level: str) -> Band:
    """The band of ``level`` grids in a parent of ``area_type`` (urban when unknown)."""
    kind = area_type if area_type in BANDS else DEFAULT_AREA_TYPE
    return BANDS[kind][level]


@dataclass(frozen=True)
class Division:
    """How many grids a total gets, and why the band cannot be met when it cannot."""

    k: int
    feasible: bool
    reason: str = ""


def choose_k(total: int, band: Band) -> Division:
    """The grid count whose mean is nearest the target; the nearest valid one when none fits."""
    if total <= 0:
        return Division(1, False, "no households")
    if total < band.lo:
        return Division(1, False, f"{total} households, fewer than the band's {band.lo}")
    kmin, kmax = math.ceil(total / band.hi), total // band.lo
    if kmin <= kmax:
        k = min(max(round(total / band.target), kmin), kmax)
        return Division(k, True)
    # between two counts: take the one whose mean lies nearest the band
    low, high = kmax, kmin
    over = total / low / band.hi - 1 if low else math.inf
    under = 1 - total / high / band.lo
    k = low if over <= under else high
    reason = f"{total} households fit no whole number of grids within {band.lo}-{band.hi}"
    return Division(k, False, reason)
