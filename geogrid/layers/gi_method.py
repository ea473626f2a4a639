"""How Gi* hot-spot bins are made, as numbers and as one legend line: the confidence levels,
the permutation floor against Benjamini-Hochberg (``permutations_for_fdr``, ``min_grids``) and
``method_text``. Pure Python (no numpy), so the store and the web pages can describe a stored
result without importing the analytics; see :mod:`geogrid.layers.hotspots` for the why.
"""

from __future__ import annotations

import math
from typing import Any, Final, Literal

from geogrid.errors import InputError

CONFIDENCE_LEVELS: Final = (0.90, 0.95, 0.99)
"""Confidence levels of the hot/cold bins: bin +-1, +-2, +-3 (ArcGIS's Gi_Bin)."""
LEVEL_NAMES: Final = tuple(f"{round(c * 100)}%" for c in CONFIDENCE_LEVELS)


Inference = Literal["normal", "permutation"]
INFERENCES: Final[tuple[Inference, ...]] = ("normal", "permutation")


def _alpha(confidence: float) -> float:
    """1 - confidence without the float residue (1 - 0.99 is 0.010000000000000009)."""
    return round(1.0 - confidence, 12)


def method_text(
    inference: str, fdr: bool, permutations: int, min_grids: tuple[int | None, ...] = (1, 1, 1)
) -> str:
    """The legend line of a hot-spot result (see :meth:`GiStar.method`)."""
    if inference == "permutation":
        text = f"Gi* {permutations:,} conditional permutations, pseudo p (two-sided)"
    else:
        text = "Gi* z-score, normal p (two-sided)"
    text += ", FDR (Benjamini-Hochberg)" if fdr else ", no FDR correction"
    limits = [
        f"{name} unreachable" if need is None else f"{name} needs {need} grids at the floor"
        for name, need in zip(LEVEL_NAMES, min_grids, strict=True)
        if need != 1
    ]
    return text + (f"; {', '.join(limits)}" if limits else "")


def permutations_for_fdr(n: int, confidence: float = max(CONFIDENCE_LEVELS)) -> int:
    """Fewest permutations whose p floor, 2 / (P + 1), lets one grid alone pass Benjamini-
    Hochberg over ``n`` grids at ``confidence`` (floor < (1 - confidence) / n), e.g. 100,200
    for 501 grids at 99%. Raises InputError for n < 1."""
    if n < 1:
        raise InputError("permutations_for_fdr needs at least one grid")
    return math.ceil(2 * n / _alpha(confidence))


def min_grids(n: int, floor: float, *, fdr: bool) -> tuple[int | None, ...]:
    """Per confidence level, the fewest of ``n`` grids that must share the smallest attainable
    p-value ``floor`` before any can pass: 1 when a lone grid can, None when none ever can
    (without FDR a level is out of reach only when the floor is not below alpha)."""
    out: list[int | None] = []
    for confidence in CONFIDENCE_LEVELS:
        alpha = _alpha(confidence)
        if not fdr:
            out.append(1 if floor < alpha else None)
            continue
        # BH passes k grids at the floor when floor <= k * alpha / n.
        need = max(1, math.ceil(n * floor / alpha - 1e-9))
        out.append(need if need <= n else None)
    return tuple(out)


def stored_method(params: dict[str, Any], summary: dict[str, Any]) -> str:
    """The legend line of a stored hot-spot result: its ``summary["method"]``, or for a result
    stored before geogrid recorded it (no ``inference`` in ``params``) the method it used then:
    2 * p_sim of ``params["permutations"]`` (normal p without permutations), under FDR when
    ``params["fdr"]``, with the floor's limits over ``summary["grids"]`` grids."""
    if summary.get("method"):
        return str(summary["method"])
    fdr = bool(params.get("fdr", True))
    permutations = int(params.get("permutations", 999))
    inference = str(params.get("inference", "permutation" if permutations else "normal"))
    floor = 2.0 / (permutations + 1) if inference == "permutation" else 0.0
    grids = int(summary.get("grids", 0))
    limits = min_grids(grids, floor, fdr=fdr) if grids else (1,) * len(CONFIDENCE_LEVELS)
    return method_text(inference, fdr, permutations, limits)
