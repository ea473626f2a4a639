"""``/maps/editor?plan=N`` starts loading the draft only for a caller whose key may edit plans
(planner, admin): the page is public, and a draft load is seconds of work and memory."""

from __future__ import annotations

import threading

from _api import ApiClient
from _draft_store import fill_store, partition_city

from geogrid.store import Store


def _warmed(client: object, plan_id: int) -> bool:
    """Whether the app holds the draft's session once any warm-up thread has ended."""
    for thread in threading.enumerate():
        if thread.name == f"draft-{plan_id}":
            thread.join(60)
    sessions = getattr(client.app.state, "draft_sessions", None)  # type: ignore[attr-defined]
    return sessions is not None and sessions._held(plan_id) is not None


def test_only_a_plan_editor_warms_a_draft(store: Store, api_client: ApiClient) -> None:
    plan_id = fill_store(store, partition_city())
    path = f"/maps/editor?plan={plan_id}"
    for role, key in (("viewer", False), ("viewer", True), ("dispatcher", True)):
        client = api_client(store, role=role, jurisdiction="370212", key=key)
        assert client.get(path).status_code in (200, 503)  # 503: the page is not built here
        assert not _warmed(client, plan_id), (role, key)
    wrong = api_client(store, role="viewer", key=False)
    assert wrong.get(path, headers={"X-API-Key": "gg_not-a-key"}).status_code in (200, 503)
    assert not _warmed(wrong, plan_id)
    planner = api_client(store, role="planner", jurisdiction="370212")
    assert planner.get(path).status_code in (200, 503)
    assert _warmed(planner, plan_id)
