"""Refusals of boundaries that say what would take them (issue 12), on both stores: a gap
between communities gives its width as well as its area, so the user knows whether
``--repair`` (gaps up to 100 m² or 2 m wide) or ``--repair-gap-width-m`` would fill it; an
overlap too wide for ``--repair`` (30 m) says to settle the boundary, not to use ``--repair``.

A street 0.02° x 0.01° at 36.2° N (1.8 km x 1.1 km) with two communities; between them a
strip of whole metres of longitude, 0.01° of latitude (1,109.5 m) long."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geogrid.errors import ValidationFailed
from geogrid.importer import ImportOptions, import_file
from geogrid.store import Store
from geogrid.validation import Thresholds

STREET = "370212001"
M_PER_DEG_LAT = 110_950.0  # at 36.2° N (WGS 84), to well under 0.1 %
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(36.205))


def _street(tmp_path: Path) -> Path:
    path = tmp_path / "streets.geojson"
    gpd.GeoDataFrame(
        {"code": [STREET], "name": ["中韩街道"], "district_code": ["370212"]},
        geometry=[shapely.box(120.50, 36.20, 120.52, 36.21)],
        crs="EPSG:4326",
    ).to_file(path, engine="pyogrio")
    return path


def _apart(tmp_path: Path, width_m: float) -> Path:
    """West and east communities with a strip ``width_m`` wide between them (overlapping by
    a strip that wide when negative)."""
    west = shapely.box(120.500, 36.20, 120.510, 36.21)
    east = shapely.box(120.510 + width_m / M_PER_DEG_LON, 36.20, 120.520, 36.21)
    path = tmp_path / f"communities_{width_m:g}.geojson"
    gpd.GeoDataFrame(
        {"code": [f"{STREET}001", f"{STREET}002"], "name": ["西", "东"],
         "street_code": [STREET] * 2},
        geometry=[west, east], crs="EPSG:4326",
    ).to_file(path, engine="pyogrio")  # fmt: skip
    return path


def _gap_message(store: Store, path: Path, options: ImportOptions) -> str:
    with pytest.raises(ValidationFailed) as err:
        import_file(store, path, options)
    [gap] = [f for f in err.value.report.errors if f.check == "gap"]
    return gap.message


def _width(message: str) -> float:
    return float(message.split(" m wide, between")[0].rsplit(", ", 1)[1])


def _area(message: str) -> float:
    return float(message.removeprefix("a gap of ").split(" m²")[0].replace(",", ""))


def test_a_refused_gap_gives_its_width_and_repair_takes_a_thin_one(
    store: Store, tmp_path: Path
) -> None:
    import_file(store, _street(tmp_path))
    path = _apart(tmp_path, 1.0)
    message = _gap_message(store, path, ImportOptions(layer="communities"))
    # 1 m x 1,109.5 m: 1,109.5 m², more than the 100 m² of --repair's area rule, 1 m wide
    assert _area(message) == pytest.approx(1_109.5, rel=0.01)
    assert _width(message) == pytest.approx(1.0, abs=0.1)
    assert message.endswith("(import with --repair to fill gaps up to 100 m² or 2 m wide)")
    done = import_file(store, path, ImportOptions(layer="communities", repair=True))
    assert done.written == {"communities": 2}


def test_a_wide_gap_names_the_width_option_that_would_take_it(store: Store, tmp_path: Path) -> None:
    import_file(store, _street(tmp_path))
    path = _apart(tmp_path, 11.0)
    for repair in (False, True):  # --repair leaves it: 12,205 m², 11 m wide
        message = _gap_message(store, path, ImportOptions(layer="communities", repair=repair))
        assert _area(message) == pytest.approx(11 * 1_109.5, rel=0.01)
        assert _width(message) == pytest.approx(11.0, abs=0.1)
        assert "more than --repair fills, 100 m² or 2 m wide: draw it into a community, or " in (
            message
        )
    suggested = float(message.rsplit("--repair-gap-width-m ", 1)[1].split(" ")[0])
    assert suggested == pytest.approx(11.0, abs=0.15)
    limits = Thresholds(repair_gap_width_m=suggested)
    options = ImportOptions(layer="communities", repair=True, thresholds=limits)
    assert import_file(store, path, options).written == {"communities": 2}


def test_an_overlap_repair_takes_is_refused_naming_repair(store: Store, tmp_path: Path) -> None:
    import_file(store, _street(tmp_path))
    path = _apart(tmp_path, -10.0)
    with pytest.raises(ValidationFailed) as err:
        import_file(store, path, ImportOptions(layer="communities"))
    [overlap] = [f.message for f in err.value.report.errors if f.check == "overlap"]
    assert overlap.startswith(f"overlaps community {STREET}002 by 11,")  # 10 m x 1,109.5 m
    assert _overlap_width(overlap) == pytest.approx(10.0, abs=0.1)
    assert overlap.endswith(
        "(import with --repair to give overlaps up to 30 m wide to one neighbour, or raise "
        "--overlap-m2 to let slivers this small in)"
    )
    done = import_file(store, path, ImportOptions(layer="communities", repair=True))
    assert done.written == {"communities": 2}


def test_an_overlap_too_wide_for_repair_says_to_settle_the_boundary(
    store: Store, tmp_path: Path
) -> None:
    import_file(store, _street(tmp_path))
    path = _apart(tmp_path, -100.0)
    with pytest.raises(ValidationFailed) as err:
        import_file(store, path, ImportOptions(layer="communities"))
    [overlap] = [f.message for f in err.value.report.errors if f.check == "overlap"]
    assert _overlap_width(overlap) == pytest.approx(100.0, abs=0.1)
    assert "--overlap-m2" not in overlap and "import with --repair" not in overlap
    assert overlap.endswith(
        "(wider than --repair gives away (30 m): two boundaries claim this land, so draw it "
        "into one of them in the source)"
    )
    # what the refusal no longer suggests would not have worked
    with pytest.raises(ValidationFailed, match="too wide to be a digitising mismatch"):
        import_file(store, path, ImportOptions(layer="communities", repair=True))


def _overlap_width(message: str) -> float:
    return float(message.split(" m wide (")[0].rsplit(", ", 1)[1])
