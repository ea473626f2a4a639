"""A parent whose boundary crosses itself (a bow-tie) is refused on import naming where, since
make_valid would lose half its land; a harmless invalidity (a spike out and back) is repaired
with a note, and ``--repair`` never meets GEOS's 'side location conflict'."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from _cli import run_geogrid
from _street_file import WEST, communities, write

from geogrid.errors import InputError
from geogrid.io._coverage import _robust, repair_coverage
from geogrid.validation import LayerFindings, ValidationReport

BOW_TIE = shapely.Polygon([(120.500, 36.200), (120.505, 36.205), (120.505, 36.200),
                           (120.500, 36.205)])  # fmt: skip
SPIKE = shapely.Polygon([(120.500, 36.200), (120.505, 36.200), (120.505, 36.2025),
                         (120.5049, 36.2025), (120.505, 36.2025), (120.505, 36.205),
                         (120.500, 36.205)])  # fmt: skip


def _import(path: Path, tmp_path: Path, *more: str) -> tuple[int, str, list[dict]]:
    report = tmp_path / "r.json"
    done = run_geogrid("import", str(path), "--report", str(report), *more,
                       db=tmp_path / "s.sqlite")  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    found = json.loads(report.read_text())["findings"]
    return done.returncode, done.stderr.strip().splitlines()[-1], found


def test_import_refuses_a_bow_tie_community_with_or_without_repair(tmp_path: Path) -> None:
    path = write(tmp_path, communities=communities(west=BOW_TIE))
    for more in ((), ("--repair",)):
        code, last, found = _import(path, tmp_path, *more)
        assert code == 1
        assert last.startswith(
            f"geogrid: error: import refused: file {path}, layer communities, feature {WEST}, "
            "field geometry: self-intersecting at 120.502500 36.202500: its boundary crosses "
            "itself, so make_valid would make it 2 piece(s) of 124,716 m² where the ring "
            "encloses 0 m²"
        )
        errors = [(f["check"], f["feature"]) for f in found if f["severity"] == "error"]
        assert errors == [("self_intersection", WEST)]


def test_import_repairs_a_spike_with_a_note(tmp_path: Path) -> None:
    code, _, found = _import(write(tmp_path, communities=communities(west=SPIKE)), tmp_path)
    assert code == 0
    [note] = [f for f in found if f["check"] == "invalid_geometry"]
    assert (note["severity"], note["feature"]) == ("warning", WEST)
    assert note["message"] == (
        "invalid geometry (Ring Self-intersection[120.505 36.2025]) repaired with make_valid, "
        "kept the polygon part"
    )


def test_clipping_to_an_invalid_parent_does_not_fail_in_geos() -> None:
    # a street drawn as a bow-tie over its community: GEOS's difference raised
    # 'TopologyException: side location conflict'; the clip retries on the parent made valid
    street = gpd.GeoDataFrame({"code": ["370212001"]}, geometry=[BOW_TIE], crs="EPSG:4326")
    report = ValidationReport()
    fixed = repair_coverage(
        communities().iloc[:1],
        LayerFindings(report, "communities", "in.gpkg"),
        parents=street,
        gap_max_m2=100.0,
        overlap_max_width_m=30.0,
    )
    # the community is the square the bow-tie's two triangles (half of it) lie in
    [spill] = report.findings
    assert (spill.check, spill.feature) == ("repair_spill", WEST)
    assert spill.message.startswith("spilled 124,")
    assert fixed.geometry.iloc[0].equals(shapely.make_valid(BOW_TIE))


def test_a_clip_geos_cannot_compute_is_refused_naming_the_feature() -> None:
    def failing(a: shapely.Geometry, b: shapely.Geometry, **kw: float) -> shapely.Geometry:
        raise shapely.errors.GEOSException("TopologyException: side location conflict")

    with pytest.raises(InputError) as caught:
        _robust(failing, BOW_TIE, BOW_TIE, label=WEST)
    assert (caught.value.feature, caught.value.field) == (WEST, "geometry")
    assert caught.value.message.startswith(
        f"the geometry of {WEST} cannot be clipped to its parent"
    )
