"""Coordinate systems used in China: EPSG transforms with pyproj, and the GCJ-02 / BD-09 offsets.

GCJ-02 (AMap, Tencent, most phone apps) and BD-09 (Baidu) are not EPSG systems: they shift
WGS 84 by a published non-linear formula, hundreds of metres. geogrid stores everything in
EPSG:4326; :func:`to_storage_crs` is the one door in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS

from geogrid import crs_fit
from geogrid.densify import densified_to_crs
from geogrid.errors import CRSError

STORAGE_CRS: Final = "EPSG:4326"
OFFSET_SYSTEMS: Final = ("gcj02", "bd09")
_A: Final = 6378245.0
_EE: Final = 0.00669342162296594323
_X_PI: Final = np.pi * 3000.0 / 180.0
_DECLARE_HINT: Final = (
    "declare it with --source-crs (EPSG:4326 for WGS 84, EPSG:4490 for CGCS2000, "
    "an EPSG code for projected data, or gcj02 / bd09 for AMap / Baidu coordinates)"
)

Coords = NDArray[np.float64]


def _in_china(lon: Coords, lat: Coords) -> NDArray[np.bool_]:
    return (lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271)


def _offset(lon: Coords, lat: Coords) -> tuple[Coords, Coords]:
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat += common
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += common
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    inside = _in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lon: Coords, lat: Coords) -> tuple[Coords, Coords]:
    """The published forward formula; points outside China are returned unchanged."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _offset(lon, lat)
    return lon + dlon, lat + dlat


def _invert(
    forward: Callable[[Coords, Coords], tuple[Coords, Coords]],
    lon: Coords,
    lat: Coords,
    *,
    tolerance_deg: float = 1e-10,
    max_iter: int = 30,
) -> tuple[Coords, Coords]:
    """Invert a near-identity shift by fixed-point iteration (to well under a millimetre)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    wlon, wlat = lon.copy(), lat.copy()
    for _ in range(max_iter):
        flon, flat = forward(wlon, wlat)
        elon, elat = flon - lon, flat - lat
        wlon, wlat = wlon - elon, wlat - elat
        if np.all(np.abs(elon) < tolerance_deg) and np.all(np.abs(elat) < tolerance_deg):
            break
    return wlon, wlat


def gcj02_to_wgs84(lon: Coords, lat: Coords) -> tuple[Coords, Coords]:
    """The inverse of the published GCJ-02 formula, by iteration."""
    return _invert(wgs84_to_gcj02, lon, lat)


def gcj02_to_bd09(lon: Coords, lat: Coords) -> tuple[Coords, Coords]:
    """GCJ-02 to Baidu's BD-09."""
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: Coords, lat: Coords) -> tuple[Coords, Coords]:
    """Baidu's BD-09 to GCJ-02: the exact inverse of :func:`gcj02_to_bd09`, by iteration."""
    return _invert(gcj02_to_bd09, lon, lat)


def bd09_to_wgs84(lon: Coords, lat: Coords) -> tuple[Coords, Coords]:
    """Baidu's BD-09 to WGS 84."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def wgs84_to_bd09(lon: Coords, lat: Coords) -> tuple[Coords, Coords]:
    """WGS 84 to Baidu's BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


_TO_WGS84 = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
_FROM_WGS84 = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}


