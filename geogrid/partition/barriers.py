"""The barrier hierarchy: classes of line, what cutting along each costs, and which layer
value falls in which class. The one place to change them.

Cutting through a block (between two buildings with no line between them) costs 1 per metre;
cutting along a barrier costs its class's weight per metre. Railways, motorways, arterials and
rivers are nearly free to follow and are not crossed wherever a division within the band
allows (``divide`` divides the regions they bound apart, ``_graph.major_regions``); secondary roads are strongly preferred; local roads, lanes and paths are cheap cuts but
not required. The quality report gives the share of grid boundary on each class.
"""

from __future__ import annotations

from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from geogrid.road_classes import canonical_road_class

CLASSES: Final = ("major", "secondary", "local")  # most important first
COST: Final[dict[str, float]] = {"major": 0.005, "secondary": 0.02, "local": 0.05}
# a metre between two pieces of large empty land (fields, woods, parks cut by ``_empty_land``):
# cheaper than through a block, so the refinement's compactness term can share such land out
OPEN_LAND_COST: Final = 0.3
# a road class of the schema (``geogrid.road_classes``, where every spelling lives) -> its class
ROAD_CLASS: Final[dict[str, str]] = {
    "motorway": "major",
    "arterial": "major",
    "secondary": "secondary",
    "local": "local",
    "path": "local",
}
WATERWAY_CLASS: Final[dict[str, str]] = {
    **dict.fromkeys(("river", "canal", "riverbank", "河", "河流", "运河"), "major"),
    **dict.fromkeys(("stream", "drain", "ditch", "brook", "溪", "沟", "渠", "水渠"), "local"),
}
UNKNOWN: Final = "secondary"  # a road without a known class: neither ignored nor a wall


def line_classes(frame: gpd.GeoDataFrame, layer: int) -> NDArray[np.int64]:
    """Class index (into CLASSES) of each line of a barrier frame.

    ``layer`` is the frame's place in (roads, waterways, railways): railways are all major,
    roads are classed by ``road_class`` (or OSM's ``highway``; any spelling
    ``geogrid.road_classes`` knows), waterways by ``waterway_class`` (or OSM's ``waterway``;
    rivers when unknown). A road of unknown class counts as secondary: neither ignored nor a
    wall (:func:`unknown_values` lists them for the report).
    """
    if layer == 2:
        return np.zeros(len(frame), dtype=np.int64)
    default = UNKNOWN if layer == 0 else "major"
    names = _class_names(frame, layer)
    return np.asarray(
        [CLASSES.index(n if isinstance(n, str) else default) for n in names], dtype=np.int64
    )


def unknown_values(frame: gpd.GeoDataFrame, layer: int) -> dict[str, int]:
    """Class values of a barrier frame that no table knows, with how many lines carry each."""
    if layer == 2:
        return {}
    raw = _raw_values(frame, layer)
    known = _class_names(frame, layer).map(lambda n: isinstance(n, str))
    unknown = raw.map(lambda v: isinstance(v, str) and v != "") & ~known
    return {str(k): int(v) for k, v in raw[unknown].value_counts().sort_index().items()}


def unclassed(frame: gpd.GeoDataFrame, layer: int) -> dict[str, Any]:
    """Lines of a barrier frame without a class value (blank, or no class column at all),
    taken as the default: ``{"lines": n, "column": name or None}``; empty when none."""
    if layer == 2 or frame.empty:
        return {}
    columns = ("road_class", "highway") if layer == 0 else ("waterway_class", "waterway")
    column = next((c for c in columns if c in frame.columns), None)
    raw = _raw_values(frame, layer)
    blank = int((raw.isna() | (raw == "")).sum())
    return {"lines": blank, "column": column} if blank else {}


def _raw_values(frame: gpd.GeoDataFrame, layer: int) -> pd.Series:
    columns = ("road_class", "highway") if layer == 0 else ("waterway_class", "waterway")
    column = next((c for c in columns if c in frame.columns), None)
    if column is None:
        return pd.Series(None, index=frame.index, dtype=object)
    return frame[column].map(lambda v: str(v).strip() if pd.notna(v) else None).astype(object)


def _class_names(frame: gpd.GeoDataFrame, layer: int) -> pd.Series:
    """The class name of each line (None where the value is missing or unknown)."""
    raw = _raw_values(frame, layer)
    if layer == 0:
        return raw.map(lambda v: ROAD_CLASS.get(canonical_road_class(v) or ""))
    return raw.map(lambda v: WATERWAY_CLASS.get(v.lower()) if isinstance(v, str) else None)


def class_costs() -> NDArray[np.float64]:
    """Cost per metre of cutting along each class, in CLASSES order."""
    return np.asarray([COST[c] for c in CLASSES], dtype=float)
