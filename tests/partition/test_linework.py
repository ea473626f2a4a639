"""Faces of a parent cut by lines: exact tiling, no necks, valid in lon/lat, every cut made."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from _quality_helpers import item, lattice_buildings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geogrid.partition._linework import GRID_M, faces_of
from geogrid.partition.parent import plan_parent
from geogrid.partition.units import build_units

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
UTM = "EPSG:32651"
X0, Y0 = 240_000.0, 3_998_000.0


def _parent(angle: float, size: float) -> shapely.Polygon:
    """A rotated square with a jittered corner (its edges are not axis-parallel)."""
    ring = np.array([[0, 0], [size, 0.3], [size * 1.01, size], [0.2, size * 0.98]])
    c, s = np.cos(angle), np.sin(angle)
    xy = ring @ np.array([[c, s], [-s, c]])
    return shapely.Polygon(xy + np.array([X0, Y0]))


def _along(parent: shapely.Polygon, edge: int, offset: float, t0: float, t1: float):  # type: ignore[no-untyped-def]
    """A line beside edge ``edge`` of the parent, ``offset`` metres inside it, from t0 to t1."""
    xy = shapely.get_coordinates(parent.exterior)
    a, b = xy[edge], xy[edge + 1]
    d = (b - a) / np.hypot(*(b - a))
    inward = np.array([-d[1], d[0]])  # the ring runs counter-clockwise
    return shapely.LineString(
        [a + (b - a) * t0 + inward * offset, a + (b - a) * t1 + inward * offset]
    )


def _across(parent: shapely.Polygon, frac: float, overshoot: float) -> shapely.LineString:
    """A line from edge 0 to edge 2, ending ``overshoot`` metres past the outline (< 0: short)."""
    xy = shapely.get_coordinates(parent.exterior)
    a = xy[0] + (xy[1] - xy[0]) * frac
    b = xy[3] + (xy[2] - xy[3]) * frac
    d = (b - a) / np.hypot(*(b - a))
    return shapely.LineString([a - d * overshoot, b + d * overshoot])


@FAST
@given(
    angle=st.floats(0, np.pi / 2),
    offset=st.floats(0.0005, 0.04),
    overshoot=st.floats(-0.03, 0.03),
    frac=st.floats(0.2, 0.4),
    shallow=st.floats(0.0005, 0.02),
)
def test_lines_a_hair_off_the_outline_leave_no_neck_and_every_cut_is_made(
    angle: float, offset: float, overshoot: float, frac: float, shallow: float
) -> None:
    parent = _parent(angle, 300.0)
    lines = np.asarray(
        [
            _along(parent, 0, offset, -0.1, 1.1),  # a road a hair inside the outline
            _along(parent, 1, -offset, 0.1, 0.6),  # ... and one a hair outside it
            _across(parent, frac, overshoot),  # a road ending a hair short of / past it
            _across(parent, 0.7, -shallow),
        ],
        dtype=object,
    )
    faces = faces_of(parent, lines)
    # the two crossing roads cut the parent into three; the hairline ones cut nothing off
    big = faces[shapely.area(faces) > 1.0]
    assert len(big) == 3
    assert abs(shapely.area(faces).sum() - parent.area) < 1e-6
    assert shapely.area(shapely.symmetric_difference(shapely.union_all(faces), parent)) < 1e-6
    assert shapely.coverage_is_valid(faces)
    assert shapely.minimum_clearance(faces).min() > GRID_M / 20
    lonlat = gpd.GeoSeries(faces, crs=UTM).to_crs(4326).to_numpy()
    assert shapely.is_valid(lonlat).all()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), offset=st.floats(0.0005, 0.04))
def test_every_building_has_a_face_of_its_own_and_grids_are_valid_in_lon_lat(
    seed: int, offset: float
) -> None:
    rng = np.random.default_rng(seed)
    parent = _parent(float(rng.uniform(0, 1.5)), 240.0)
    foot = lattice_buildings(parent.buffer(-6), spacing=24.0, size=10.0, rng=rng)
    hh = rng.integers(1, 12, len(foot)).astype(np.int64)
    lines = [_along(parent, 0, offset, -0.1, 1.1), _across(parent, 0.5, float(rng.uniform(-1, 1)))]
    lines = [shapely.difference(ln, shapely.buffer(shapely.union_all(foot), 2.0)) for ln in lines]
    it = item(parent, foot, hh, lines=lines)
    units = build_units(parent, it.points, it.households, it.compound, it.lines, it.footprints)
    assert len(np.unique(units.building_unit)) == len(foot)
    assert len(np.unique(units.group[units.building_unit])) == len(foot)
    plan = plan_parent(it)
    for level in plan.levels.values():
        assert shapely.coverage_is_valid(level.geoms)
        lonlat = gpd.GeoSeries(level.geoms, crs=UTM).to_crs(4326).to_numpy()
        assert shapely.is_valid(lonlat).all()
        assert (shapely.get_num_geometries(level.geoms) == 1).all()
