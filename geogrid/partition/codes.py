"""Grid codes in the style of CJ/T 349 and DB11/T 2157: parent code + 3-digit sequence.

Sequences run west to east within rows, rows north to south, like reading a map.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
SEQUENCE_DIGITS = 3


def reading_order(x: NDArray[np.float64], y: NDArray[np.float64], *, area: float) -> IntArray:
    """Rank of each point in reading order: rows (north first) as tall as a typical grid."""
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    row_height = max(math.sqrt(area / n), 1e-6)
    row = np.floor((float(np.max(y)) - y) / row_height).astype(np.int64)
    order = np.lexsort((np.round(y, 3) * -1, np.round(x, 3), row))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return rank


def sequence_code(parent_code: str, seq: int) -> str:
    """``parent_code`` followed by a 1-based sequence number of three digits."""
    if seq < 1 or seq >= 10**SEQUENCE_DIGITS:
        raise ValueError(f"grid sequence {seq} does not fit {SEQUENCE_DIGITS} digits")
    return f"{parent_code}{seq:0{SEQUENCE_DIGITS}d}"
