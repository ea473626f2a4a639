"""Planted data on a regular lattice of grids: queen contiguity weights and block masks."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from libpysal.weights import lat2W


def queen(rows: int, cols: int) -> sp.csr_matrix:
    """Queen contiguity of a rows x cols lattice (cell r, c is index r * cols + c)."""
    return sp.csr_matrix(lat2W(rows, cols, rook=False).sparse)


def block(rows: int, cols: int, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
    """Boolean mask of the cells in rows r0..r1-1 and columns c0..c1-1."""
    mask = np.zeros((rows, cols), dtype=bool)
    mask[r0:r1, c0:c1] = True
    return mask.ravel()
