"""A plan's digest: equal plans (codes, parents, households, buildings, WKB), equal digests."""

from __future__ import annotations

import hashlib
from typing import Any


def digest(grids: dict[str, Any]) -> str:
    """A hash of every level's codes, parents, households, buildings and WKB."""
    h = hashlib.sha256()
    for level in sorted(grids):
        frame = grids[level]
        h.update(level.encode())
        for col in ("code", "parent_code", "households", "buildings"):
            h.update("\x1f".join(map(str, frame[col].tolist())).encode())
        for wkb in frame.geometry.to_wkb():
            h.update(wkb)
    return h.hexdigest()[:16]
