"""``/health``: is the store reachable, and what does it hold."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from geogrid.api.deps import StoreDep
from geogrid.store import layer_counts

router = APIRouter(tags=["health"])


@router.get("/health")
def health(store: StoreDep) -> dict[str, Any]:
    """The store kind and the feature count of every layer."""
    return {"status": "ok", "store": store.kind, "counts": layer_counts(store.engine)}
