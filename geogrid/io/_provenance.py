"""Does a file look like AMap / DataV output (GCJ-02) although no CRS was declared?

AMap's district service and DataV.GeoAtlas write properties such as ``adcode``, ``center``,
``centroid``, ``acroutes``, ``childrenNum`` and ``subFeatureIndex``; their coordinates are
GCJ-02, about 500 m off WGS 84 in China. A file read as WGS 84 that carries them, or whose
outline fits a seed district only once converted from GCJ-02, is worth a warning.
"""

from __future__ import annotations

from typing import Final, NamedTuple

import geopandas as gpd
import numpy as np
import shapely
import shapely.affinity

from geogrid.crs import gcj02_to_wgs84, offset_to_wgs84
from geogrid.densify import densified
from geogrid.errors import InputError

DATAV_PROPERTIES: Final = (
    "adcode",
    "center",
    "centroid",
    "acroutes",
    "childrennum",
    "subfeatureindex",
    "parent",
    "level",
)
_MIN_PROPERTIES: Final = 2
_BETTER: Final = 2.0  # the converted outline must miss the seed by less than half as much
_FIT: Final = 0.9  # ... and overlap it by this much (intersection over union)

_HINT: Final = (
    "its coordinates are likely GCJ-02 (AMap), about 500 m off WGS 84, and are not stored as "
    "WGS 84: import it again with --source-crs gcj02 (or --source-crs EPSG:4326 if they are "
    "WGS 84 after all)"
)


def datav_properties(columns: list[str]) -> list[str]:
    """The AMap / DataV property names among ``columns`` (as the file spells them)."""
    lookup = {str(c).lower(): str(c) for c in columns}
    return [lookup[name] for name in DATAV_PROPERTIES if name in lookup]


def suspicion(
    source_columns: list[str],
    frame: gpd.GeoDataFrame,
    *,
    seeds: gpd.GeoDataFrame | None,
) -> str | None:
    """A warning text when the file looks like GCJ-02 read as WGS 84, else None.

    ``frame`` is in EPSG:4326 as read; ``seeds`` are the seed district outlines (EPSG:4326).
    """
    found = datav_properties(source_columns)
    if len(found) >= _MIN_PROPERTIES:
        return f"the file carries AMap / DataV properties ({', '.join(found)}): {_HINT}"
    fit = _seed_fit(frame, seeds)
    if fit is not None:
        return (
            f"read as WGS 84 the file's outline misses the seed district {fit} by much more "
            f"than it does once converted from GCJ-02: {_HINT}"
        )
    return None


def _seed_fit(frame: gpd.GeoDataFrame, seeds: gpd.GeoDataFrame | None) -> str | None:
    """The code of a seed district the outline fits only as GCJ-02, or None."""
    if seeds is None or not len(seeds) or not len(frame):
        return None
    outline = shapely.union_all(np.asarray(frame.geometry.to_numpy(), dtype=object))
    if outline.is_empty or outline.geom_type not in ("Polygon", "MultiPolygon"):
        return None
    converted = shapely.union_all(
        np.asarray(offset_to_wgs84(frame.geometry, "gcj02").to_numpy(), dtype=object)
    )
    candidates = seeds[seeds.intersects(outline)]
    for code, seed in zip(candidates["code"], candidates.geometry, strict=True):
        raw_miss = shapely.symmetric_difference(outline, seed).area
        new_miss = shapely.symmetric_difference(converted, seed).area
        union = shapely.union(converted, seed).area
        fits = union > 0 and shapely.intersection(converted, seed).area / union >= _FIT
        if fits and raw_miss > _BETTER * new_miss:
            return str(code)
    return None


