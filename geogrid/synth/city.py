"""``synth_city``: a deterministic synthetic interior for a real district outline."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geogrid import boundaries
from geogrid.crs import STORAGE_CRS, metric_crs
from geogrid.errors import InputError
from geogrid.synth import plan, roads
from geogrid.synth.buildings import SETBACK
from geogrid.synth.fill import fill_rural, fill_urban, households_of
from geogrid.synth.frames import Collected, to_layers
from geogrid.synth.paths import community_paths
from geogrid.synth.tiling import GRID, harmonise

Progress = Callable[[str, float], None]
STAGES = ("streets", "communities", "roads", "buildings")


def synth_city(
    district_code: str,
    *,
    seed: int = 0,
    scale: float = 1.0,
    households: int | None = None,
    boundaries_dir: Path | str | None = None,
    progress: Progress | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """Fill a real district outline with synthetic streets, communities, roads, rivers,
    compounds and buildings.

    Parameters
    ----------
    district_code
        A 6-digit district code of the seed data (e.g. "370212", Laoshan).
    seed
        The same seed gives the same city; another seed another city.
    scale
        Multiplies the census households (and so the buildings); ignored if ``households``.
    households
        The district's total households, exactly.
    progress
        Called with (stage, fraction done) as the work goes on.

    Returns
    -------
    The layers districts, streets, communities, buildings, roads, waterways and compounds in
    EPSG:4326, with exactly the fields of ``geogrid.schema`` and ``synthetic`` True everywhere.
    """
    report = progress or (lambda stage, done: None)
    code = str(district_code)
    row = boundaries.district_row(code, boundaries_dir=boundaries_dir)
    streets = boundaries.streets_of(code, boundaries_dir=boundaries_dir)
    comms = boundaries.communities_of(code, boundaries_dir=boundaries_dir)
    census = boundaries.census(code, boundaries_dir=boundaries_dir)
    total = _total_households(int(census["family_households"]), scale, households)
    urban_share = float(census["pop_urban"]) / float(census["pop_total_2020"])
    # old low-rise village housing inside urban communities is as common as the district is rural
    lowrise_cap = float(np.clip(2.5 * (1.0 - urban_share), 0.05, 0.5))

    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence([seed, int(code)]).spawn(6)]
    outline = gpd.GeoSeries([row.geometry], crs=STORAGE_CRS)
    crs = metric_crs(outline)
    domain = shapely.set_precision(shapely.make_valid(outline.to_crs(crs).iloc[0]), GRID)

    report("streets", 0.0)
    core = plan.choose_core(domain, rngs[0])
    street_polys = plan.lay_out_streets(domain, streets, comms, core, rngs[0])
    report("streets", 1.0)
    comm_polys = _communities(street_polys, streets, comms, core, rngs[1], report)
    comm_polys = harmonise(comm_polys, grid=GRID)
    street_polys = [
        shapely.union_all(
            [comm_polys[i] for i in np.flatnonzero(comms["street_code"] == s)], grid_size=GRID
        )
        for s in streets["code"]
    ]
    district = shapely.union_all(street_polys, grid_size=GRID)
    centroids = roads.centroid_xy(comm_polys)
    kinds = plan.area_types(comms["area_kind"], centroids, core, rngs[2])
    comm_households = plan.community_households(total, kinds, urban_share, rngs[2])

    report("roads", 0.0)
    arterial, secondary = roads.boundary_roads(street_polys, comm_polys, district)
    rivers = roads.rivers(district, rng=rngs[3])
    angles = {s: roads.angle_for(rngs[3]) for s in streets["code"]}
    urban = np.array(kinds) == "urban_community"
    dist = np.hypot(*(centroids - core).T)
    reach = float(np.quantile(dist[urban] if urban.any() else dist, 0.9)) or 1.0
    collected = Collected(arterial=arterial, secondary=secondary, rivers=rivers)
    report("roads", 1.0)

    tree = shapely.STRtree(rivers)
    for i, comm in enumerate(comm_polys):
        q = float(dist[i] / reach)
        angle = angles[comms["street_code"].iloc[i]]
        rng = np.random.default_rng(np.random.SeedSequence([seed, int(comms["code"].iloc[i])]))
        local = roads.local_roads_for(
            comm,
            kinds[i],
            angle=angle,
            density=float(np.clip(1.25 - 0.45 * q, 0.8, 1.25)),
            rng=rng,
        )
        near = rivers[np.sort(tree.query(comm, predicate="intersects"))]
        faces = roads.buildable(comm, np.concatenate([local, near]), setback=SETBACK)
        if len(faces) == 0:  # a sliver of a community: build on what there is
            faces = np.asarray(shapely.get_parts(comm), dtype=object)
        hh = int(comm_households[i])
        parts = (
            fill_urban(faces, hh, q=q, angle=angle, lowrise_cap=lowrise_cap, rng=rng)
            if kinds[i] == "urban_community"
            else fill_rural(faces, hh, area_type=kinds[i], angle=angle, rng=rng)
        )
        arrays = households_of(parts, hh)
        edge = shapely.get_parts(shapely.boundary(comm))
        paths = community_paths(
            arrays,
            parts.compounds,
            parts.paths,
            angle=angle,
            others=np.concatenate([local, near, edge]),
        )
        collected.add_community(
            i,
            local,
            "path" if kinds[i] == "mountainous" else "local",
            arrays,
            parts.compounds,
            paths=paths,
        )
        report("buildings", (i + 1) / len(comm_polys))

    frames = pd.DataFrame({"area_type": kinds, "households": comm_households}, index=comms.index)
    return to_layers(row, streets, comms.assign(**frames), comm_polys, collected, crs)


def _total_households(census_total: int, scale: float, households: int | None) -> int:
    if households is not None:
        if int(households) < 0:
            raise InputError(f"households must be zero or more, got {households}")
        return int(households)
    if not scale > 0:
        raise InputError(f"scale must be positive, got {scale}")
    return round(census_total * scale)


def _communities(
    street_polys: list[BaseGeometry],
    streets: pd.DataFrame,
    comms: pd.DataFrame,
    core: np.ndarray,
    rng: np.random.Generator,
    report: Progress,
) -> list[BaseGeometry]:
    out: list[BaseGeometry] = [shapely.Polygon()] * len(comms)
    reach = max(float(np.sqrt(sum(p.area for p in street_polys))) * 0.6, 1.0)
    for k, (street, code) in enumerate(zip(street_polys, streets["code"], strict=True)):
        idx = np.flatnonzero(comms["street_code"].to_numpy() == code)
        polys = plan.lay_out_communities(street, comms.iloc[idx], core, reach, rng)
        for i, poly in zip(idx, polys, strict=True):
            out[int(i)] = poly
        report("communities", (k + 1) / len(street_polys))
    return out
