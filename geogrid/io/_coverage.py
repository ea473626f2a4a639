"""Coverage repair of boundary layers (``geogrid import --repair``): what real files get wrong.

Rules, applied in this order, each fix listed with its feature, area (m²) and place:

1. **Duplicate ids renumbered**: the first feature keeps the id; later ones get the next free
   code of their parent (12-digit community codes: the street's 9 digits + the next unused
   3 digits), or ``ID-2``, ``ID-3`` for other ids.
2. **Spills clipped** to the parent (communities to their street, streets to their district),
   unless clipping would remove more than half of the feature (then it is left as an error: a
   wrong parent code, not a sliver).
3. **Overlaps** given to one neighbour by GEOS's coverage cleaning (``shapely.coverage_clean``):
   to the neighbour with the **longest shared border**; shared edges are made identical. Only
   a digitising mismatch is given away: an overlap wider than ``overlap_max_width_m`` (the
   diameter of the largest circle inside it) is two boundaries that disagree about real land,
   and stays an error for a person to settle in the source.
4. **Gaps** inside a parent up to ``gap_max_m2``, or of any size but at most
   ``gap_max_width_m`` wide (a strip left between two boundaries digitised apart, or between
   a community and its street's edge), given to the neighbour with the longest shared border;
   larger gaps (a road corridor drawn between communities) are left for validation to report.

Afterwards the layer is a valid coverage (``shapely.coverage_is_valid``). Works in EPSG:4326
(the stored CRS); areas are measured in the UTM zone of the data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geogrid.crs import metric_crs
from geogrid.errors import InputError
from geogrid.io._checks import column_or_none
from geogrid.io._gaps import gap_parts
from geogrid.io._topology import area_m2, width_m
from geogrid.schema import layer_spec

if TYPE_CHECKING:
    from geogrid.validation import LayerFindings

REPAIRABLE: Final = ("districts", "streets", "communities")
PARENT_FIELD: Final = {"streets": "district_code", "communities": "street_code"}
_MAX_CLIP_SHARE: Final = 0.5
_MIN_REPORTED_M2: Final = 0.01
_GRID_DEG: Final = 1e-9  # about 0.1 mm: the last resort of a clip GEOS cannot compute
_CODE_LENGTH: Final = {"streets": 9, "communities": 12}


def repair_coverage(
    frame: gpd.GeoDataFrame,
    findings: LayerFindings,
    *,
    parents: gpd.GeoDataFrame | None,
    gap_max_m2: float,
    overlap_max_width_m: float,
    gap_max_width_m: float = 0.0,
) -> gpd.GeoDataFrame:
    """Repair one boundary layer (EPSG:4326) into a valid coverage; every fix is a finding."""
    layer = findings.layer
    usable = ~(shapely.is_missing(_geoms(frame)) | shapely.is_empty(_geoms(frame)))
    usable[usable] = shapely.is_valid(_geoms(frame)[usable])
    if not usable.all() or not len(frame):
        # empty geometries and refused bow-ties are reported by validation; repair needs them all
        return frame
    frame = frame.copy()
    crs = metric_crs(frame)
    frame = _renumber(frame, findings, crs)
    by_code = None
    if parents is not None and len(parents) and layer in PARENT_FIELD:
        by_code = parents.drop_duplicates("code").set_index("code").geometry
        by_code = by_code.where(by_code.is_valid, by_code.make_valid())  # GEOS needs valid
        frame = _clip(frame, findings, by_code, crs)
    frame = _clean(frame, findings, crs, max_width_m=overlap_max_width_m)
    if layer in PARENT_FIELD:
        frame = _fill_gaps(
            frame, findings, by_code, crs, gap_max_m2=gap_max_m2, gap_max_width_m=gap_max_width_m
        )
    return frame


def _geoms(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> np.ndarray:
    series = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
    return np.asarray(series.to_numpy(), dtype=object)


def _place(geom: shapely.Geometry) -> str:
    point = shapely.point_on_surface(geom)
    return f"({shapely.get_x(point):.5f}, {shapely.get_y(point):.5f})"


def _renumber(frame: gpd.GeoDataFrame, findings: LayerFindings, crs: CRS) -> gpd.GeoDataFrame:
    id_field = layer_spec(findings.layer).id_field
    ids = frame[id_field].astype(object)
    repeated = ids.notna() & ids.duplicated(keep="first")
    if not repeated.any():
        return frame
    taken = set(ids.dropna().astype(str))
    areas = area_m2(_geoms(frame), crs)
    for i in np.flatnonzero(repeated.to_numpy()):
        old = str(ids.iloc[i])
        new = _free_code(old, taken, findings.layer)
        taken.add(new)
        ids.iloc[i] = new
        geom = frame.geometry.iloc[i]
        findings.add(
            "warning",
            "repair_duplicate_id",
            f"{id_field} {old} was used twice: this feature ({areas[i]:,.1f} m² near "
            f"{_place(geom)}) renumbered to {new}",
            feature=new,
            field=id_field,
            area_m2=areas[i],
        )
    frame[id_field] = ids
    return frame


def _free_code(old: str, taken: set[str], layer: str) -> str:
    """The next unused code under the same parent, or ``old-2``, ``old-3`` ..."""
    length = _CODE_LENGTH.get(layer)
    if length and len(old) == length and old.isdigit():
        prefix = old[: length - 3]
        used = [int(c[-3:]) for c in taken if len(c) == length and c.startswith(prefix)]
        for number in range(max(used, default=0) + 1, 1000):
            candidate = f"{prefix}{number:03d}"
            if candidate not in taken:
                return candidate
    n = 2
    while f"{old}-{n}" in taken:
        n += 1
    return f"{old}-{n}"


def _clip(
    frame: gpd.GeoDataFrame, findings: LayerFindings, by_code: gpd.GeoSeries, crs: CRS
) -> gpd.GeoDataFrame:
    codes = column_or_none(frame, PARENT_FIELD[findings.layer])
    labels = frame[layer_spec(findings.layer).id_field].astype(str)
    geoms = _geoms(frame).copy()
    for i, code in enumerate(codes):
        if (
            code is None
            or (isinstance(code, float) and np.isnan(code))
            or code not in by_code.index
        ):
            continue
        parent = by_code.loc[code]
        spill = _robust(shapely.difference, geoms[i], parent, label=labels.iloc[i])
        if shapely.is_empty(spill):
            continue
        spilled, whole = area_m2(np.asarray([spill, geoms[i]], dtype=object), crs)
        if spilled < _MIN_REPORTED_M2 or spilled > _MAX_CLIP_SHARE * whole:
            continue
        geoms[i] = _polygonal(_robust(shapely.intersection, geoms[i], parent, label=labels.iloc[i]))
        findings.add(
            "warning",
            "repair_spill",
            f"spilled {spilled:,.1f} m² out of its parent {code} near {_place(spill)}: "
            "clipped to the parent",
            feature=labels.iloc[i],
            field="geometry",
            area_m2=spilled,
        )
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))


def _robust(
    op: Callable[..., shapely.Geometry], a: shapely.Geometry, b: shapely.Geometry, *, label: str
) -> shapely.Geometry:
    """``op(a, b)``, retried on a GEOS topology failure with both made valid, then on a grid of
    about 0.1 mm; a pair beyond that is refused in one line naming the feature."""
    try:
        return op(a, b)
    except shapely.errors.GEOSException:
        a, b = shapely.make_valid(a), shapely.make_valid(b)
    try:
        return op(a, b)
    except shapely.errors.GEOSException:
        pass
    try:
        return op(a, b, grid_size=_GRID_DEG)
    except shapely.errors.GEOSException as err:
        raise InputError(
            f"the geometry of {label} cannot be clipped to its parent ({err}); check that its "
            "boundary and its parent's do not cross themselves (fix them in a GIS)",
            feature=label,
            field="geometry",
        ) from err


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if len(parts) != 1 else parts[0]


def _coverage_clean(geoms: np.ndarray) -> np.ndarray:
    """GEOS CoverageCleaner (shapely >= 2.2): overlaps to the longest shared border."""
    clean: Callable[..., np.ndarray] = shapely.coverage_clean  # type: ignore[attr-defined]
    return np.array(
        list(clean(geoms, gap_width=0.0, merge_strategy="longest_border")), dtype=object
    )


def _clean(
    frame: gpd.GeoDataFrame, findings: LayerFindings, crs: CRS, *, max_width_m: float
) -> gpd.GeoDataFrame:
    """GEOS coverage cleaning: overlaps to the longest shared border, edges made identical."""
    before = _geoms(frame)
    after = _coverage_clean(before)
    labels = frame[layer_spec(findings.layer).id_field].astype(str).to_numpy()
    lost = shapely.difference(before, after)
    losers = np.flatnonzero(area_m2(lost, crs) >= _MIN_REPORTED_M2)
    pieces, holders = shapely.STRtree(after).query(lost[losers], predicate="intersects")
    for i, j in zip(losers[pieces], holders, strict=True):
        if i == j:
            continue
        piece = _polygonal(shapely.intersection(lost[i], after[j]))
        [area] = area_m2(np.asarray([piece], dtype=object), crs)
        if area < _MIN_REPORTED_M2:
            continue
        width = width_m(piece, crs)
        if width > max_width_m:
            findings.add(
                "error",
                "overlap",
                f"overlaps {labels[j]} by {area:,.1f} m² near {_place(piece)}, {width:,.0f} m "
                f"wide: too wide to be a digitising mismatch (--repair gives away overlaps up to "
                f"{max_width_m:g} m wide); settle which one the land belongs to in the source",
                feature=labels[i],
                field="geometry",
                area_m2=area,
            )
            continue
        findings.add(
            "warning",
            "repair_overlap",
            f"overlapped {labels[j]} by {area:,.1f} m² near {_place(piece)}: the overlap "
            f"went to {labels[j]} (the neighbour with the longest shared border)",
            feature=labels[i],
            field="geometry",
            area_m2=area,
        )
    return frame.set_geometry(gpd.GeoSeries(after, index=frame.index, crs=frame.crs))


def _fill_gaps(
    frame: gpd.GeoDataFrame,
    findings: LayerFindings,
    by_code: gpd.GeoSeries | None,
    crs: CRS,
    *,
    gap_max_m2: float,
    gap_max_width_m: float,
) -> gpd.GeoDataFrame:
    """Gaps inside each parent: against the parent's outline where it is known, else the
    holes of its children's union (a file of communities without their street)."""
    codes = column_or_none(frame, PARENT_FIELD[findings.layer])
    labels = frame[layer_spec(findings.layer).id_field].astype(str).to_numpy()
    geoms = _geoms(frame).copy()
    filled = False
    for code in pd.unique(codes.dropna()):
        members = np.flatnonzero((codes == code).to_numpy())
        union = shapely.union_all(geoms[members])
        parts = gap_parts(union, by_code, code)
        for part, area in zip(parts, area_m2(parts, crs), strict=True):
            if area < _MIN_REPORTED_M2:
                continue
            if area > gap_max_m2 and width_m(part, crs) > gap_max_width_m:
                continue
            shared = shapely.length(
                shapely.intersection(shapely.boundary(part), shapely.boundary(geoms[members]))
            )
            if not np.any(shared > 0):
                continue
            along = members[shared >= _ALONG * shared.max()]
            if len(along) > 1 and width_m(part, crs) <= gap_max_width_m:
                _share_strip(part, along, geoms, findings, labels, code=code, crs=crs)
                filled = True
                continue
            k = members[int(np.argmax(shared))]
            geoms[k] = shapely.union(geoms[k], part)
            filled = True
            findings.add(
                "warning",
                "repair_gap",
                f"a gap of {area:,.1f} m² in {code} near {_place(part)} given to {labels[k]} "
                "(the neighbour with the longest shared border)",
                feature=labels[k],
                field="geometry",
                area_m2=area,
            )
    out = frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))
    if filled:  # the filled pieces' edges must match their other neighbours vertex by vertex
        cleaned = _coverage_clean(geoms)
        out = out.set_geometry(gpd.GeoSeries(cleaned, index=frame.index, crs=frame.crs))
    return out


