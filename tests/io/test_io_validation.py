"""Validation checks on the bad-file corpus and on real data (no database)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from _corpus import CORPUS, LIECHTENSTEIN
from shapely.geometry import box

from geogrid.crs import to_storage_crs, wgs84_to_offset
from geogrid.io import apply_mapping, parse_map_options, read_layers
from geogrid.schema import layer_spec
from geogrid.validation import Context, Thresholds, ValidationReport, validate_layer


def _load(
    name: str, layer: str, *, source_crs: str | None = None, mapping: list[str] | None = None
) -> tuple[gpd.GeoDataFrame, str]:
    [source] = read_layers(CORPUS / name if "/" not in name else name)
    frame, _ = apply_mapping(
        source.frame, layer_spec(layer), parse_map_options(mapping or []), file=source.file
    )
    frame, crs = to_storage_crs(frame, source_crs=source_crs, file=source.file)
    return frame, crs


def _context() -> Context:
    streets, _ = _load("base_streets.geojson", "streets")
    communities, _ = _load("base_communities.geojson", "communities")
    return Context(streets=streets, communities=communities)


def _validate(
    name: str, layer: str, *, thresholds: Thresholds | None = None, source_crs: str | None = None
) -> tuple[gpd.GeoDataFrame, ValidationReport]:
    frame, crs = _load(name, layer, source_crs=source_crs)
    return validate_layer(
        frame, layer, file=name, context=_context(), thresholds=thresholds, source_crs=crs
    )


def _checks(report: ValidationReport, severity: str) -> set[tuple[str, str | None]]:
    return {(f.check, f.feature) for f in report.findings if f.severity == severity}


@pytest.mark.parametrize("layer", ["streets", "communities", "buildings"])
def test_the_base_layers_are_clean(layer: str) -> None:
    _, report = _validate(f"base_{layer}.geojson", layer)
    assert report.errors == [] and report.warnings == []


def test_overlap_is_an_error_in_square_metres() -> None:
    _, report = _validate("overlapping_communities.geojson", "communities")
    [overlap] = [f for f in report.errors if f.check == "overlap"]
    assert {overlap.feature, overlap.message.split()[2]} == {"370212001001", "370212001002"}
    # 0.0006 degrees of longitude x 0.02 of latitude at 36.1 N: about 54 m x 2.2 km
    assert 100_000 < overlap.area_m2 < 140_000
    assert overlap.file == "overlapping_communities.geojson" and overlap.field == "geometry"


def test_thresholds_are_options() -> None:
    _, report = _validate(
        "overlapping_communities.geojson", "communities", thresholds=Thresholds(overlap_m2=200_000)
    )
    assert report.ok
    assert ("overlap_sliver", None) in _checks(report, "info")


def test_gap_between_communities_of_a_street() -> None:
    _, report = _validate("gap_communities.geojson", "communities")
    [gap] = report.errors
    assert (gap.check, gap.feature) == ("gap", "370212001")
    assert 50_000 < gap.area_m2 < 70_000  # about 27 m x 2.2 km


def test_self_intersection_is_repaired_and_listed() -> None:
    frame, report = _validate("self_intersecting_buildings.geojson", "buildings")
    assert report.ok
    assert _checks(report, "warning") == {("invalid_geometry", "b01")}
    assert "Self-intersection" in report.warnings[0].message
    assert frame.geometry.is_valid.all()
    assert set(frame.geom_type) <= {"Polygon", "MultiPolygon"}


def test_a_bow_tie_community_whose_repair_would_lose_land_is_refused() -> None:
    # make_valid kept two triangles, half the community: a gap of the street, its buildings
    # in other communities; now refused naming where the ring crosses itself
    _, report = _validate("self_intersecting_community.geojson", "communities")
    first = report.errors[0]
    assert (first.check, first.feature) == ("self_intersection", "370212001002")
    assert report.errors[0].message.startswith("self-intersecting at 120.615000 36.110000: ")
    assert "fix the ring in a GIS" in report.errors[0].message


def test_empty_and_wrong_type_geometries() -> None:
    _, report = _validate("empty_geometries.geojson", "buildings")
    assert _checks(report, "error") == {("empty_geometry", "b02"), ("empty_geometry", "b10")}
    _, report = _validate("wrong_geometry_types.geojson", "communities")
    wrong = {f.feature: f.message for f in report.errors if f.check == "wrong_geometry_type"}
    assert set(wrong) == {"370212001001", "370212002001"}
    assert "Point" in wrong["370212001001"] and "LineString" in wrong["370212002001"]


def test_duplicate_ids() -> None:
    _, report = _validate("duplicate_ids.geojson", "buildings")
    assert _checks(report, "error") == {("duplicate_id", "b11")}
    assert report.errors[0].field == "building_id"


def test_malformed_codes() -> None:
    _, report = _validate("bad_codes.geojson", "communities")
    errors = {f.feature: f.message for f in report.errors if f.check == "bad_code"}
    assert "not a 12-digit NBS code" in errors["37021200100"]
    assert "does not start with its street_code 370212002" in errors["370212001009"]


def test_stray_building_is_a_warning() -> None:
    _, report = _validate("stray_building.geojson", "buildings")
    assert report.ok
    assert _checks(report, "warning") == {("outside_parent", "b00")}


def test_gcj02_declared_as_wgs84_is_diagnosed() -> None:
    _, report = _validate("gcj02_declared_wgs84.geojson", "communities")
    [offset] = [f for f in report.errors if f.check == "crs_offset"]
    assert "--source-crs gcj02" in offset.message
    shift = float(offset.message.split("shift of about ")[1].split(" m")[0])
    assert 300 < shift < 700
    _, report = _validate("gcj02_declared_wgs84.geojson", "communities", source_crs="gcj02")
    assert report.ok


def test_gcj02_buildings_at_the_edge_are_diagnosed() -> None:
    """Buildings shifted inside the area still fall in some community; at its edge they do not."""
    # the village at the east end of the base area (it ends at 120.64 E)
    edge = gpd.GeoDataFrame(
        {"building_id": [f"e{i}" for i in range(5)]},
        geometry=[
            box(
                120.636 + i * 0.0006, 36.102 + i * 0.003, 120.6363 + i * 0.0006, 36.1022 + i * 0.003
            )
            for i in range(5)
        ],
        crs=4326,
    )
    shifted = edge.set_geometry(wgs84_to_offset(edge.geometry, "gcj02"))
    _, report = validate_layer(shifted, "buildings", file="b", context=_context())
    assert [f.check for f in report.errors] == ["crs_offset"]
    _, report = validate_layer(edge, "buildings", file="b", context=_context())
    assert report.ok and not report.warnings


def test_community_codes_give_their_street() -> None:
    frame, _ = _load("base_communities.geojson", "communities")
    frame = frame.drop(columns="street_code")
    out, report = validate_layer(frame, "communities", file="c", context=_context())
    assert out["street_code"].tolist() == [c[:9] for c in out["code"]]
    assert report.ok


def test_liechtenstein_municipalities_as_streets(li_streets: object) -> None:
    frame, crs = _load(str(li_streets), "streets", mapping=["code=DM"])
    out, report = validate_layer(frame, "streets", file="li", source_crs=crs)
    assert report.ok, [f.line() for f in report.errors]
    assert out["district_code"].eq("999001").all()


def test_liechtenstein_buildings_against_municipalities_as_communities(li_streets: object) -> None:
    """Municipalities stand in for communities: almost every building lies inside one."""
    parents, _ = _load(str(li_streets), "streets", mapping=["code=DM"])
    frame, _ = _load(str(LIECHTENSTEIN / "li_buildings.geojson"), "buildings")
    out, report = validate_layer(frame, "buildings", file="b", context=Context(communities=parents))
    assert report.ok
    outside = [f for f in report.warnings if f.check == "outside_parent"]
    inside = shapely.STRtree(parents.geometry.to_numpy()).query(
        out.geometry.representative_point().to_numpy(), predicate="within"
    )[0]
    assert len(outside) == len(out) - len(set(inside))
    assert len(outside) < 0.05 * len(out)


def test_area_types_named_by_the_committee_that_runs_them() -> None:
    # 居委会 / 村委会 were refused as "not one of urban_community, village, ..."
    frame, _ = _load("base_communities.geojson", "communities")
    frame = frame.iloc[:4].assign(area_type=["居委会", "村委会", "社区居委会", "村民委员会"])
    checked, report = validate_layer(frame, "communities", file="c.geojson")
    assert not [f for f in report.errors if f.field == "area_type"]
    assert checked["area_type"].tolist() == [
        "urban_community", "village", "urban_community", "village"
    ]  # fmt: skip