# --- the datum against any layer in a known CRS ----------------------------------------------
# A GCJ-02 shift is 300-700 m in China. Vertices within _NEAR of a reference's edge are the
# evidence (interior ones stay inside either way); one counts as outside beyond _TOLERANCE (a
# shared boundary, a coarser seed outline).
_NEAR: Final = 0.02  # degrees, about 2 km
_TOLERANCE: Final = 0.0015  # degrees, about 150 m
_MIN_NEAR: Final = 20  # vertices near an edge needed to judge
_MIN_OUT: Final = 0.05  # share of them outside, read as WGS 84, to suspect GCJ-02
_SAMPLE: Final = 20_000
# Against the seed district a layer lies in, in metres: a vertex within _ON_M of the outline
# follows it (a third of the smallest shift: an edge drawn from another source still follows,
# a shifted one lies 300-700 m off but where it crosses); near it within _NEAR_M; outside it
# beyond _OUT_M. GCJ-02 is suspected when, once converted, at least _MIN_ON more of the
# vertices near the outline follow it, and at least twice as many, as read (the edge fits only
# as GCJ-02: an inward shift too), or when _MIN_OUT of them lie outside as read and a quarter
# of that once converted (an outward shift, into a neighbouring district too) while the edge
# does not fit as read clearly better. A layer wholly inside, off the outline, fits both ways.
_ON_M: Final = 100.0
_NEAR_M: Final = 2_000.0
_OUT_M: Final = 150.0
_MIN_ON: Final = 0.2
_M_PER_DEG: Final = 111_320.0
_UNION_MAX: Final = 5_000  # polygons of a layer united for its outer edge
_UNCHECKED_WHY: Final = (
    "the datum could not be checked: no {} or embedded district boundary has an edge near this "
    "layer's features"
)
_GCJ_OR_BD: Final = "if the coordinates come from AMap / Tencent (GCJ-02) or Baidu (BD-09)"
UNCHECKED: Final = (
    f"{_UNCHECKED_WHY.format('stored layer')}; {_GCJ_OR_BD}, import again with --source-crs "
    "gcj02 or bd09"
)
# the same for a layer of a ``geogrid partition FILE`` input (its --source-crs is the file's)
UNCHECKED_FILE: Final = (
    f"{_UNCHECKED_WHY.format('other layer of the file')}; {_GCJ_OR_BD}, run partition again "
    "with --source-crs gcj02 or bd09"
)


