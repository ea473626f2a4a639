"""The synthetic staff registry: the practice's roles per grid, community and street, gaps left
for the coverage layers to show, valid for ``geogrid staff import``'s checks."""

from __future__ import annotations

import geopandas as gpd
import shapely

from geogrid.staff import assignable_codes, check_staff
from geogrid.synth.staff import synthesize_staff

STREETS = ("370212001", "370212002")


def _grids(per_community: int = 50) -> gpd.GeoDataFrame:
    """2 streets x 5 communities x ``per_community`` basic grids, 100 m squares in a row."""
    codes = [
        f"{s}{c:03d}{g:03d}"
        for s in STREETS
        for c in range(1, 6)
        for g in range(1, per_community + 1)
    ]
    boxes = [
        shapely.box(120.4 + i * 0.001, 36.1, 120.401 + i * 0.001, 36.101) for i in range(len(codes))
    ]
    return gpd.GeoDataFrame({"code": codes}, geometry=boxes, crs=4326)


def test_roles_follow_the_practice_and_leave_gaps() -> None:
    grids = _grids()
    staff = synthesize_staff(grids, seed=3)
    by_role = staff.groupby("role")["grid_codes"].apply(list).to_dict()
    assert sorted(by_role["grid_chief"]) == sorted({c[:12] for c in grids["code"]})  # 10
    assert sorted(by_role["traffic_police"]) == list(STREETS)
    assert set(by_role["community_police"]) <= set(by_role["grid_chief"])
    workers = by_role["grid_worker"]
    assert len(workers) == len(set(workers))  # one full-time worker per grid at most
    vacant = len(grids) - len(workers)
    assert 5 < vacant < 60  # about 6% of 500 grids; a binomial count, far from 0 and 500
    assert set(by_role["part_time_worker"]) <= set(workers)  # beside a full-time worker
    assert staff["synthetic"].all() and staff["phone"].isna().all()
    assert staff["staff_id"].is_unique and staff.crs.to_epsg() == 4326
    inside = shapely.contains(
        grids.set_index("code").loc[workers].geometry.to_numpy(),
        staff[staff["role"] == "grid_worker"].geometry.to_numpy(),
    )
    assert inside.all()  # a worker's base lies in their grid


def test_the_registry_passes_the_import_checks_and_is_the_same_for_a_seed() -> None:
    grids = _grids(per_community=8)
    staff = synthesize_staff(grids, seed=1)
    _, assignments, report = check_staff(
        staff, grid_codes=assignable_codes(grids), file="synthetic"
    )
    assert report.brief()["errors"] == 0
    assert len(assignments) == len(staff)  # one grid code per person
    assert synthesize_staff(grids, seed=1).equals(staff)
    assert not synthesize_staff(grids, seed=2)["grid_codes"].equals(staff["grid_codes"])
