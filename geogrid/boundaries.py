"""The seed boundaries: real district outlines, NBS names and codes, census.

The files live in ``geogrid/data/boundaries`` (so the wheel carries them; the repository's
``data/boundaries`` links there).

The outlines are published by AMap in GCJ-02; :func:`districts` returns them in EPSG:4326.
Streets (9-digit codes) and communities / villages (12-digit codes) are names only: no shapes.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from geogrid.crs import STORAGE_CRS, offset_to_wgs84
from geogrid.errors import InputError, NotFound

DEFAULT_DIR: Final = Path(__file__).resolve().parent / "data" / "boundaries"
URBAN_KIND: Final = "community(社区)"
VILLAGE_KIND: Final = "village(村)"


def _folder(boundaries_dir: Path | str | None) -> Path:
    return Path(boundaries_dir) if boundaries_dir is not None else DEFAULT_DIR


def _file(path: Path) -> Path:
    if not path.is_file():
        raise InputError(
            "the seed boundaries file is missing; pass boundaries_dir= a folder holding "
            "districts_gcj02.geojson, streets_nbs2023.csv, communities_villages_nbs2023.csv "
            "and census2020_district.csv",
            file=str(path),
        )
    return path


@lru_cache(maxsize=8)
def _districts(folder: Path) -> gpd.GeoDataFrame:
    raw = gpd.read_file(_file(folder / "districts_gcj02.geojson"))
    geometry = offset_to_wgs84(raw.geometry.set_crs(STORAGE_CRS, allow_override=True), "gcj02")
    frame = gpd.GeoDataFrame(
        {
            "code": raw["adcode"].astype(str).str.zfill(6),
            "name": raw["district"].astype(str),
            "name_en": raw["name_en"].astype(str),
            "source_crs": "gcj02",
        },
        geometry=geometry.values,
        crs=STORAGE_CRS,
    )
    return frame.sort_values("code", kind="stable").reset_index(drop=True)


def districts(*, boundaries_dir: Path | str | None = None) -> gpd.GeoDataFrame:
    """The seed district outlines in EPSG:4326: code (6 digits), name, name_en, source_crs."""
    return _districts(_folder(boundaries_dir)).copy()


def _check_code(code: str, known: pd.Series, what: str = "district") -> str:
    code = str(code)
    if code not in set(known):
        raise NotFound(
            f"unknown {what} code {code!r}; the seed data has {', '.join(sorted(set(known)))}"
        )
    return code


def district_outline(code: str, *, boundaries_dir: Path | str | None = None) -> BaseGeometry:
    """The outline of one district (EPSG:4326, a (Multi)Polygon)."""
    frame = _districts(_folder(boundaries_dir))
    code = _check_code(code, frame["code"])
    return frame.loc[frame["code"] == code, "geometry"].iloc[0]


def district_row(code: str, *, boundaries_dir: Path | str | None = None) -> pd.Series:
    """One district's row of :func:`districts` (code, name, name_en, source_crs, geometry)."""
    frame = _districts(_folder(boundaries_dir))
    code = _check_code(code, frame["code"])
    return frame.loc[frame["code"] == code].iloc[0].copy()


@lru_cache(maxsize=8)
def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(_file(path), dtype=str, keep_default_na=False)


def streets_of(code: str, *, boundaries_dir: Path | str | None = None) -> pd.DataFrame:
    """The NBS streets / towns of a district: code (9 digits), name, unit_type, district_code."""
    folder = _folder(boundaries_dir)
    table = _csv(folder / "streets_nbs2023.csv")
    code = _check_code(code, _districts(folder)["code"])
    rows = table[table["district_code"] == code]
    out = pd.DataFrame(
        {
            "code": rows["street_code"].to_numpy(),
            "name": rows["street_name"].to_numpy(),
            "unit_type": rows["unit_type"].to_numpy(),
            "district_code": code,
        }
    )
    return out.sort_values("code", kind="stable").reset_index(drop=True)


def communities_of(code: str, *, boundaries_dir: Path | str | None = None) -> pd.DataFrame:
    """The NBS communities and villages of a district.

    Columns code (12 digits), name, kind (the NBS kind, "community(社区)" or "village(村)"),
    area_kind ("urban" or "village"), street_code, street_name.
    """
    folder = _folder(boundaries_dir)
    table = _csv(folder / "communities_villages_nbs2023.csv")
    code = _check_code(code, _districts(folder)["code"])
    rows = table[table["district_code"] == code]
    out = pd.DataFrame(
        {
            "code": rows["village_code"].to_numpy(),
            "name": rows["village_name"].to_numpy(),
            "kind": rows["kind"].to_numpy(),
            "area_kind": ["urban" if k == URBAN_KIND else "village" for k in rows["kind"]],
            "street_code": rows["street_code"].to_numpy(),
            "street_name": rows["street_name"].to_numpy(),
        }
    )
    return out.sort_values("code", kind="stable").reset_index(drop=True)


def census(code: str, *, boundaries_dir: Path | str | None = None) -> pd.Series:
    """The district's 2020 census row (population, urban / rural population, households, ...)."""
    folder = _folder(boundaries_dir)
    table = _csv(folder / "census2020_district.csv")
    code = _check_code(code, table["adcode"])
    return table.loc[table["adcode"] == code].iloc[0].copy()


def census_households(code: str, *, boundaries_dir: Path | str | None = None) -> int:
    """The district's family households in the 2020 census."""
    return int(census(code, boundaries_dir=boundaries_dir)["family_households"])