_ALONG: Final = 0.05  # a neighbour holding this share of the longest border runs along a strip
_STEP_DEG: Final = 0.00005  # about 5 m: spacing of the points a strip is shared by


def _share_strip(
    part: shapely.Geometry,
    along: np.ndarray,
    geoms: np.ndarray,
    findings: LayerFindings,
    labels: np.ndarray,
    *,
    code: str,
    crs: CRS,
) -> None:
    """A strip several neighbours run along (a street's outline drawn with fewer vertices
    than its communities: a chord centimetres wide and kilometres long) shared among them,
    each piece to the neighbour nearest to it. Given whole to one, it made a grid with a
    hairline tail along its neighbours (Polsby-Popper 0.09). ``geoms`` changes in place."""
    near = shapely.buffer(part, _STEP_DEG)
    points, owner = [], []
    for k in along:
        edge = shapely.segmentize(shapely.intersection(shapely.boundary(geoms[k]), near), _STEP_DEG)
        xy = shapely.get_coordinates(edge)
        points.append(xy)
        owner += [k] * len(xy)
    # one cell per point, in order: a corner two neighbours share is one point (the first's)
    xy, first = np.unique(np.concatenate(points), axis=0, return_index=True)
    owners = np.asarray(owner)[first]
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(xy), ordered=True))
    for k in along:
        piece = _polygonal(shapely.intersection(part, shapely.union_all(cells[owners == k])))
        if shapely.is_empty(piece):
            continue
        geoms[k] = _polygonal(shapely.union(geoms[k], piece))
        [area] = area_m2(np.asarray([piece], dtype=object), crs)
        if area < _MIN_REPORTED_M2:
            continue
        findings.add(
            "warning",
            "repair_gap",
            f"a gap of {area:,.1f} m² in {code} near {_place(piece)} given to {labels[k]} "
            f"(a strip along {len(along)} neighbours, each given the part nearest to it)",
            feature=labels[k],
            field="geometry",
            area_m2=area,
        )
