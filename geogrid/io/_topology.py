"""Checks across features and layers: overlaps, spills out of the parent, gaps, strays, offsets.

Areas are measured in square metres in the UTM zone of the data. Parents (districts of streets,
streets of communities, communities of buildings) come from the store or from the same import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Geod

from geogrid.crs import OFFSET_SYSTEMS, STORAGE_CRS, metric_crs, offset_to_wgs84
from geogrid.io._checks import column_or_none, feature_label
from geogrid.overlap_width import NOISE_WIDTH_M, inscribed_width, is_noise, too_wide_to_repair

if TYPE_CHECKING:
    from geogrid.validation import Context, LayerFindings, Thresholds

_PARENT_FIELD: Final = {"streets": "district_code", "communities": "street_code"}
_SINGULAR: Final = {
    "districts": "district",
    "streets": "street",
    "communities": "community",
    "buildings": "building",
}
# After converting an offset system the strays must (nearly) disappear to call it an offset.
_FIT_SHARE: Final = 0.1
_SEGMENT_DEG: Final = 0.0002
_STRAY_SHARE: Final = 0.01
# A building lies in a second community when more than this much of it (m² and share) does.
_STRADDLE_M2: Final = 1.0
_STRADDLE_SHARE: Final = 0.05
# CGCS2000 Gauss-Krüger: 6-degree zones 13-23 and CM 75-135E; 3-degree zones 25-45, CM 75-135E
_GK_FAMILIES: Final = (range(4491, 4502), range(4502, 4513), range(4513, 4534), range(4534, 4555))
_FAR_KM: Final = 50.0  # a layer this far from all its parents is in another place, not a stray
_OFFSET_NAMES: Final = {"gcj02": "GCJ-02 (AMap, Tencent)", "bd09": "BD-09 (Baidu)"}


def _geoms(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> np.ndarray:
    series = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
    return np.asarray(series.to_numpy(), dtype=object)


def _area_m2(geoms: np.ndarray, crs: CRS) -> np.ndarray:
    """Areas in m² of lon/lat geometries.

    The set operations run in lon/lat, where the data's edges are straight; projecting first
    would bend shared edges differently and make false slivers along them. For the same reason
    edges are cut into pieces of about 20 m before projecting: a 2 km sliver along a parallel
    would otherwise measure tens of m² in UTM.
    """
    if len(geoms) == 0:
        return np.empty(0)
    dense = shapely.segmentize(geoms, _SEGMENT_DEG)
    return np.asarray(
        gpd.GeoSeries(dense, crs=STORAGE_CRS).to_crs(crs).area.to_numpy(), dtype=float
    )


area_m2 = _area_m2


def check_straddles(frame: gpd.GeoDataFrame, findings: LayerFindings, *, context: Context) -> None:
    """Buildings that lie in two (or more) communities are listed: grids keep buildings whole."""
    _, parents = context.parents("buildings")
    if parents is None:
        return
    geoms = _geoms(frame)
    homes = _geoms(parents)
    left, right = shapely.STRtree(homes).query(geoms, predicate="intersects")
    if not len(left):
        return
    crs = metric_crs(frame)
    shares = _area_m2(shapely.intersection(geoms[left], homes[right]), crs)
    whole = _area_m2(geoms, crs)
    labels = feature_label(frame, "buildings").to_numpy()
    codes = parents["code"].astype(str).to_numpy()
    real = (shares > _STRADDLE_M2) & (shares > _STRADDLE_SHARE * whole[left])
    for i in np.unique(left[real]):
        mine = real & (left == i)
        if mine.sum() < 2:
            continue
        parts = sorted(zip(shares[mine], codes[right[mine]], strict=True), reverse=True)
        listed = " and ".join(f"{code} ({area / whole[i]:.0%})" for area, code in parts)
        findings.add(
            "warning",
            "straddles_communities",
            f"the building lies in communities {listed}; grids keep buildings whole, so "
            "the community boundary or the building needs a look",
            feature=labels[i],
            field="geometry",
            area_m2=float(sum(a for a, _ in parts[1:])),
        )


def width_m(piece: shapely.Geometry, crs: CRS) -> float:
    """Width (m) of a lon/lat ``piece`` in the metric ``crs``, as ``--repair`` measures an
    overlap or a gap (``geogrid.overlap_width.inscribed_width``)."""
    [metric] = gpd.GeoSeries([piece], crs=STORAGE_CRS).to_crs(crs).to_numpy()
    return inscribed_width(metric)


def noise_m(piece: shapely.Geometry, crs: CRS) -> bool:
    """Whether a lon/lat ``piece`` is narrower than ``NOISE_WIDTH_M`` everywhere in ``crs``."""
    [metric] = gpd.GeoSeries([piece], crs=STORAGE_CRS).to_crs(crs).to_numpy()
    return is_noise(metric)


def noise_note(findings: LayerFindings, kind: str, areas: list[float]) -> None:
    """One note for the pieces of ``kind`` accepted as noise (narrower than NOISE_WIDTH_M)."""
    if areas:
        findings.add(
            "info",
            f"{kind}_noise",
            f"{len(areas)} {kind}(s) of {sum(areas):,.1f} m² in all (largest {max(areas):,.1f} "
            f"m²) accepted: narrower than {NOISE_WIDTH_M:g} m everywhere, the noise of a "
            "boundary saved through another CRS",
            area_m2=sum(areas),
        )


def check_overlaps(
    frame: gpd.GeoDataFrame, findings: LayerFindings, *, thresholds: Thresholds
) -> None:
    """Features of one layer must not overlap; overlaps below the threshold are ignored slivers."""
    layer = findings.layer
    crs = metric_crs(frame)
    geoms = _geoms(frame)
    labels = feature_label(frame, layer).to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    areas = _area_m2(shapely.intersection(geoms[left], geoms[right]), crs)
    big = areas > thresholds.overlap_m2
    noise: list[float] = []
    for i, j, area in zip(left[big], right[big], areas[big], strict=True):
        piece = shapely.intersection(geoms[i], geoms[j])
        if noise_m(piece, crs):
            noise.append(float(area))
            continue
        width = width_m(piece, crs)
        if width <= thresholds.repair_overlap_width_m:
            what = (
                f"import with --repair to give overlaps up to "
                f"{thresholds.repair_overlap_width_m:g} m wide to one neighbour, or raise "
                "--overlap-m2 to let slivers this small in"
            )
        else:  # --repair would refuse it too, and --overlap-m2 would store two claims
            what = too_wide_to_repair(thresholds.repair_overlap_width_m)
        findings.add(
            "error",
            "overlap",
            f"overlaps {_SINGULAR.get(layer, layer)} {labels[j]} by {area:,.1f} m², "
            f"{width:,.1f} m wide ({what})",
            feature=labels[i],
            field="geometry",
            area_m2=area,
        )
    noise_note(findings, "overlap", noise)
    _slivers(findings, int(((areas > 0) & ~big).sum()), "overlap", thresholds.overlap_m2)


def _slivers(findings: LayerFindings, count: int, kind: str, limit: float) -> None:
    if count:
        findings.add(
            "info", f"{kind}_sliver", f"{count} {kind} sliver(s) below {limit:g} m² ignored"
        )


def check_parents(
    frame: gpd.GeoDataFrame,
    findings: LayerFindings,
    *,
    context: Context,
    thresholds: Thresholds,
    source_crs: str | None,
) -> None:
    """Streets inside their district, communities inside their street, buildings in a community."""
    layer = findings.layer
    parent_layer, parents = context.parents(layer)
    if not parent_layer:
        return
    if parents is None:
        findings.add(
            "info",
            "no_parents",
            f"no {parent_layer} in the store or this import: containment not checked",
        )
        return
    strays = _strays(frame, layer, parents, thresholds)
    if far_from_parents(frame, strays, parents, parent_layer, findings, source_crs=source_crs):
        return
    if layer == "buildings":
        for label in feature_label(frame, layer)[strays]:
            findings.add(
                "warning",
                "outside_parent",
                "the building lies outside every community",
                feature=label,
                field="geometry",
            )
    else:
        _check_spills(frame, parents, findings, thresholds=thresholds)
    if source_crs not in OFFSET_SYSTEMS:
        _check_offset(frame, strays, parents, parent_layer, findings, thresholds=thresholds)


def far_from_parents(
    frame: gpd.GeoDataFrame,
    strays: np.ndarray,
    parents: gpd.GeoDataFrame,
    parent_layer: str,
    findings: LayerFindings,
    *,
    source_crs: str | None,
) -> bool:
    """Buildings wholly outside the communities and ``_FAR_KM`` or more from all of them are one
    fault (a wrong CRS: another Gauss-Krüger zone, say), said once, not once per building.
    (Communities far from the stored streets may be another city's in a store of several.)"""
    if findings.layer != "buildings" or len(frame) == 0 or not strays.all():
        return False
    ax, ay = _centre(frame)
    bx, by = _centre(parents)
    km = float(Geod(ellps="WGS84").inv(ax, ay, bx, by)[2]) / 1000.0
    if km < _FAR_KM:
        return False
    declared = f"declared {source_crs}" if source_crs else "its own"
    fits = _zone_that_fits(frame, (bx, by), source_crs)
    hint = (
        f"--source-crs {fits}, which puts it among them"
        if fits
        else "the CRS its coordinates were written in"
    )
    findings.add(
        "error",
        "far_from_parents",
        f"all {len(frame):,} {findings.layer} lie about {km:,.0f} km from the {parent_layer} "
        f"({ax:.4f}, {ay:.4f} against {bx:.4f}, {by:.4f}): the layer's CRS ({declared}) is "
        f"probably wrong; import it again with {hint}",
        field="geometry",
    )
    return True


def _zone_that_fits(
    frame: gpd.GeoDataFrame, target: tuple[float, float], source_crs: str | None
) -> str | None:
    """Another Gauss-Krüger zone of the declared one's family (CGCS2000 3-degree with or without
    the zone number in front, 6-degree) that puts the layer within ``_FAR_KM`` of ``target``."""
    if not source_crs or not source_crs.upper().startswith("EPSG:"):
        return None
    code = int(source_crs.split(":")[1])
    family = next((r for r in _GK_FAMILIES if code in r), None)
    if family is None:
        return None
    written = frame.to_crs(CRS.from_epsg(code))
    geod = Geod(ellps="WGS84")
    for other in family:
        if other == code:
            continue
        x, y = _centre(written.set_crs(CRS.from_epsg(other), allow_override=True))
        if geod.inv(x, y, *target)[2] / 1000.0 < _FAR_KM:
            return f"EPSG:{other}"
    return None


def _centre(frame: gpd.GeoDataFrame) -> tuple[float, float]:
    minx, miny, maxx, maxy = frame.to_crs(STORAGE_CRS).total_bounds
    return (minx + maxx) / 2, (miny + maxy) / 2


def _within_any(points: gpd.GeoSeries, parents: gpd.GeoDataFrame) -> np.ndarray:
    tree = shapely.STRtree(_geoms(parents))
    hit, _ = tree.query(_geoms(points), predicate="within")
    inside = np.zeros(len(points), dtype=bool)
    inside[hit] = True
    return inside


def _strays(
    frame: gpd.GeoDataFrame, layer: str, parents: gpd.GeoDataFrame, thresholds: Thresholds
) -> np.ndarray:
    """Buildings outside every community; areas more than 1 % outside their own parent."""
    if layer == "buildings":
        return ~_within_any(frame.geometry.representative_point(), parents)
    by_code = parents.drop_duplicates("code").set_index("code").geometry
    field = _PARENT_FIELD[layer]
    codes = column_or_none(frame, field)
    everywhere = shapely.union_all(_geoms(parents))
    own = np.asarray([by_code.get(code, everywhere) for code in codes], dtype=object)
    crs = metric_crs(frame)
    geoms = _geoms(frame)
    outside = _area_m2(shapely.difference(geoms, own), crs)
    return outside > np.maximum(thresholds.spill_m2, _STRAY_SHARE * _area_m2(geoms, crs))


def _check_spills(
    frame: gpd.GeoDataFrame,
    parents: gpd.GeoDataFrame,
    findings: LayerFindings,
    *,
    thresholds: Thresholds,
) -> None:
    layer = findings.layer
    parent_field = _PARENT_FIELD[layer]
    parent_name = _SINGULAR["districts" if layer == "streets" else "streets"]
    labels = feature_label(frame, layer)
    by_code = parents.drop_duplicates("code").set_index("code").geometry
    codes = column_or_none(frame, parent_field)
    unknown = codes.notna() & ~codes.isin(by_code.index)
    for code, group in labels[unknown].groupby(codes[unknown]):
        findings.add(
            "warning",
            "unknown_parent",
            f"{parent_field} {code} is not in the store or this import "
            f"({len(group)} feature(s)): containment not checked",
            feature=group.iloc[0],
            field=parent_field,
        )
    known = codes.notna() & codes.isin(by_code.index)
    if not known.any():
        return
    mine = _geoms(frame[known])
    theirs = _geoms(by_code.loc[codes[known]])
    crs = metric_crs(frame)
    pieces = shapely.difference(mine, theirs)
    spills = _area_m2(pieces, crs)
    big = spills > thresholds.spill_m2
    noisy = np.zeros(len(big), dtype=bool)
    noisy[big] = [noise_m(piece, crs) for piece in pieces[big]]
    noise_note(findings, "spill", spills[noisy].tolist())
    big &= ~noisy
    for label, code, area in zip(labels[known][big], codes[known][big], spills[big], strict=True):
        findings.add(
            "error",
            "spill",
            f"spills out of its {parent_name} {code} by {area:,.1f} m²",
            feature=label,
            field="geometry",
            area_m2=area,
        )
    _slivers(findings, int(((spills > 0) & ~big).sum()), "spill", thresholds.spill_m2)


def _check_offset(
    frame: gpd.GeoDataFrame,
    strays: np.ndarray,
    parents: gpd.GeoDataFrame,
    parent_layer: str,
    findings: LayerFindings,
    *,
    thresholds: Thresholds,
) -> None:
    """GCJ-02 or BD-09 data declared as WGS 84 lands hundreds of metres off its parents.

    Said so only when converting makes (nearly) all the strays fit: true WGS 84 data with a few
    strays gets more of them when shifted.
    """
    layer = findings.layer
    n_out, n = int(strays.sum()), len(frame)
    if n_out < min(2, n) or n_out < thresholds.offset_share * n:
        return
    minx, miny, maxx, maxy = frame.total_bounds
    if minx < 72.0 or maxx > 137.9 or miny < 0.8 or maxy > 55.9:
        return
    for system in OFFSET_SYSTEMS:
        moved = frame.set_geometry(offset_to_wgs84(frame.geometry, system))
        still_out = int(_strays(moved, layer, parents, thresholds).sum())
        if still_out <= _FIT_SHARE * n_out:
            shift = _median_shift(frame.geometry, moved.geometry)
            name = _OFFSET_NAMES[system]
            fit = "they would fit" if still_out == 0 else f"all but {still_out} would fit"
            findings.add(
                "error",
                "crs_offset",
                f"{n_out} of {n} {layer} lie outside their {parent_layer}; converted from "
                f"{name} (a shift of about {shift:.0f} m) {fit}. The file looks like {name} "
                f"coordinates declared as WGS 84: import it again with --source-crs {system}",
                field="geometry",
            )
            return


def _median_shift(before: gpd.GeoSeries, after: gpd.GeoSeries) -> float:
    crs = metric_crs(before)
    moved = (
        before.representative_point().to_crs(crs).distance(after.representative_point().to_crs(crs))
    )
    return float(np.median(moved))
