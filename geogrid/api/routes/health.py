"""``/health``: is the store reachable, and what does it hold."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from geogrid.api.deps import StoreDep
from geogrid.store import layer_counts

router = APIRouter(tags=["health"])


@router.get("/health")
def health(store: StoreDep, request: Request) -> dict[str, Any]:
    """The store kind, the feature count of every layer, and ``warm``: whether this process
    has ended its start-up warm-up (KPI answers and the first tiles; a readiness check for a
    load balancer). It serves requests either way, slower until then."""
    kpis = getattr(request.app.state, "kpis", None)
    return {
        "status": "ok",
        "store": store.kind,
        "warm": kpis is None or kpis.warmed.is_set(),
        "counts": layer_counts(store.engine),
    }
