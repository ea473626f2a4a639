"""A coverage exact in its projected CRS imports as a coverage (``geogrid.densify``): edges
are cut into pieces before going to WGS 84, so a neighbour's corner partway along a long edge
does not open a sliver. Before, a perfect CGCS2000 / Gauss-Krüger layer was refused."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely
from _cli import run_geogrid
from shapely.affinity import translate

from geogrid.crs import metric_crs
from geogrid.importer import import_file
from geogrid.store import Store
from geogrid.store.layers import read_layer

STREET = "370212001"


def _gk(geoms: list[shapely.Geometry]) -> list[shapely.Geometry]:
    return [translate(g, 520_000, 3_998_000) for g in geoms]  # EPSG:4549, about 120.2° E


def test_a_gauss_kruger_coverage_with_t_junctions_imports(store: Store, tmp_path: Path) -> None:
    street = tmp_path / "streets.gpkg"
    gpd.GeoDataFrame(
        {"code": [STREET], "name": ["街道"], "district_code": ["370212"]},
        geometry=_gk([shapely.box(0, 0, 1800, 2000)]), crs="EPSG:4549",
    ).to_file(street, layer="streets", engine="pyogrio")  # fmt: skip
    communities = tmp_path / "communities.gpkg"
    # the north community's south side (1.8 km) meets the corner of the two below at 900 m:
    # without cutting, WGS 84 drew it as a chord, 2 cm off, "overlaps by 20.8 m²"
    gpd.GeoDataFrame(
        {"code": [f"{STREET}00{i}" for i in (1, 2, 3)], "name": ["甲", "乙", "丙"],
         "street_code": [STREET] * 3},
        geometry=_gk([shapely.box(0, 0, 900, 1100), shapely.box(900, 0, 1800, 1100),
                      shapely.box(0, 1100, 1800, 2000)]),
        crs="EPSG:4549",
    ).to_file(communities, layer="communities", engine="pyogrio")  # fmt: skip
    import_file(store, street)
    result = import_file(store, communities)
    assert result.written == {"communities": 3}
    assert result.report.errors == []
    stored = read_layer(store.engine, "communities")
    metric = stored.to_crs(metric_crs(stored)).geometry.to_numpy()
    overlap = sum(
        shapely.area(shapely.intersection(metric[i], metric[j]))
        for i in range(3)
        for j in range(i + 1, 3)
    )
    assert overlap < 0.05
    # 1.8 km x 2.0 km, measured in UTM after the round trip through WGS 84
    assert abs(float(shapely.area(shapely.union_all(metric))) - 3_600_000.0) < 3_600.0


def test_a_lon_lat_coverage_exports_to_gauss_kruger_without_slivers(tmp_path: Path) -> None:
    """A street and its communities drawn on whole degrees (lon/lat edges of 1.8 km, a corner
    of two communities halfway along the street's south side) exported to EPSG:4549: the
    communities still cover the street (a bare projection drew the side as one chord and
    opened a gap of tens of m² along it)."""
    street = gpd.GeoDataFrame(
        {"code": [STREET], "name": ["街道"], "district_code": ["370212"]},
        geometry=[shapely.box(120.20, 36.0, 120.22, 36.02)], crs="EPSG:4326",
    )  # fmt: skip
    communities = gpd.GeoDataFrame(
        {"code": [f"{STREET}00{i}" for i in (1, 2, 3)], "name": ["甲", "乙", "丙"],
         "street_code": [STREET] * 3},
        geometry=[shapely.box(120.20, 36.0, 120.21, 36.012),
                  shapely.box(120.21, 36.0, 120.22, 36.012),
                  shapely.box(120.20, 36.012, 120.22, 36.02)],
        crs="EPSG:4326",
    )  # fmt: skip
    db = tmp_path / "s.sqlite"
    for name, frame in (("streets", street), ("communities", communities)):
        frame.to_file(tmp_path / f"{name}.geojson", engine="pyogrio")
        done = run_geogrid("import", str(tmp_path / f"{name}.geojson"), db=db)
        assert done.returncode == 0, done.stderr
    out = {}
    for name in ("streets", "communities"):
        path = tmp_path / f"{name}_gk.gpkg"
        done = run_geogrid("export", "--layer", name, "--crs", "EPSG:4549", "--out", str(path),
                           db=db)  # fmt: skip
        assert done.returncode == 0, done.stderr
        out[name] = gpd.read_file(path).geometry.to_numpy()
    covered = shapely.union_all(out["communities"])
    assert float(shapely.area(shapely.symmetric_difference(out["streets"][0], covered))) < 0.05