def datum_check(
    frame: gpd.GeoDataFrame,
    references: list[tuple[str, gpd.GeoDataFrame | None]],
    *,
    seeds: gpd.GeoDataFrame | None = None,
) -> tuple[str, str] | None:
    """Whether ``frame`` (EPSG:4326 as declared, WGS 84) fits layers known to be WGS 84.

    ``references`` are (name, layer in EPSG:4326), tried in order until one has an edge near
    enough vertices to judge; then the seed district outlines ``seeds`` (EPSG:4326, with code
    and name_en), the layer judged against the one district it lies in (``_district_fit``).
    Returns ("suspected_gcj02", message) when converting from GCJ-02 makes the layer fit
    clearly better; ("datum_unchecked", message) when nothing could judge; None when the layer
    fits, or lies outside China (where GCJ-02 equals WGS 84).
    """
    # a road of two vertices 800 m apart says little; one every ~20 m (densify's lon/lat
    # piece) says where it runs
    geoms = densified(frame.geometry).to_numpy()
    with np.errstate(invalid="ignore"):  # a NaN coordinate: left out below
        xy = shapely.get_coordinates(geoms)
    xy = xy[np.isfinite(xy).all(axis=1)]  # a NaN coordinate is the geometry checks' to report
    if not len(xy):
        return None
    xy = xy[:: max(1, len(xy) // _SAMPLE)]
    cx, cy = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
    if np.allclose(cx, xy[:, 0]) and np.allclose(cy, xy[:, 1]):
        return None  # outside China: the offset is nothing
    for name, layer in references:
        shares = _outside_shares(xy, cx, cy, layer)
        if shares is None:
            continue
        raw, converted = shares
        if raw >= _MIN_OUT and converted <= raw / 4:
            return "suspected_gcj02", (
                f"read as WGS 84, {raw:.0%} of the vertices near the edge of {name} lie outside "
                f"it, {converted:.0%} once converted from GCJ-02: {_HINT}"
            )
        return None
    # against a district: a layer of parents by its outer edge (where communities meet the
    # district's outline; the lines between them say nothing), other layers by their vertices
    edge = _outer_edge(frame.geometry, xy)
    ex, ey = gcj02_to_wgs84(edge[:, 0], edge[:, 1])
    fit = _district_fit(edge, np.column_stack([ex, ey]), seeds)
    if fit is None:
        return "datum_unchecked", UNCHECKED
    if fit.suspect:
        return "suspected_gcj02", f"{fit.seen}: {_HINT}"
    return None


def _outer_edge(geometry: gpd.GeoSeries, xy: np.ndarray) -> np.ndarray:
    """The vertices (lon/lat, one every ~20 m at most, finite ones, at most ``_SAMPLE``) of
    the outer edge of a layer of parents (the boundary of its polygons' union); ``xy``, the
    layer's vertices, for lines, points and a layer of more than ``_UNION_MAX`` polygons
    (buildings: rarely sharing an edge, and too many to unite in good time)."""
    geoms = np.asarray(geometry.to_numpy(), dtype=object)
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    kinds = shapely.get_type_id(geoms)
    polygonal = (kinds == shapely.GeometryType.POLYGON) | (
        kinds == shapely.GeometryType.MULTIPOLYGON
    )
    if not polygonal.all() or len(geoms) > _UNION_MAX:
        return xy
    with np.errstate(invalid="ignore"):  # a NaN coordinate is the geometry checks' to report
        coords, index = shapely.get_coordinates(geoms, return_index=True)
    bad = np.unique(index[~np.isfinite(coords).all(axis=1)])
    # a bow-tie is the geometry checks' to report too; the union needs valid polygons
    pieces = shapely.get_parts(shapely.make_valid(np.delete(geoms, bad)))
    pieces = pieces[shapely.get_type_id(pieces) == shapely.GeometryType.POLYGON]
    if not len(pieces):
        return xy
    edge = gpd.GeoSeries([shapely.union_all(pieces).boundary], crs=geometry.crs)
    out = shapely.get_coordinates(densified(edge).to_numpy())
    return out[:: max(1, len(out) // _SAMPLE)]


class _Fit(NamedTuple):
    """A layer against the outline of the seed district it lies in: as read, as converted."""

    district: str  # "Shahekou (210204)"
    suspect: bool  # the layer fits the outline clearly better once converted from GCJ-02
    out: tuple[float, float]  # shares of the vertices near the outline that lie outside it
    off: tuple[float, float]  # median distance (m) of the layer's edge to the outline

    @property
    def seen(self) -> str:
        return (
            f"its edge lies {self.off[0]:,.0f} m off the outline of {self.district} as WGS 84, "
            f"{self.off[1]:,.0f} m off as GCJ-02 ({self.out[0]:.0%} of its vertices near that "
            f"outline lie outside it as WGS 84, {self.out[1]:.0%} as GCJ-02)"
        )


def _district_fit(
    xy: np.ndarray, converted: np.ndarray, seeds: gpd.GeoDataFrame | None
) -> _Fit | None:
    """How the vertices ``xy`` (as read) and ``converted`` (from GCJ-02) fit the outline of the
    seed district holding most of them in either reading; None when none holds any, or too few
    lie near its outline to judge.

    Judged against one district, not the union of them all: a shift into the neighbouring
    seed district is off this one's outline, and an inward shift leaves the edge off it too.
    """
    if seeds is None or not len(seeds):
        return None
    outlines = shapely.make_valid(np.asarray(seeds.geometry.to_numpy(), dtype=object))
    # a vertex on the outline (an edge that follows it) is held too
    raw_points, gcj_points = shapely.points(xy), shapely.points(converted)
    held = [
        max(
            int(shapely.dwithin(outline, raw_points, _ON_M / _M_PER_DEG).sum()),
            int(shapely.dwithin(outline, gcj_points, _ON_M / _M_PER_DEG).sum()),
        )
        if outline is not None and not outline.is_empty
        else 0
        for outline in outlines
    ]
    best = int(np.argmax(held))
    if held[best] == 0:
        return None
    # in metres about the layer (an equirectangular frame: a district is a few km across)
    scale = (_M_PER_DEG * float(np.cos(np.radians(np.median(xy[:, 1])))), _M_PER_DEG)
    outline = shapely.affinity.scale(outlines[best], *scale, origin=(0.0, 0.0))
    edge = outline.boundary
    shapely.prepare(outline)
    shapely.prepare(edge)
    raw, gcj = (shapely.points(v * np.asarray(scale)) for v in (xy, converted))
    d_raw, d_gcj = shapely.distance(edge, raw), shapely.distance(edge, gcj)
    near = (d_raw <= _NEAR_M) | (d_gcj <= _NEAR_M)
    if int(near.sum()) < _MIN_NEAR:
        return None
    out_raw = near & ~shapely.contains(outline, raw) & (d_raw > _OUT_M)
    out_gcj = near & ~shapely.contains(outline, gcj) & (d_gcj > _OUT_M)
    on_raw, on_gcj = near & (d_raw <= _ON_M), near & (d_gcj <= _ON_M)
    n = int(near.sum())
    s_on_raw, s_on_gcj = on_raw.sum() / n, on_gcj.sum() / n
    s_out_raw, s_out_gcj = out_raw.sum() / n, out_gcj.sum() / n
    fits_as_read = s_on_raw >= _MIN_ON + s_on_gcj and s_on_raw >= 2 * s_on_gcj
    fits_as_gcj = s_on_gcj >= _MIN_ON + s_on_raw and s_on_gcj >= 2 * s_on_raw
    moves_in = s_out_raw >= _MIN_OUT and s_out_gcj <= s_out_raw / 4
    suspect = (fits_as_gcj and s_out_gcj <= max(s_out_raw, _MIN_OUT)) or (
        moves_in and not fits_as_read
    )
    # the layer's edge: where it follows the outline once converted (when it does better so),
    # else where it lies outside as read, else where it follows it as read
    edge_at = next(
        (
            at
            for at in (on_gcj if fits_as_gcj else None, out_raw, on_raw)
            if at is not None and at.any()
        ),
        near,
    )
    row = seeds.iloc[best]
    name = str(row.get("name_en") or row.get("name") or "")
    return _Fit(
        district=f"{name} ({row['code']})" if name else f"district {row['code']}",
        suspect=bool(suspect),
        out=(float(s_out_raw), float(s_out_gcj)),
        off=(float(np.median(d_raw[edge_at])), float(np.median(d_gcj[edge_at]))),
    )


def _outside_shares(
    xy: np.ndarray, cx: np.ndarray, cy: np.ndarray, layer: gpd.GeoDataFrame | None
) -> tuple[float, float] | None:
    """Shares of the vertices near ``layer``'s edge outside it, as read and as converted;
    None when too few vertices lie near its edge to judge."""
    if layer is None or not len(layer):
        return None
    minx, miny = xy.min(axis=0) - _NEAR
    maxx, maxy = xy.max(axis=0) + _NEAR
    nearby = layer.geometry[layer.geometry.intersects(shapely.box(minx, miny, maxx, maxy))]
    polygons = [g for g in nearby if g is not None and g.geom_type.endswith("Polygon")]
    if not polygons:
        return None
    # a bow-tie or a ring that crosses itself is the geometry checks' to report; the union
    # needs valid polygons
    area = shapely.union_all(shapely.make_valid(np.asarray(polygons, dtype=object)))
    edge = area.boundary
    shapely.prepare(area)
    shapely.prepare(edge)
    near = np.asarray(shapely.dwithin(edge, shapely.points(xy), _NEAR), dtype=bool)
    if int(near.sum()) < _MIN_NEAR:
        return None
    moved = shapely.points(np.column_stack([cx, cy])[near])
    raw_out = ~shapely.dwithin(area, shapely.points(xy[near]), _TOLERANCE)
    moved_out = ~shapely.dwithin(area, moved, _TOLERANCE)
    return float(raw_out.mean()), float(moved_out.mean())


# a layer of a partition input file judged against the layers it should fit, in this order
_FILE_REFERENCES: Final = {
    "streets": (),
    "communities": ("streets",),
}
_FILE_DEFAULT_REFERENCES: Final = ("communities", "streets")


def file_layer_datums(
    layers: dict[str, gpd.GeoDataFrame | None], *, seeds: gpd.GeoDataFrame | None
) -> list[tuple[str, str, str]]:
    """The datum findings of one input file's layers (name -> frame, as read): (layer, check,
    what was seen) for each lon/lat layer that looks like GCJ-02 read as WGS 84
    ("suspected_gcj02") or that nothing could judge ("datum_unchecked"), in the file's order.

    Each layer in a geographic CRS is judged (``datum_check``) against the file's parents
    (communities, then streets; streets and communities against the layers above them) and
    then the seed district it lies in (``seeds``, EPSG:4326), as import judges a layer. Projected
    layers cannot be GCJ-02 and are only references. A layer that fits passes.
    """
    in_4326: dict[str, gpd.GeoDataFrame | None] = {}

    def as_4326(name: str) -> gpd.GeoDataFrame | None:
        # each layer converted once, and only when judged or a reference
        if name not in in_4326:
            frame = layers.get(name)
            usable = frame is not None and len(frame) > 0 and frame.crs is not None
            in_4326[name] = frame.to_crs("EPSG:4326") if frame is not None and usable else None
        return in_4326[name]

    findings = []
    for name in lonlat_layers(layers):
        above = _FILE_REFERENCES.get(name, _FILE_DEFAULT_REFERENCES)
        references = [(f"the {ref} layer", as_4326(ref)) for ref in above]
        judged = as_4326(name)
        assert judged is not None  # a layer with features in a geographic CRS
        found = datum_check(judged, references, seeds=seeds)
        if found is not None:
            findings.append((name, found[0], found[1].split(": " + _HINT)[0]))
    return findings


def lonlat_layers(layers: dict[str, gpd.GeoDataFrame | None]) -> list[str]:
    """The names of the layers with features in a geographic CRS (those GCJ-02 can hide in)."""
    return [
        name
        for name, frame in layers.items()
        if frame is not None and len(frame) and frame.crs is not None and frame.crs.is_geographic
    ]


def refuse_shifted_layers(layers: dict[str, gpd.GeoDataFrame | None], *, file: str) -> list[str]:
    """Raise ``InputError`` for the first layer of the input ``file`` that looks like GCJ-02
    read as WGS 84 (``file_layer_datums``, against the seed district it lies in too): its
    lines and footprints would lie some 500 m off the parents, silently. Returns a note for
    each lon/lat layer whose datum nothing could check (as import notes it)."""
    from geogrid.boundaries import districts

    if not lonlat_layers(layers):
        return []  # projected layers cannot be GCJ-02: nothing to judge, no outlines to read
    try:
        seeds = districts()
    except InputError:
        seeds = None
    findings = file_layer_datums(layers, seeds=seeds)
    for name, check, why in findings:
        if check == "suspected_gcj02":
            raise InputError(
                f"layer '{name}' looks like GCJ-02 (AMap, Tencent) labelled as WGS 84 ({why}); "
                f"convert it first: `geogrid import {file} --layer {name} --source-layer {name} "
                "--source-crs gcj02` stores it as WGS 84, then run `geogrid partition` on the "
                "store (when every layer of the file is GCJ-02, run partition again with "
                "--source-crs gcj02; if they are WGS 84 after all, with --source-crs EPSG:4326)",
                file=file,
            )
    # the notes import gives (datum_unchecked), with what to do for a file
    return [
        f"layer '{name}': {UNCHECKED_FILE}"
        for name, check, _ in findings
        if check != "suspected_gcj02"
    ]
