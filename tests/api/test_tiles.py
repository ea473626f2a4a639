"""Vector tiles over HTTP on SpatiaLite and PostGIS: decoded with mapbox-vector-tile and checked
feature by feature (ids, attributes, per-grid statistics), gzip, 204, ETag/304, the
jurisdiction of the caller, and which tiles an edit makes stale."""

from __future__ import annotations

import gzip
import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import mapbox_vector_tile
import morecantile
import pytest
from _api import ApiClient
from _tiles_data import (
    A1,
    A2,
    B1,
    B2,
    BUILDINGS,
    EAST,
    GRID_BOXES,
    NORTH,
    SOUTH,
    STRADDLING,
    STREET_A,
    STREET_B,
    WEST,
    District,
    fill,
)
from fastapi.testclient import TestClient
from shapely.geometry import box

from geogrid.store import Store
from geogrid.store.versions import bump_data_version, plan_layer

MVT = "application/vnd.mapbox-vector-tile"
Tile = tuple[int, int, int]
WEB_MERCATOR = morecantile.tms.get("WebMercatorQuad")


@pytest.fixture
def district(store: Store) -> tuple[Store, District]:
    return store, fill(store)


def _url(collection: str, z: int, y: int, x: int, tms: str = "WebMercatorQuad") -> str:
    return f"/collections/{collection}/tiles/{tms}/{z}/{y}/{x}"


