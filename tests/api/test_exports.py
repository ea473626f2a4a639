"""Exports over HTTP in every format, with the items' filters and the jurisdiction cut, read
back with GDAL (pyogrio), pyarrow and pandas."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import pytest
from _api import ApiClient
from _city import WEST, build_city

from geogrid.store import Store

FILTER = "basic_code LIKE '370212001001%'"  # the 12 incidents of community 370212001001
WEST_12 = sorted(f"T-{k:02d}" for k in (0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15))


@pytest.fixture
def city(store: Store) -> Store:
    build_city(store)
    return store


def _read(fmt: str, content: bytes, tmp_path: Path) -> gpd.GeoDataFrame | pd.DataFrame:
    path = tmp_path / f"export.{fmt}" if fmt != "shp" else tmp_path / "export.shp.zip"
    path.write_bytes(content)
    if fmt == "shp":
        return pyogrio.read_dataframe(f"/vsizip/{path}")
    if fmt == "parquet":
        return gpd.read_parquet(path)
    if fmt == "csv":
        return pd.read_csv(path, encoding="utf-8-sig")
    return pyogrio.read_dataframe(path)


@pytest.mark.parametrize("fmt", ["geojson", "geojsonseq", "csv", "gpkg", "shp", "parquet", "fgb"])
def test_every_format_with_filter_and_jurisdiction(
    city: Store, api_client: ApiClient, fmt: str, tmp_path: Path
) -> None:
    client = api_client(city, role="viewer", jurisdiction=WEST)
    response = client.get("/collections/incidents/export", params={"format": fmt, "filter": FILTER})
    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="incidents-plan')
    origin = json.loads(response.headers["geogrid-export"])
    assert origin["filter"] == f"filter={FILTER}" and origin["plan_id"] is not None
    frame = _read(fmt, response.content, tmp_path)
    assert sorted(frame["ref"]) == WEST_12
    assert "reporter" not in frame.columns  # personal data: analysts and admins only
    if fmt == "csv":
        assert frame["wkt"].str.startswith("POINT").all()
    else:
        assert frame.crs.equals("OGC:CRS84") or frame.crs.to_epsg() == 4326
        assert frame.geometry.x.between(120.40, 120.42).all()


def test_exports_name_plan_and_filter_inside_the_file(
    city: Store, api_client: ApiClient, tmp_path: Path
) -> None:
    client = api_client(city, role="analyst")
    gpkg = client.get(
        "/collections/basic_grids/export", params={"format": "gpkg", "households": "301"}
    )
    parquet = client.get(
        "/collections/incidents/export", params={"format": "parquet", "crs": "EPSG:3857"}
    )
    shp = client.get("/collections/buildings/export", params={"format": "shp"})
    (tmp_path / "g.gpkg").write_bytes(gpkg.content)
    meta = json.loads(pyogrio.read_info(tmp_path / "g.gpkg")["layer_metadata"]["geogrid_export"])
    assert meta["collection"] == "basic_grids" and meta["filter"] == "households=301"
    assert meta["plan_status"] == "published" and isinstance(meta["plan_id"], int)
    assert len(pyogrio.read_dataframe(tmp_path / "g.gpkg")) == 3  # one per community
    (tmp_path / "i.parquet").write_bytes(parquet.content)
    table = pq.read_table(tmp_path / "i.parquet")
    assert json.loads(table.schema.metadata[b"geo"])["primary_column"] == "geometry"
    incidents = gpd.read_parquet(tmp_path / "i.parquet")
    assert len(incidents) == 31 and incidents.crs.to_epsg() == 3857
    assert incidents["reporter"].notna().all()  # an analyst gets personal data
    assert incidents.geometry.x.min() > 13_000_000  # metres, not degrees
    members = zipfile.ZipFile(io.BytesIO(shp.content)).namelist()
    assert {"buildings.shp", "buildings.dbf", "buildings.prj", "buildings.json"} <= set(members)


def test_export_errors_are_problems(city: Store, api_client: ApiClient) -> None:
    client = api_client(city)
    bad_format = client.get("/collections/buildings/export", params={"format": "xlsx"})
    bad_filter = client.get("/collections/buildings/export", params={"filter": "nope = 1"})
    assert bad_format.status_code == 400 and bad_format.json()["field"] == "format"
    assert bad_filter.status_code == 400 and "not a queryable" in bad_filter.json()["detail"]
    # CSV is read as WGS 84 lon/lat: metres there would be misread, so it is refused up front
    metres = client.get("/collections/buildings/export", params={"format": "csv", "crs": "EPSG:3857"})  # fmt: skip
    assert metres.status_code == 400 and metres.json()["field"] == "crs"
    assert "csv cannot record that its coordinates are WGS 84 / Pseudo-Mercator" in metres.json()["detail"]  # fmt: skip


def test_cli_export_takes_the_same_path(
    spatialite_store: Store, api_client: ApiClient, tmp_path: Path
) -> None:
    from _cli import run_geogrid

    build_city(spatialite_store)
    db = Path(spatialite_store.engine.url.database or "")
    out = tmp_path / "west.fgb"
    done = run_geogrid("export", "--collection", "incidents", "--filter", "basic_code LIKE '370212001%'", "--out", str(out), db=db)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "incidents 20" in done.stdout
    cli = pyogrio.read_dataframe(out)
    http = api_client(spatialite_store, role="admin").get(
        "/collections/incidents/export",
        params={"format": "fgb", "filter": "basic_code LIKE '370212001%'"},
    )
    (tmp_path / "http.fgb").write_bytes(http.content)
    served = pyogrio.read_dataframe(tmp_path / "http.fgb")
    assert sorted(cli["ref"]) == sorted(served["ref"]) and len(cli) == 20
    assert list(cli.columns) == list(served.columns)
    wrong = run_geogrid(
        "export", "--collection", "incidents", "--out", str(tmp_path / "x.txt"), db=db
    )
    assert wrong.returncode == 1 and "name it with" in wrong.stderr
    assert not list(tmp_path.glob(".*partial*"))
