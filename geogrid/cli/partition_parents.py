"""Communities and their streets in the file of ``geogrid partition FILE``.

A community's ``street_code`` that names no street of the file's streets layer is listed as
import lists it (``unknown_parent``: "not in the store or this import"), and the community is
divided. A street that no community names is divided whole (``partition_jobs.parents_of``), so
when such a street holds a community whose street_code names no street (a typo in the code),
the street would be divided over its communities and the engine would refuse two parents that
overlap: that is refused first, naming the community and the field. (A code that does not start
with its street_code is refused by import's own check, ``io._values.check_codes``.)
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geogrid.errors import InputError
from geogrid.io._checks import feature_label

Layers = dict[str, gpd.GeoDataFrame | None]


def parent_notes(layers: Layers, names: dict[str, str], path: Path) -> list[str]:
    """One note per street_code of the communities that names no street of the file (with
    codes checked, street_code filled from the code: ``io._values.check_codes``).

    Raises InputError when such a community lies in a street that no community names."""
    communities, streets = layers.get("communities"), layers.get("streets")
    if communities is None or communities.empty or streets is None or streets.empty:
        return []
    if "street_code" not in communities.columns or "code" not in streets.columns:
        return []
    codes = communities["street_code"].astype("string")
    unknown = (codes.notna() & ~codes.isin(set(streets["code"].astype(str)))).to_numpy()
    if not unknown.any():
        return []
    labels = feature_label(communities, "communities")
    where = f"{path}, layer {names['communities']}"
    _refuse_street_over(communities[unknown], labels[unknown], streets, set(codes.dropna()), where)
    return [
        f"{names['communities']}: street_code {code} is not in the {names['streets']} layer "
        f"({len(group)} feature(s), first {group.iloc[0]}): containment not checked"
        for code, group in labels[unknown].groupby(codes[unknown])
    ]


def _refuse_street_over(
    lost: gpd.GeoDataFrame,
    labels: pd.Series,
    streets: gpd.GeoDataFrame,
    named: set[str],
    where: str,
) -> None:
    """Refuse a community with an unknown street_code inside a street no community names."""
    alone = streets[~streets["code"].astype(str).isin(named)]
    if alone.empty:
        return
    points = lost.geometry.representative_point().to_crs(alone.crs).to_numpy()
    hit, street = shapely.STRtree(alone.geometry.to_numpy()).query(points, predicate="within")
    if not len(hit):
        return
    first = int(np.min(hit))
    row = lost.iloc[first]
    code = alone["code"].astype(str).iloc[int(street[hit == first][0])]
    raise InputError(
        f"street_code {row['street_code']} names no street of the file, and the community lies "
        f"in street {code}, which no community names: that street would be divided whole, over "
        f"its communities; correct the street_code (and the code's first 9 digits) or the "
        "street's code",
        file=where,
        feature=labels.iloc[first],
        field="street_code",
    )