def _decode(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MVT
    # httpx undoes the gzip; the header says it was sent compressed
    assert response.headers["content-encoding"] == "gzip"
    decoded: dict[str, Any] = mapbox_vector_tile.decode(response.content)
    return decoded


def _features(
    client: TestClient, collection: str, tile: tuple[int, int, int] = STRADDLING
) -> list[dict[str, Any]]:
    response = client.get(_url(collection, *tile))
    if response.status_code == 204:
        return []
    features: list[dict[str, Any]] = _decode(response)[collection]["features"]
    return features


def test_grid_tile_carries_ids_and_statistics(
    district: tuple[Store, District], api_client: ApiClient
) -> None:
    store, data = district
    client = api_client(store)
    features = {f["properties"]["code"]: f for f in _features(client, "basic_grids")}
    assert set(features) == {A1, A2, B1, B2}
    assert {code: f["id"] for code, f in features.items()} == data.grid_ids
    a1, b1, a2 = features[A1]["properties"], features[B1]["properties"], features[A2]["properties"]
    assert (a1["households"], a1["incidents"], a1["incidents_open"], a1["incidents_overdue"]) == (
        400,
        3,
        2,
        1,
    )
    assert a1["settlement_rate"] == pytest.approx(1 / 3)
    assert (b1["households"], b1["incidents"], b1["incidents_open"], b1["incidents_overdue"]) == (
        420,
        1,
        0,
        0,
    )
    assert b1["settlement_rate"] == pytest.approx(1.0)
    assert (a2["incidents"], a2["incidents_open"], a2["incidents_overdue"]) == (0, 0, 0)
    assert "settlement_rate" not in a2  # no accepted incident: no rate
    assert a1["parent_code"] == A1[:12] and a1["level"] == "basic"


def test_the_same_plan_by_id_and_in_cgcs2000(
    district: tuple[Store, District], api_client: ApiClient
) -> None:
    store, data = district
    client = api_client(store)
    by_id = f"plan-{data.plan_id}-basic_grids"
    assert {f["properties"]["code"] for f in _features(client, by_id)} == {A1, A2, B1, B2}
    # CGCS2000Quad: 2 x 1 tiles at zoom 0, so zoom 13 is 2**14 columns of 360/16384 degrees
    col, row = int((120.44 + 180) / (360 / 2**14)), int((90 - 36.13) / (180 / 2**13))
    response = client.get(_url("basic_grids", 13, row, col, tms="CGCS2000Quad"))
    codes = {f["properties"]["code"] for f in _decode(response)["basic_grids"]["features"]}
    assert codes == {A1, A2, B1, B2}


def test_boundary_and_building_ids(district: tuple[Store, District], api_client: ApiClient) -> None:
    store, _ = district
    client = api_client(store)
    streets = {f["id"]: f["properties"]["name"] for f in _features(client, "streets")}
    assert streets == {int(STREET_A): "中韩街道", int(STREET_B): "沙子口街道"}
    buildings = {f["properties"]["building_id"]: f["id"] for f in _features(client, "buildings")}
    md5_52 = {b: int(hashlib.md5(b.encode()).hexdigest()[:13], 16) for b in ("bld-B1", "bld-B2")}
    assert buildings == {"1001": 1001, **md5_52}


def test_empty_tile_is_204_and_below_minzoom_404(
    district: tuple[Store, District], api_client: ApiClient
) -> None:
    store, _ = district
    client = api_client(store)
    far = client.get(_url("basic_grids", 14, 8000, 8000))
    assert far.status_code == 204 and far.content == b"" and far.headers["etag"]
    low = client.get(_url("buildings", 10, 401, 854))
    assert low.status_code == 404 and "zoom 13" in low.json()["detail"]
    unknown = client.get(_url("lakes", 14, *STRADDLING[1:]))
    assert unknown.status_code == 404
    outside = client.get(_url("basic_grids", 3, 9, 0))
    assert outside.status_code == 404


def test_repeated_tiles_come_from_the_cache_with_the_same_answer(
    district: tuple[Store, District], api_client: ApiClient
) -> None:
    store, _ = district
    for client in (api_client(store), api_client(store, key=False, anonymous_read=True)):
        url = _url("basic_grids", *STRADDLING)
        answers = [client.get(url) for _ in range(3)]
        cache = client.app.state.tiles.cache  # type: ignore[attr-defined]
        assert (cache.builds, cache.hits) == (1, 2)
        first = {k: v for k, v in answers[0].headers.items() if k != "date"}
        for later in answers[1:]:
            assert later.content == answers[0].content
            assert {k: v for k, v in later.headers.items() if k != "date"} == first
        assert client.get(url, headers={"If-None-Match": first["etag"]}).status_code == 304


def test_gzip_only_when_accepted(district: tuple[Store, District], api_client: ApiClient) -> None:
    store, _ = district
    client = api_client(store)
    url = _url("basic_grids", *STRADDLING)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert zipped.content == plain.content  # httpx decompressed the first
    assert zipped.headers["etag"] == plain.headers["etag"]
    raw = client.get(url, headers={"Accept-Encoding": "gzip"}).extensions.get("raw")
    assert raw is None or gzip.decompress(raw) == plain.content


def test_etag_and_304(district: tuple[Store, District], api_client: ApiClient) -> None:
    store, _ = district
    client = api_client(store)
    url = _url("basic_grids", *STRADDLING)
    first = client.get(url)
    etag = first.headers["etag"]
    assert etag.startswith('"') and first.headers["cache-control"] == "private, no-cache"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    weak = client.get(url, headers={"If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304
    other = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200
    streets = client.get(_url("streets", *STRADDLING))
    assert streets.headers["cache-control"] == "private, max-age=300"


def _tiles_over_district(z: int) -> list[tuple[int, int, int]]:
    return [(t.z, t.y, t.x) for t in WEB_MERCATOR.tiles(WEST, SOUTH, EAST, NORTH, [z])]


def _touches(tile: tuple[int, int, int], grid: str) -> bool:
    z, y, x = tile
    b = WEB_MERCATOR.bounds(x, y, z)
    pad_x, pad_y = (b.right - b.left) * 64 / 4096, (b.top - b.bottom) * 64 / 4096
    area = box(b.left - pad_x, b.bottom - pad_y, b.right + pad_x, b.top + pad_y)
    return area.intersects(box(*GRID_BOXES[grid]))


def _settled(client: TestClient, store: Store) -> None:
    """Wait until the server has heard of the last write (PostGIS: the NOTIFY arrives when the
    write commits, on the listening thread; SpatiaLite: checked on every request)."""
    want = store.data_versions()
    for _ in range(200):
        if dict(client.app.state.tiles.versions.current()) == want:  # type: ignore[attr-defined]
            return
        time.sleep(0.01)
    raise AssertionError(f"the tile service never saw versions {want}")


def _changed_tiles(client: TestClient, store: Store, change: Callable[[], None]) -> set[Tile]:
    """The z15 tiles over the district whose ETag ``change`` changes (and that the server had
    to build again)."""
    tiles = _tiles_over_district(15)

    def etags() -> dict[Tile, str]:
        return {t: client.get(_url("basic_grids", *t)).headers["etag"] for t in tiles}

    before = etags()
    cache = client.app.state.tiles.cache  # type: ignore[attr-defined]
    built = cache.builds
    change()
    _settled(client, store)
    after = etags()
    changed = {t for t in tiles if before[t] != after[t]}
    assert 0 < len(changed) < len(tiles)
    # the server rebuilt only those tiles too; the others were kept under the new versions
    assert cache.builds - built == len(changed)
    return changed


def test_an_edit_makes_only_the_tiles_of_that_grid_stale(
    district: tuple[Store, District], api_client: ApiClient
) -> None:
    store, data = district
    client = api_client(store)
    marker = "?" if store.kind == "spatialite" else "%s"

    def edit() -> None:
        with store.transaction() as conn:
            sql = f"UPDATE grids SET households = 444 WHERE code = {marker}"
            conn.exec_driver_sql(sql, (B2,))
            bump_data_version(conn, plan_layer(data.plan_id))

    changed = _changed_tiles(client, store, edit)
    assert changed == {t for t in _tiles_over_district(15) if _touches(t, B2)}
    b2 = [f for f in _features(client, "basic_grids") if f["properties"]["code"] == B2]
    assert b2[0]["properties"]["households"] == 444


def test_an_incident_changes_only_the_tiles_of_its_grid(
    district: tuple[Store, District], api_client: ApiClient
) -> None:
    from _tiles_data import T0, _incident

    store, _ = district
    client = api_client(store)

    def report() -> None:
        _incident(store, "I-5", (120.470, 36.150), T0, [])  # in B2, reported

    changed = _changed_tiles(client, store, report)
    assert changed == {t for t in _tiles_over_district(15) if _touches(t, B2)}
    b2 = [f for f in _features(client, "basic_grids") if f["properties"]["code"] == B2]
    assert (b2[0]["properties"]["incidents"], b2[0]["properties"]["incidents_open"]) == (1, 1)


def test_a_tile_straddling_two_streets_shows_only_the_callers_street(
    district: tuple[Store, District], api_client: ApiClient
) -> None:
    store, _ = district
    west = api_client(store, jurisdiction=STREET_A)
    east = api_client(store, jurisdiction=STREET_B, role="dispatcher")
    whole = api_client(store, jurisdiction="370212", role="analyst")

    def codes(
        client: TestClient, collection: str, key: str = "code", tile: Any = STRADDLING
    ) -> set[str]:
        return {str(f["properties"][key]) for f in _features(client, collection, tile)}

    assert codes(west, "basic_grids") == {A1, A2}
    assert codes(east, "basic_grids") == {B1, B2}
    assert codes(whole, "basic_grids") == {A1, A2, B1, B2}
    assert codes(west, "streets") == {STREET_A} and codes(east, "streets") == {STREET_B}
    assert codes(west, "buildings", "building_id") == {
        b for b, (_, s) in BUILDINGS.items() if s == STREET_A
    }
    assert codes(east, "buildings", "building_id") == {
        b for b, (_, s) in BUILDINGS.items() if s == STREET_B
    }
    # incidents: reported in A1 (three) and B1 (one); zoom 12 holds them all
    z12 = (12, 1606, 3418)
    assert codes(west, "incidents", "ref", z12) == {"I-1", "I-2", "I-3"}
    assert codes(east, "incidents", "ref", z12) == {"I-4"}
    assert codes(whole, "incidents", "ref", z12) == {"I-1", "I-2", "I-3", "I-4"}
    assert (
        _features(west, "incidents", z12)
        and "reporter" not in _features(west, "incidents", z12)[0]["properties"]
    )
    community = api_client(store, jurisdiction="370212002001")
    assert codes(community, "basic_grids") == {B1, B2}
    # a tile wholly in street B is empty for street A
    east_tile = (15, 12852, 27350)
    assert west.get(_url("basic_grids", *east_tile)).status_code == 204
    assert east.get(_url("basic_grids", *east_tile)).status_code == 200


def test_keys_are_required_unless_anonymous_read(
    district: tuple[Store, District], api_client: ApiClient
) -> None:
    store, _ = district
    closed = api_client(store, key=False)
    assert closed.get(_url("basic_grids", *STRADDLING)).status_code == 401
    public = api_client(store, key=False, anonymous_read=True)
    response = public.get(_url("basic_grids", *STRADDLING))
    assert response.status_code == 200 and response.headers["cache-control"] == "public, no-cache"


def test_metadata_documents(district: tuple[Store, District], api_client: ApiClient) -> None:
    store, _ = district
    client = api_client(store, jurisdiction=STREET_A)
    sets = client.get("/tileMatrixSets").json()["tileMatrixSets"]
    assert [s["id"] for s in sets] == ["WebMercatorQuad", "CGCS2000Quad"]
    assert sets[1]["crs"] == "http://www.opengis.net/def/crs/EPSG/0/4490"
    wmq = client.get("/tileMatrixSets/WebMercatorQuad").json()
    assert wmq["id"] == "WebMercatorQuad" and wmq["tileMatrices"][0]["matrixWidth"] == 1
    cgcs = client.get("/tileMatrixSets/CGCS2000Quad").json()
    assert (
        cgcs["tileMatrices"][0]["matrixWidth"] == 2 and cgcs["tileMatrices"][0]["matrixHeight"] == 1
    )
    listing = client.get("/collections/basic_grids/tiles").json()
    assert len(listing["tilesets"]) == 2
    item = next(link for link in listing["tilesets"][0]["links"] if link["rel"] == "item")
    assert item["href"].endswith(
        "/collections/basic_grids/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}"
    )
    tileset = client.get("/collections/basic_grids/tiles/WebMercatorQuad").json()
    layer = tileset["layers"][0]
    assert (
        layer["minTileMatrix"] == "10"
        and "settlement_rate" in layer["propertiesSchema"]["properties"]
    )
    tj = client.get("/collections/basic_grids/tiles/WebMercatorQuad/tilejson.json").json()
    assert tj["tilejson"] == "3.0.0" and tj["minzoom"] == 10
    assert tj["tiles"][0].endswith("/collections/basic_grids/tiles/WebMercatorQuad/{z}/{y}/{x}")
    assert tj["bounds"] == [WEST, SOUTH, 120.443, NORTH]  # street A's outline
    assert set(tj["vector_layers"][0]["fields"]) >= {
        "households",
        "incidents_overdue",
        "settlement_rate",
    }
    assert client.get("/tileMatrixSets/Nope").status_code == 404


def test_a_tile_over_the_size_limit_is_refused(district: tuple[Store, District]) -> None:
    from _api import settings_for

    from geogrid.api import create_app
    from geogrid.settings import TileSettings

    store, _ = district
    settings = settings_for(store, anonymous_read=True)
    settings.tiles = TileSettings(max_tile_bytes=200)
    with TestClient(create_app(settings)) as client:
        response = client.get(_url("basic_grids", *STRADDLING))
        small = client.get(_url("streets", 14, 6426, 13673))
    assert response.status_code == 400
    assert "above the limit of 200" in response.json()["detail"]
    assert small.status_code == 400  # two street outlines are more than 200 bytes too


def test_a_cached_grid_tile_expires_when_an_open_incident_falls_due(
    district: tuple[Store, District], api_client: ApiClient
) -> None:
    store, data = district
    client = api_client(store)
    _features(client, "basic_grids")
    with store.engine.connect() as conn:
        due = conn.exec_driver_sql(
            f"SELECT handling_due FROM incidents WHERE ref = '{data.open_ref}'"
        ).scalar_one()
    due = datetime.fromisoformat(str(due)) if isinstance(due, str) else due
    due = due.replace(tzinfo=UTC) if due.tzinfo is None else due
    cached = list(client.app.state.tiles.cache._tiles.values())  # type: ignore[attr-defined]
    assert [tile.expires for tile in cached] == [pytest.approx(due.timestamp())]
