"""A synthetic staff registry for a grid plan, so that the demo's coverage layers have people.

Practice (see ../DOMAIN.md): one full-time grid worker per basic grid, a grid chief for each
community, and "one grid, two police" (a community officer per community, a traffic officer
per street). Real registries have gaps, and the coverage layers exist to show them, so a share
of basic grids is left without a worker and a share of communities without their officer; a
few busy grids get a part-time worker beside the full-time one. Every row says it is synthetic
and carries no personal data (names are role labels, no phone numbers).
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd

from geogrid.crs import metric_crs

VACANT_SHARE: Final = 0.06  # of basic grids without a grid worker
PART_TIME_SHARE: Final = 0.05  # of staffed basic grids with a part-time worker beside
NO_POLICE_SHARE: Final = 0.1  # of communities without their community police officer
COLUMNS: Final = ("staff_id", "role", "grid_codes", "name", "phone", "synthetic")


def synthesize_staff(basic_grids: gpd.GeoDataFrame, *, seed: int = 0) -> gpd.GeoDataFrame:
    """A staff registry for ``basic_grids`` (code: 15 digits; any CRS), in the form a staff
    file is read (``geogrid.staff.read_staff_file``): staff_id, role, grid_codes, name, phone
    (None), synthetic (True) and each person's base location, the representative point of
    the first grid they answer for, in EPSG:4326. Deterministic for a seed."""
    rng = np.random.default_rng(seed)
    grids = basic_grids.sort_values("code").reset_index(drop=True)
    codes = grids["code"].astype(str).to_numpy()
    points = grids.to_crs(metric_crs(grids)).representative_point().to_crs(4326).to_numpy()
    where = dict(zip(codes, points, strict=True))
    vacant = rng.random(len(codes)) < VACANT_SHARE
    rows = [("GW", "grid_worker", code) for code in codes[~vacant]]
    helped = codes[~vacant][rng.random(int((~vacant).sum())) < PART_TIME_SHARE]
    rows += [("PT", "part_time_worker", code) for code in helped]
    communities = sorted({c[:12] for c in codes})
    rows += [("GC", "grid_chief", c) for c in communities]
    policed = [c for c in communities if rng.random() >= NO_POLICE_SHARE]
    rows += [("CP", "community_police", c) for c in policed]
    rows += [("TP", "traffic_police", s) for s in sorted({c[:9] for c in codes})]
    first = {c[:12]: where[c] for c in reversed(codes)} | {c[:9]: where[c] for c in reversed(codes)}
    people = pd.DataFrame(rows, columns=["prefix", "role", "grid_codes"])
    number = people.groupby("prefix").cumcount() + 1
    people["staff_id"] = people["prefix"] + number.map("{:05d}".format)
    people["name"] = people["role"] + " " + number.astype(str)
    people["phone"] = None
    people["synthetic"] = True
    location = [where.get(c, first.get(c)) for c in people["grid_codes"]]
    return gpd.GeoDataFrame(people[list(COLUMNS)], geometry=location, crs=4326)
