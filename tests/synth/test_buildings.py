"""Buildings stay whole inside their community and compound, off roads and rivers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely


def test_buildings_do_not_cross_roads_or_rivers(
    xigang_metric: dict[str, gpd.GeoDataFrame],
) -> None:
    b = xigang_metric["buildings"].geometry.values
    for layer in ("roads", "waterways"):
        tree = shapely.STRtree(xigang_metric[layer].geometry.values)
        hits = tree.query(b, predicate="intersects")
        assert hits.shape[1] == 0, layer


def test_buildings_lie_inside_their_community(xigang_metric: dict[str, gpd.GeoDataFrame]) -> None:
    b = xigang_metric["buildings"]
    comms = xigang_metric["communities"].set_index("code").geometry
    owner = comms.loc[b["building_id"].str[:12]].values
    assert shapely.within(b.geometry.values, owner).all()


def test_buildings_do_not_overlap(xigang_metric: dict[str, gpd.GeoDataFrame]) -> None:
    geoms = xigang_metric["buildings"].geometry.values
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    assert (left == right).all()


def test_compound_buildings_lie_in_their_compound(
    xigang_metric: dict[str, gpd.GeoDataFrame],
) -> None:
    b = xigang_metric["buildings"]
    compounds = xigang_metric["compounds"].set_index("compound_id").geometry
    inside = b[b["compound_id"].notna()]
    assert len(inside) > 0
    assert set(inside["compound_id"]) == set(compounds.index)
    assert shapely.within(inside.geometry.values, compounds.loc[inside["compound_id"]].values).all()
    area_ha = compounds.area / 1e4
    assert area_ha.min() >= 0.25 and np.median(area_ha) < 10  # plausible 小区 sizes


def test_urban_local_roads_make_blocks_of_a_few_hundred_households(
    xigang_metric: dict[str, gpd.GeoDataFrame],
) -> None:
    comms = xigang_metric["communities"]
    roads = xigang_metric["roads"]
    lines = shapely.union_all(
        np.concatenate([roads.geometry.values, shapely.boundary(comms.geometry.values)])
    )
    blocks = gpd.GeoSeries(
        shapely.get_parts(shapely.polygonize(shapely.get_parts(lines))), crs=comms.crs
    )
    blocks = blocks[blocks.area > 100]
    b = xigang_metric["buildings"]
    joined = gpd.sjoin(
        gpd.GeoDataFrame(b, geometry=b.centroid),
        gpd.GeoDataFrame(geometry=blocks),
        predicate="within",
    )
    per_block = joined.groupby("index_right")["households"].sum()
    assert per_block.median() < 600  # small enough for basic grids of 300-500 households
