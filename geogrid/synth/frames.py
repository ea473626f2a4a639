"""Turn the generated geometry into the schema layers (EPSG:4326, synthetic everywhere)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from geogrid.crs import STORAGE_CRS
from geogrid.schema import LAYERS
from geogrid.synth.tiling import harmonise

LONLAT_GRID = 1e-9  # degrees, about 0.1 mm: the snapping grid of the stored coverage
SYNTH_LAYERS = (
    "districts",
    "streets",
    "communities",
    "buildings",
    "roads",
    "waterways",
    "compounds",
)


@dataclass
class Collected:
    """Roads, rivers, buildings and compounds gathered community by community."""

    arterial: NDArray[np.object_]
    secondary: NDArray[np.object_]
    rivers: NDArray[np.object_]
    local: list[tuple[int, NDArray[np.object_], str]] = field(default_factory=list)
    buildings: list[tuple[int, dict[str, np.ndarray]]] = field(default_factory=list)
    compounds: list[tuple[int, list[BaseGeometry]]] = field(default_factory=list)

    def add_community(
        self,
        index: int,
        local: NDArray[np.object_],
        road_class: str,
        buildings: dict[str, np.ndarray],
        compounds: list[BaseGeometry],
        *,
        paths: NDArray[np.object_] | None = None,
    ) -> None:
        self.local.append((index, local, road_class))
        if paths is not None and len(paths):
            self.local.append((index, paths, "path"))
        self.buildings.append((index, buildings))
        self.compounds.append((index, compounds))


def _frame(
    name: str, columns: Mapping[str, object], geometry: object, crs: CRS | str
) -> gpd.GeoDataFrame:
    spec = LAYERS[name]
    data = pd.DataFrame(columns)
    data["synthetic"] = True
    frame = gpd.GeoDataFrame(data[list(spec.stored_fields)], geometry=list(geometry), crs=crs)  # type: ignore[call-overload]
    return frame.to_crs(STORAGE_CRS)


def _coverage(
    comm_polys: list[BaseGeometry], comms: pd.DataFrame, streets: pd.DataFrame, crs: CRS
) -> tuple[list[BaseGeometry], list[BaseGeometry], BaseGeometry]:
    """Communities, streets and the district in EPSG:4326, re-noded there: a coverage that is
    exact and valid in the stored coordinates, not only in the metric ones."""
    lonlat = list(gpd.GeoSeries(comm_polys, crs=crs).to_crs(STORAGE_CRS).values)
    comm_out = harmonise(lonlat, grid=LONLAT_GRID)
    codes = comms["street_code"].to_numpy()
    street_out = [
        shapely.union_all([comm_out[i] for i in np.flatnonzero(codes == s)], grid_size=LONLAT_GRID)
        for s in streets["code"]
    ]
    return comm_out, street_out, shapely.union_all(street_out, grid_size=LONLAT_GRID)


def to_layers(
    row: pd.Series,
    streets: pd.DataFrame,
    comms: pd.DataFrame,
    comm_polys: list[BaseGeometry],
    got: Collected,
    crs: CRS,
) -> dict[str, gpd.GeoDataFrame]:
    """The seven layers of a synthetic city."""
    comm_polys, street_polys, district = _coverage(comm_polys, comms, streets, crs)
    out = {
        "districts": _frame(
            "districts", {"code": [row["code"]], "name": [row["name"]]}, [district], STORAGE_CRS
        ),
        "streets": _frame(
            "streets",
            {"code": streets["code"], "name": streets["name"], "district_code": row["code"]},
            street_polys,
            STORAGE_CRS,
        ),
        "communities": _frame(
            "communities",
            {
                "code": comms["code"],
                "name": comms["name"],
                "street_code": comms["street_code"],
                "area_type": comms["area_type"],
                "households": comms["households"].astype("int64"),
            },
            comm_polys,
            STORAGE_CRS,
        ),
    }
    out["roads"] = _roads(got, comms, crs)
    out["waterways"] = _frame(
        "waterways",
        {
            "waterway_id": [f"W{i + 1:03d}" for i in range(len(got.rivers))],
            "waterway_class": "river",
            "name": [f"Synthetic River {i + 1}" for i in range(len(got.rivers))],
        },
        got.rivers,
        crs,
    )
    out["buildings"], out["compounds"] = _buildings(got, comms, crs)
    return {name: out[name] for name in SYNTH_LAYERS}


def _roads(got: Collected, comms: pd.DataFrame, crs: CRS) -> gpd.GeoDataFrame:
    geoms: list[object] = []
    classes: list[str] = []
    names: list[object] = []
    for lines, cls in ((got.arterial, "arterial"), (got.secondary, "secondary")):
        geoms.extend(lines)
        classes.extend([cls] * len(lines))
        names.extend(f"Synthetic {cls.title()} {k + 1}" for k in range(len(lines)))
    for _index, lines, cls in got.local:
        geoms.extend(lines)
        classes.extend([cls] * len(lines))
        names.extend([None] * len(lines))
    ids = [f"R{k + 1:07d}" for k in range(len(geoms))]
    return _frame("roads", {"road_id": ids, "road_class": classes, "name": names}, geoms, crs)


def _buildings(
    got: Collected, comms: pd.DataFrame, crs: CRS
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    codes = comms["code"].to_numpy()
    names = comms["name"].to_numpy()
    comp_ids: list[str] = []
    comp_names: list[str] = []
    comp_geoms: list[BaseGeometry] = []
    cols: dict[str, list[np.ndarray]] = {
        k: [] for k in ("building_id", "levels", "households", "use", "compound_id", "geometry")
    }
    for (index, arrays), (_, compounds) in zip(got.buildings, got.compounds, strict=True):
        code = codes[index]
        local_ids = [f"{code}C{k + 1:03d}" for k in range(len(compounds))]
        comp_ids.extend(local_ids)
        short = str(names[index]).removesuffix("社区居委会").removesuffix("居委会")
        comp_names.extend(f"{short}{k + 1}号院" for k in range(len(compounds)))
        comp_geoms.extend(compounds)
        n = len(arrays["geometry"])
        cols["building_id"].append(
            np.array([f"{code}B{k + 1:05d}" for k in range(n)], dtype=object)
        )
        cols["levels"].append(arrays["levels"])
        cols["households"].append(arrays["households"])
        cols["use"].append(arrays["use"])
        lookup = np.array([*local_ids, None], dtype=object)
        cols["compound_id"].append(
            lookup[np.where(arrays["compound"] >= 0, arrays["compound"], -1)]
        )
        cols["geometry"].append(arrays["geometry"])
    joined = {k: np.concatenate(v) if v else np.empty(0) for k, v in cols.items()}
    geometry = joined.pop("geometry")
    joined["levels"] = joined["levels"].astype("int64")
    joined["households"] = joined["households"].astype("int64")
    joined["households_source"] = np.full(len(geometry), "given", dtype=object)
    buildings = _frame("buildings", joined, geometry, crs)
    compounds = _frame("compounds", {"compound_id": comp_ids, "name": comp_names}, comp_geoms, crs)
    return buildings, compounds
