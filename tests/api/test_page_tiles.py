"""Tiles the pages need, on both stores: a draft's units for the editor (right after an edit,
undo and redo) and the incidents counted per cell for the big screen's district heat map."""

from __future__ import annotations

from typing import Any

import mapbox_vector_tile
import morecantile
import shapely
from _api import ApiClient
from _city import build_city
from _draft_city import EAST_CODE, WEST_CODE
from _draft_store import fill_store, partition_city, write_district
from fastapi.testclient import TestClient
from shapely.geometry import shape

from geogrid.store import Store

WEB_MERCATOR = morecantile.tms.get("WebMercatorQuad")
B1, B2 = WEST_CODE + "001", WEST_CODE + "002"


def _tile(
    client: TestClient, collection: str, lon: float, lat: float, z: int, v: int = 0
) -> list[Any]:
    """The features of the tile at ``lon``, ``lat``; ``v`` the draft version, in the URL as the
    editor puts it after an edit."""
    t = WEB_MERCATOR.tile(lon, lat, z)
    suffix = f"?v={v}" if v else ""
    answer = client.get(f"/collections/{collection}/tiles/WebMercatorQuad/{z}/{t.y}/{t.x}{suffix}")
    if answer.status_code == 204:
        return []
    assert answer.status_code == 200, answer.text
    decoded = mapbox_vector_tile.decode(answer.content)
    return list(decoded[collection]["features"]) if decoded else []


def _unit(
    client: TestClient, plan: int, unit: int, lon: float, lat: float, v: int = 0
) -> dict[str, Any]:
    features = _tile(client, f"plan-{plan}-units", lon, lat, 16, v)
    (found,) = [f for f in features if f["id"] == unit]
    return dict(found["properties"])


def test_unit_tiles_follow_each_edit_undo_and_redo(store: Store, api_client: ApiClient) -> None:
    plan = fill_store(store, partition_city())
    write_district(store)  # the planners' jurisdiction: tiles are cut to its polygon
    planner = api_client(store, role="planner", jurisdiction="370212")
    units = planner.get(f"/plans/{plan}/units").json()["features"]
    b2 = shapely.union_all(
        [shape(f["geometry"]) for f in units if f["properties"]["micro_code"].startswith(B2)]
    )
    feature = next(
        f
        for f in units
        if f["properties"]["micro_code"].startswith(B1)
        and shape(f["geometry"]).intersection(b2).length > 0
    )
    unit, centre = int(feature["properties"]["unit_id"]), shape(feature["geometry"]).centroid
    first = _unit(planner, plan, unit, centre.x, centre.y)
    # one cell of one building: 8 households; cx, cy its centroid (what the lasso tests)
    assert first["unit_id"] == unit and first["households"] == 8 and first["buildings"] == 1
    assert first["micro_code"] == feature["properties"]["micro_code"]
    assert abs(first["cx"] - centre.x) < 1e-9 and abs(first["cy"] - centre.y) < 1e-9

    def write(path: str, version: int, **body: Any) -> None:
        answer = planner.post(
            f"/plans/{plan}/{path}", json=body or None, headers={"If-Match": f'"{plan}.{version}"'}
        )
        assert answer.status_code == 200, answer.text

    write("edits", 0, op="move", units=[unit], to=B2)
    # asked for at once after each answer (no wait for PostgreSQL's NOTIFY), as the editor does
    assert _unit(planner, plan, unit, centre.x, centre.y, 1)["micro_code"].startswith(B2)
    write("undo", 1)
    assert _unit(planner, plan, unit, centre.x, centre.y, 2)["micro_code"] == first["micro_code"]
    write("redo", 2)
    assert _unit(planner, plan, unit, centre.x, centre.y, 3)["micro_code"].startswith(B2)
    # below zoom 14 there are no unit tiles; a planner of the east community sees no west unit
    t = WEB_MERCATOR.tile(centre.x, centre.y, 13)
    assert planner.get(f"/collections/plan-{plan}-units/tiles/WebMercatorQuad/13/{t.y}/{t.x}").status_code == 404  # fmt: skip
    east = api_client(store, role="planner", jurisdiction=EAST_CODE)
    assert _tile(east, f"plan-{plan}-units", centre.x, centre.y, 16) == []


def test_incident_density_counts_every_incident_of_the_district_once(
    store: Store, api_client: ApiClient
) -> None:
    build_city(store)
    viewer = api_client(store)
    # zoom 10: one tile holds the whole test district (120.40-120.48 E); of the 31 incidents,
    # the one at 120.50 E lies outside the district, the caller's jurisdiction
    features = _tile(viewer, "incident_density", 120.44, 36.10, 10)
    counts = [int(f["properties"]["count"]) for f in features]
    assert sum(counts) == 30
    # the west street's 20 incidents lie 0.0035 degrees apart, cells are 0.0055 wide: some
    # cells hold two
    assert len(counts) < 30 and max(counts) >= 2
    # from zoom 12 the screen draws the incidents themselves; density tiles stop at 11
    t = WEB_MERCATOR.tile(120.44, 36.10, 5)
    assert viewer.get(f"/collections/incident_density/tiles/WebMercatorQuad/5/{t.y}/{t.x}").status_code == 404  # fmt: skip
