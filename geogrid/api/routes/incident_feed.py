"""``/incidents/feed``: the live feed as server-sent events, for the caller's jurisdiction.

A client that reconnects sends ``Last-Event-ID`` (browsers' EventSource do it by themselves)
or ``?after=`` and gets every event it missed, in order, before the live ones.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from geogrid.api.access import PrincipalDep
from geogrid.api.feed import stream
from geogrid.api.incident_deps import FeedDep, within
from geogrid.errors import InputError
from geogrid.store._bind import MAX_ID

router = APIRouter(prefix="/incidents", tags=["incident feed"])


@router.get(
    "/feed",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
def feed(
    hub: FeedDep,
    principal: PrincipalDep,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
    after: Annotated[
        int | None, Query(ge=0, le=MAX_ID, description="resume after this event id")
    ] = None,
) -> StreamingResponse:
    """Every new incident event (report, import, each workflow transition) as ``event:
    incident`` with the event id, then the incident's ref, category, status, place and grid."""
    resume = after
    if last_event_id is not None:
        if not last_event_id.strip().isdigit() or int(last_event_id) > MAX_ID:
            raise InputError("Last-Event-ID must be an event id (digits)", field="Last-Event-ID")
        resume = int(last_event_id)
    return StreamingResponse(
        stream(hub, within=within(principal), last_id=resume),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