def _on_xy(func: Callable[[Coords, Coords], tuple[Coords, Coords]]) -> Callable[[Coords], Coords]:
    def on_xy(xy: Coords) -> Coords:
        lon, lat = func(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return on_xy


def _apply(
    geoms: gpd.GeoSeries, func: Callable[[Coords, Coords], tuple[Coords, Coords]]
) -> gpd.GeoSeries:
    values = shapely.transform(np.asarray(geoms.values), _on_xy(func))
    return gpd.GeoSeries(values, index=geoms.index, crs=STORAGE_CRS)


def offset_transform(system: str) -> Callable[[Coords], Coords]:
    """The GCJ-02 or BD-09 offset as a function of an (n, 2) array of WGS 84 lon/lat (degrees),
    for ``shapely.transform`` over any array of geometries (streamed exports)."""
    return _on_xy(_FROM_WGS84[_offset_system(system)])


def offset_to_wgs84(geoms: gpd.GeoSeries, system: str) -> gpd.GeoSeries:
    """Remove the GCJ-02 or BD-09 offset from lon/lat geometries."""
    return _apply(geoms, _TO_WGS84[_offset_system(system)])


def wgs84_to_offset(geoms: gpd.GeoSeries, system: str) -> gpd.GeoSeries:
    """Add the GCJ-02 or BD-09 offset (for showing data on AMap or Baidu base maps)."""
    return _apply(geoms, _FROM_WGS84[_offset_system(system)])


_OFFSET_NAMES: Final = {"gcj02": "GCJ-02", "bd09": "BD-09"}


def offset_crs(system: str) -> CRS:
    """A CRS that says honestly what GCJ-02 / BD-09 coordinates are, for files that store WKT.

    No EPSG code exists for them; labelling them EPSG:4326 would let any GIS place them
    hundreds of metres off. This geographic CRS (WGS 84 ellipsoid, longitude first) carries the
    offset's name, so a reader sees what it gets. Shapes: none; units: degrees.
    """
    name = _OFFSET_NAMES[_offset_system(system)]
    degree = 'ANGLEUNIT["degree",0.0174532925199433]'
    return CRS.from_wkt(
        f'GEOGCRS["{name} (offset of WGS 84, no EPSG code)",'
        f'DATUM["{name} offset of World Geodetic System 1984",'
        'ELLIPSOID["WGS 84",6378137,298.257223563,LENGTHUNIT["metre",1]]],'
        f'PRIMEM["Greenwich",0,{degree}],CS[ellipsoidal,2],'
        f'AXIS["geodetic longitude (Lon)",east,ORDER[1],{degree}],'
        f'AXIS["geodetic latitude (Lat)",north,ORDER[2],{degree}],'
        f'REMARK["coordinates shifted from WGS 84 by the {name} algorithm"]]'
    )


def _offset_system(name: str) -> str:
    key = name.lower().replace("-", "").replace("_", "")
    if key not in OFFSET_SYSTEMS:
        raise CRSError(
            f"unknown offset system {name!r}; expected one of {', '.join(OFFSET_SYSTEMS)}"
        )
    return key


def parse_source_crs(value: str | None) -> str | CRS | None:
    """Parse a user's ``--source-crs``: ``gcj02``, ``bd09`` or anything pyproj understands."""
    if value is None or value == "":
        return None
    key = value.lower().replace("-", "").replace("_", "")
    if key in OFFSET_SYSTEMS:
        return key
    try:
        return CRS.from_user_input(value)
    except Exception as exc:  # pyproj raises its own CRSError with a long text
        raise CRSError(f"unknown CRS {value!r}; {_DECLARE_HINT}") from exc


def describe_crs(crs: str | CRS | None) -> str:
    """A short label for a CRS, recorded with every layer: 'EPSG:4490', 'gcj02', ..."""
    if crs is None:
        return "unknown"
    if isinstance(crs, str):
        return crs
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_string()


def to_storage_crs(
    frame: gpd.GeoDataFrame,
    *,
    source_crs: str | CRS | None = None,
    file: str | None = None,
    notes: list[str] | None = None,
) -> tuple[gpd.GeoDataFrame, str]:
    """Return ``frame`` in EPSG:4326 and a label of the CRS it came in.

    A frame without a CRS is refused unless ``source_crs`` declares one; a declared CRS that
    contradicts the file's own is refused naming both, unless the coordinates fit only the
    declared one (a wrong ``.prj``; said in ``notes``). Coordinates that cannot lie in the CRS's
    area of use are refused naming the CRS that fits where one can be inferred (Gauss-Krüger
    eastings with the zone number in front). ``gcj02`` / ``bd09`` mean lon/lat with that offset,
    whatever geographic CRS the file claims.
    """
    declared = parse_source_crs(source_crs) if isinstance(source_crs, str) else source_crs
    if declared is None and frame.crs is None:
        raise CRSError(f"the file has no CRS; {_zone_hint(frame)}{_DECLARE_HINT}", file=file)
    if isinstance(declared, str):
        bounds = _bounds(frame)
        if (
            frame.crs is not None
            and not CRS.from_user_input(frame.crs).is_geographic
            and not (bounds is not None and _lonlat_range(bounds))
        ):
            raise CRSError(
                f"--source-crs {declared} means lon/lat with an offset, but the file is in the "
                f"projected CRS {describe_crs(frame.crs)}",
                file=file,
            )
        _check_lonlat(frame, file=file)
        out = frame.set_crs(STORAGE_CRS, allow_override=True)
        out = out.set_geometry(offset_to_wgs84(out.geometry, declared))
        return out, declared
    own = CRS.from_user_input(frame.crs) if frame.crs is not None else None
    crs = own if declared is None else declared
    assert crs is not None
    if (
        own is not None
        and declared is not None
        and not own.equals(declared, ignore_axis_order=True)
    ):
        if not (_fits(frame, declared) and not _fits(frame, own)):
            raise CRSError(
                f"--source-crs {describe_crs(declared)} contradicts the file's own CRS "
                f"{describe_crs(own)}; drop --source-crs or fix the file",
                file=file,
            )
        if notes is not None:
            notes.append(
                f"the coordinates cannot lie in the file's own CRS {describe_crs(own)}; "
                f"read them in {describe_crs(declared)} as --source-crs says"
            )
    out = frame.set_crs(crs, allow_override=True)
    if crs.is_geographic:
        _check_lonlat(out, file=file)
    else:
        _check_fit(out, crs, file=file)
    return _transformed(out, crs, file=file), describe_crs(crs)


def _bounds(frame: gpd.GeoDataFrame) -> tuple[float, float, float, float] | None:
    geoms = frame.geometry
    if frame.empty or geoms.is_empty.all():
        return None
    minx, miny, maxx, maxy = (float(v) for v in geoms.total_bounds)
    return minx, miny, maxx, maxy


def _fits(frame: gpd.GeoDataFrame, crs: CRS) -> bool:
    bounds = _bounds(frame)
    if bounds is None:
        return True
    if crs.is_geographic:
        return _lonlat_range(bounds)
    return crs_fit.fits(bounds, crs) and not _lonlat_range(bounds)


def _lonlat_range(bounds: tuple[float, float, float, float]) -> bool:
    """Every coordinate within lon/lat range. In a projected CRS (metres) that is a layer
    inside 180 m of the CRS's origin: degrees labelled with the wrong CRS, in practice."""
    minx, miny, maxx, maxy = bounds
    return minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90


def _zone_hint(frame: gpd.GeoDataFrame) -> str:
    bounds = _bounds(frame)
    candidate = crs_fit.zone_prefixed(bounds, None) if bounds is not None else None
    if candidate is None:
        return ""
    zone = int(bounds[0] // 1_000_000) if bounds else 0
    return (
        f"the eastings carry a Gauss-Krüger zone number ({zone}) in front and fit "
        f"{crs_fit.describe_fit(candidate)} if the datum is CGCS2000; "
    )


def _check_fit(frame: gpd.GeoDataFrame, crs: CRS, *, file: str | None) -> None:
    """One line naming the CRS that fits, when the coordinates cannot lie in ``crs``."""
    bounds = _bounds(frame)
    if bounds is None:
        return
    minx, miny, maxx, maxy = bounds
    if _lonlat_range(bounds):
        raise CRSError(
            f"coordinates ({minx:.5f}, {miny:.5f}) .. ({maxx:.5f}, {maxy:.5f}) look like lon/lat "
            f"degrees, but the CRS of the file is the projected {describe_crs(crs)} {crs.name} "
            "(metres); if they are WGS 84 import again with --source-crs EPSG:4326 "
            "(EPSG:4490 for CGCS2000, gcj02 / bd09 for AMap / Baidu)",
            file=file,
        )
    if crs_fit.fits(bounds, crs):
        return
    area = crs.area_of_use
    where = (
        f" (area of use {area.west:g} to {area.east:g}°E, {area.south:g} to {area.north:g}°N)"
        if area is not None
        else ""
    )
    message = (
        f"coordinates ({minx:,.0f}, {miny:,.0f}) .. ({maxx:,.0f}, {maxy:,.0f}) cannot lie in "
        f"{describe_crs(crs)} {crs.name}{where}"
    )
    candidate = crs_fit.zone_prefixed(bounds, crs)
    if candidate is not None:
        label = crs_fit.describe_fit(candidate)
        zone = int(minx // 1_000_000)
        raise CRSError(
            f"{message}: the eastings carry the Gauss-Krüger zone number {zone} in front, "
            f"which the declared CRS does not; they fit {label}: import again with "
            f"--source-crs {label.split(' ')[0]}",
            file=file,
        )
    candidate = crs_fit.without_prefix(bounds, crs)
    if candidate is not None:
        label = crs_fit.describe_fit(candidate)
        raise CRSError(
            f"{message}: the declared CRS writes the Gauss-Krüger zone number in front of the "
            f"easting, the coordinates do not; they fit {label}: import again with "
            f"--source-crs {label.split(' ')[0]}",
            file=file,
        )
    raise CRSError(
        f"{message}: the CRS of the file is wrong or the coordinates are damaged; {_DECLARE_HINT}",
        file=file,
    )


def _transformed(frame: gpd.GeoDataFrame, crs: CRS, *, file: str | None) -> gpd.GeoDataFrame:
    """``frame`` in EPSG:4326; a transform that fails or gives no finite point is a CRSError."""
    try:  # edges cut first, so that neighbours' shared edges stay shared (geogrid.densify)
        out = densified_to_crs(frame, STORAGE_CRS)
    except Exception as exc:  # pyproj raises many types; the user gets one line
        raise CRSError(
            f"cannot transform from {describe_crs(crs)} to WGS 84 ({str(exc)[:120]})", file=file
        ) from exc
    bounds = _bounds(out)
    if bounds is not None and not np.all(np.isfinite(bounds)):
        raise CRSError(
            f"the coordinates do not transform from {describe_crs(crs)} to WGS 84 "
            f"(they lie outside what the CRS can express); {_DECLARE_HINT}",
            file=file,
        )
    return out


def _check_lonlat(frame: gpd.GeoDataFrame, *, file: str | None) -> None:
    if frame.empty or frame.geometry.is_empty.all():
        return
    minx, miny, maxx, maxy = frame.total_bounds
    swapped = minx >= -90 and maxx <= 90 and miny >= -180 and maxy <= 180
    if swapped and (miny < -90 or maxy > 90):
        raise CRSError(
            f"coordinates ({minx:.4f}, {miny:.4f}) .. ({maxx:.4f}, {maxy:.4f}) look like "
            "(latitude, longitude): the axes are swapped; write longitude first (x) and "
            "latitude second (y)",
            file=file,
        )
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise CRSError(
            f"coordinates ({minx:.1f}, {miny:.1f}) .. ({maxx:.1f}, {maxy:.1f}) are not lon/lat "
            f"although the CRS is geographic; the data looks projected, {_DECLARE_HINT}",
            file=file,
        )


def metric_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> CRS:
    """The UTM zone of the data (WGS 84 datum): metric work is done there."""
    if frame.crs is None:
        raise CRSError("cannot choose a metric CRS for data without a CRS")
    geographic = (
        frame.to_crs(STORAGE_CRS) if not CRS.from_user_input(frame.crs).is_geographic else frame
    )
    try:
        utm = geographic.estimate_utm_crs()
    except Exception as exc:  # pyproj: "Unable to determine UTM CRS" for unusable extents
        raise CRSError(
            f"cannot choose a metric CRS: the data's extent {geographic.total_bounds.tolist()} "
            "is not a place on Earth; check the file's CRS"
        ) from exc
    if utm is None:  # pragma: no cover - only for empty or degenerate input
        raise CRSError("cannot choose a metric CRS: the data has no extent")
    return utm
