"""Where an incident is: lon/lat in a declared CRS (WGS 84, CGCS2000, GCJ-02, BD-09 or any EPSG
code) turned into WGS 84, or no position at all.

No position is a missing or non-numeric coordinate, the null island 0,0 (what many apps send
when the phone had no fix) or a value outside lon/lat range. Such a record is kept
``unlocated`` for a dispatcher to place, and flagged with the reason (``zero_position``,
``position_out_of_range``) so an import summary counts it; the rest of the batch goes in.
Only a record with no coordinates and no address at all is a problem (nothing to place it by).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyproj
from pyproj import CRS, Transformer

from geogrid.crs import bd09_to_wgs84, gcj02_to_wgs84
from geogrid.errors import CRSError
from geogrid.incidents.batch import IntakeBatch

_LONLAT = ("EPSG:4326", "EPSG:4490", "gcj02", "bd09")


def no_position(lon: Any, lat: Any) -> bool:
    """True when ``lon``/``lat`` (WGS 84 degrees, as sent) place nothing: blank, not a number,
    0,0 or out of range."""
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        return True
    return not _on_earth(np.array([x]), np.array([y]))[0] or (x == 0 and y == 0)


def locate(
    data: pd.DataFrame, out: pd.DataFrame, batch: IntakeBatch, refs: pd.Series, *, source_crs: str
) -> None:
    """Fill ``out``'s ``lon``, ``lat`` (WGS 84; NaN when unlocated), ``unlocated``,
    ``position_flag``, ``address`` and ``location_crs`` from ``data``'s canonical columns."""
    lon, lat = number(data, "lon"), number(data, "lat")
    missing = (lon.isna() | lat.isna()).to_numpy()
    given = (present(data, "lon") | present(data, "lat")).to_numpy()
    address = text(data, "address", None)
    has_address = (address.notna() & (address.astype(str).str.strip() != "")).to_numpy()
    batch.add(
        missing & ~(~given & has_address),
        refs,
        "location",
        "the record has no location (lon/lat missing or not a number) and no address",
    )
    crs = (
        data["crs"].fillna(source_crs).astype(str)
        if "crs" in data
        else pd.Series(source_crs, index=data.index)
    )
    labels = crs.map({c: crs_label(c) for c in crs.unique()})
    bad_crs = labels.isna().to_numpy()
    batch.add(
        bad_crs,
        refs,
        "crs",
        lambda i: f"unknown CRS {crs.iloc[i]}; use EPSG:4326, EPSG:4490, gcj02 or bd09",
    )
    x, y = lon.to_numpy(dtype=float).copy(), lat.to_numpy(dtype=float).copy()
    raw_x, raw_y = x.copy(), y.copy()
    lonlat = labels.isin(_LONLAT).to_numpy()
    zero = ~missing & lonlat & (raw_x == 0) & (raw_y == 0)
    outside = ~missing & lonlat & ~_on_earth(raw_x, raw_y)
    for label in labels.dropna().unique():
        mask = (labels == label).to_numpy() & ~missing & ~zero & ~outside
        if mask.any():
            x[mask], y[mask] = to_wgs84(x[mask], y[mask], str(label))
    # A projected CRS whose numbers do not land on the earth is a wrong CRS, not a lost fix.
    wrong = ~missing & ~bad_crs & ~lonlat & ~_on_earth(x, y)
    batch.add(wrong, refs, "location", lambda i: _not_in_crs(raw_x[i], raw_y[i], labels.iloc[i]))
    nowhere = zero | outside
    x[nowhere], y[nowhere] = np.nan, np.nan
    out["unlocated"] = (missing & ~given & has_address) | nowhere
    out["position_flag"] = np.where(
        zero, "zero_position", np.where(outside, "position_out_of_range", "")
    )
    out["address"] = address
    out["lon"], out["lat"] = x, y
    out["location_crs"] = labels.fillna("unknown")


def _on_earth(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.isfinite(x) & np.isfinite(y) & (np.abs(x) <= 180) & (np.abs(y) <= 90)


def _not_in_crs(x: float, y: float, label: str) -> str:
    return (
        f"coordinates ({x}, {y}) are not in {label} (they fall off the earth); "
        "declare the CRS they are in (a crs column or --source-crs)"
    )


def present(data: pd.DataFrame, name: str) -> pd.Series:
    """Where a column has something in it (a typo in a coordinate is an error, not 'unlocated')."""
    if name not in data:
        return pd.Series(False, index=data.index)
    return data[name].notna() & (data[name].astype("string").str.strip() != "")


def number(data: pd.DataFrame, name: str) -> pd.Series:
    """A numeric column (NaN where it is not a number, or all NaN when it is missing)."""
    if name not in data:
        return pd.Series(np.nan, index=data.index)
    return pd.to_numeric(data[name], errors="coerce")


def text(data: pd.DataFrame, name: str, default: str | None) -> pd.Series:
    """A text column (``default`` where empty or missing), as objects."""
    if name not in data:
        return pd.Series(default, index=data.index, dtype=object)
    return data[name].astype(object).where(data[name].notna(), default)


def crs_label(value: str) -> str | None:
    """``gcj02``, ``bd09`` or ``EPSG:n`` for a CRS as written in a sheet; None if unknown."""
    key = value.strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    if key in ("gcj02", "bd09"):
        return key
    if key in ("wgs84", "epsg4326", "epsg:4326"):
        return "EPSG:4326"
    if key in ("cgcs2000", "epsg4490", "epsg:4490"):
        return "EPSG:4490"
    try:
        epsg = CRS.from_user_input(value).to_epsg()
    except pyproj.exceptions.CRSError:
        return None
    return f"EPSG:{epsg}" if epsg else None


def to_wgs84(x: np.ndarray, y: np.ndarray, label: str) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates in the CRS ``label`` (see :func:`crs_label`) as WGS 84 lon/lat degrees."""
    if label == "gcj02":
        return gcj02_to_wgs84(x, y)
    if label == "bd09":
        return bd09_to_wgs84(x, y)
    if label in ("EPSG:4326", "EPSG:4490"):  # CGCS2000 is within a metre of WGS 84
        return x, y
    try:
        transformer = Transformer.from_crs(label, "EPSG:4326", always_xy=True)
    except pyproj.exceptions.ProjError as exc:
        raise CRSError(f"cannot transform from {label} to WGS 84", field="crs") from exc
    return transformer.transform(x, y)
