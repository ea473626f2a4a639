"""The barrier hierarchy: classes of line, what cutting along each costs, and which layer
value falls in which class. The one place to change them.

Cutting through a block (between two buildings with no line between them) costs 1 per metre;
cutting along a barrier costs its class's weight per metre. Railways, motorways, arterials and
rivers are nearly free to follow and so are not crossed wherever a division within the band
allows; secondary roads are strongly preferred; local roads, lanes and paths are cheap cuts but
not required. The quality report gives the share of grid boundary on each class.
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import numpy as np
from numpy.typing import NDArray

CLASSES: Final = ("major", "secondary", "local")  # most important first
COST: Final[dict[str, float]] = {"major": 0.005, "secondary": 0.02, "local": 0.05}
# a metre between two pieces of large empty land (fields, woods, parks cut by ``_empty_land``):
# cheaper than through a block, so the refinement's compactness term can share such land out
OPEN_LAND_COST: Final = 0.3
# road_class / waterway_class values (OSM highway=* and waterway=* and common Chinese usage)
_LOCAL_ROADS: Final = [
    "tertiary",
    "local",
    "residential",
    "unclassified",
    "service",
    "living_street",
    "lane",
    "hutong",
    "alley",
    "path",
    "footway",
    "cycleway",
    "track",
    "pedestrian",
    "steps",
    "branch",
]
ROAD_CLASS: Final[dict[str, str]] = {
    **dict.fromkeys(
        ("motorway", "trunk", "primary", "expressway", "ring", "ring_road", "arterial", "major"),
        "major",
    ),
    **dict.fromkeys(("secondary", "collector", "sub_arterial"), "secondary"),
    **dict.fromkeys(_LOCAL_ROADS, "local"),
}
WATERWAY_CLASS: Final[dict[str, str]] = {
    **dict.fromkeys(("river", "canal", "riverbank"), "major"),
    **dict.fromkeys(("stream", "drain", "ditch", "brook"), "local"),
}
UNKNOWN: Final = "secondary"  # a road without a known class: neither ignored nor a wall


def line_classes(frame: gpd.GeoDataFrame, layer: int) -> NDArray[np.int64]:
    """Class index (into CLASSES) of each line of a barrier frame.

    ``layer`` is the frame's place in (roads, waterways, railways): railways are all major,
    roads are classed by ``road_class`` (or OSM's ``highway``), waterways by
    ``waterway_class`` (or OSM's ``waterway``; rivers when unknown).
    """
    if layer == 2:
        return np.zeros(len(frame), dtype=np.int64)
    columns, table, default = (
        (("road_class", "highway"), ROAD_CLASS, UNKNOWN)
        if layer == 0
        else (("waterway_class", "waterway"), WATERWAY_CLASS, "major")
    )
    column = next((c for c in columns if c in frame.columns), None)
    if column is None:
        return np.full(len(frame), CLASSES.index(default), dtype=np.int64)
    values = frame[column].astype("string").fillna("").str.strip().str.lower()
    values = values.str.removesuffix("_link")  # OSM: motorway_link, primary_link, ...
    names = values.map(lambda v: table.get(v, default))
    return np.asarray([CLASSES.index(n) for n in names], dtype=np.int64)


def class_costs() -> NDArray[np.float64]:
    """Cost per metre of cutting along each class, in CLASSES order."""
    return np.asarray([COST[c] for c in CLASSES], dtype=float)
