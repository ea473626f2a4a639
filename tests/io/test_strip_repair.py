"""A strip several communities run along is shared among them by ``--repair`` (issue 12,
found by a new user): a street's outline drawn with fewer vertices than its communities
leaves a chord centimetres wide and kilometres long between them and the street's edge.
Given whole to one community, it made a grid with a hairline tail 1.4 km along its
neighbour (Polsby-Popper 0.09). Now each community takes the part of the strip nearest to it.

A street of 0.02° x 0.01° at 36.2° N; two communities side by side leave a strip 2 cm high
(0.0000002°) along its whole south edge (1.8 km, about 40 m²)."""

from __future__ import annotations

import geopandas as gpd
import shapely

from geogrid.io._coverage import repair_coverage
from geogrid.validation import LayerFindings, ValidationReport

STREET = "370212001"
LOW = 36.2000002  # the communities' south edge: 2 cm north of the street's


def test_a_strip_along_two_communities_is_shared_by_nearness() -> None:
    street = gpd.GeoDataFrame(
        {"code": [STREET]}, geometry=[shapely.box(120.50, 36.20, 120.52, 36.21)], crs="EPSG:4326"
    )
    communities = gpd.GeoDataFrame(
        {"code": [f"{STREET}001", f"{STREET}002"], "street_code": [STREET] * 2},
        geometry=[shapely.box(120.50, LOW, 120.51, 36.21), shapely.box(120.51, LOW, 120.52, 36.21)],
        crs="EPSG:4326",
    )  # fmt: skip
    report = ValidationReport()
    fixed = repair_coverage(
        communities,
        LayerFindings(report, "communities", "c.gpkg"),
        parents=street,
        gap_max_m2=100.0,
        overlap_max_width_m=30.0,
        gap_max_width_m=2.0,
    )
    west, east = fixed.geometry.to_numpy()
    assert west.geom_type == east.geom_type == "Polygon"
    # each holds the strip below itself, and only that (1 cm north of the street's edge)
    assert west.covers(shapely.Point(120.505, 36.2000001))
    assert east.covers(shapely.Point(120.515, 36.2000001))
    assert not west.covers(shapely.Point(120.515, 36.2000001))
    assert shapely.union(west, east).equals(street.geometry[0])
    lines = report.repairs()
    assert len(lines) == 2, lines
    assert all("a strip along 2 neighbours, each given the part nearest to it" in x for x in lines)
