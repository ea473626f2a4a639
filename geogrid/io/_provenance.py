"""Does a file look like AMap / DataV output (GCJ-02) although no CRS was declared?

AMap's district service and DataV.GeoAtlas write properties such as ``adcode``, ``center``,
``centroid``, ``acroutes``, ``childrenNum`` and ``subFeatureIndex``; their coordinates are
GCJ-02, about 500 m off WGS 84 in China. A file read as WGS 84 that carries them, or whose
outline fits a seed district only once converted from GCJ-02, is worth a warning.
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import numpy as np
import shapely

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
UNCHECKED: Final = (
    "the datum could not be checked: no stored layer or embedded district boundary has an edge "
    "near this layer's features; if the coordinates come from AMap / Tencent (GCJ-02) or Baidu "
    "(BD-09), import again with --source-crs gcj02 or bd09"
)


def datum_check(
    frame: gpd.GeoDataFrame, references: list[tuple[str, gpd.GeoDataFrame | None]]
) -> tuple[str, str] | None:
    """Whether ``frame`` (EPSG:4326 as declared, WGS 84) fits layers known to be WGS 84.

    ``references`` are (name, layer in EPSG:4326), tried in order until one has an edge near
    enough vertices to judge. Returns ("suspected_gcj02", message) when converting from GCJ-02
    brings the vertices near a reference's edge inside it; ("datum_unchecked", message) when
    no reference could judge; None when the layer fits, or lies outside China (where GCJ-02
    equals WGS 84).
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
    return "datum_unchecked", UNCHECKED


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
) -> tuple[str, str] | None:
    """The first layer of one input file (name -> frame, as read) whose lon/lat coordinates
    look like GCJ-02 read as WGS 84, and the reason; None when none does.

    Each layer in a geographic CRS is judged (``datum_check``) against the file's parents
    (communities, then streets; streets and communities against the layers above them) and
    then the embedded district outlines ``seeds`` (EPSG:4326). Projected layers cannot be
    GCJ-02 and are only references. A layer that fits, or that nothing can judge, passes.
    """
    in_4326: dict[str, gpd.GeoDataFrame | None] = {}

    def as_4326(name: str) -> gpd.GeoDataFrame | None:
        # each layer converted once, and only when judged or a reference
        if name not in in_4326:
            frame = layers.get(name)
            usable = frame is not None and len(frame) > 0 and frame.crs is not None
            in_4326[name] = frame.to_crs("EPSG:4326") if frame is not None and usable else None
        return in_4326[name]

    for name in lonlat_layers(layers):
        above = _FILE_REFERENCES.get(name, _FILE_DEFAULT_REFERENCES)
        references = [(f"the {ref} layer", as_4326(ref)) for ref in above]
        references.append(("the embedded district boundaries", seeds))
        judged = as_4326(name)
        assert judged is not None  # a layer with features in a geographic CRS
        found = datum_check(judged, references)
        if found is not None and found[0] == "suspected_gcj02":
            return name, found[1].split(": " + _HINT)[0]
    return None


def lonlat_layers(layers: dict[str, gpd.GeoDataFrame | None]) -> list[str]:
    """The names of the layers with features in a geographic CRS (those GCJ-02 can hide in)."""
    return [
        name
        for name, frame in layers.items()
        if frame is not None and len(frame) and frame.crs is not None and frame.crs.is_geographic
    ]


def refuse_shifted_layers(layers: dict[str, gpd.GeoDataFrame | None], *, file: str) -> None:
    """Raise ``InputError`` for the first layer of the input ``file`` that looks like GCJ-02
    read as WGS 84 (``file_layer_datums``, against the embedded district outlines too): its
    lines and footprints would lie some 500 m off the parents, silently."""
    from geogrid.boundaries import districts

    if not lonlat_layers(layers):
        return  # projected layers cannot be GCJ-02: nothing to judge, no outlines to read
    try:
        seeds = districts()
    except InputError:
        seeds = None
    found = file_layer_datums(layers, seeds=seeds)
    if found is not None:
        name, why = found
        raise InputError(
            f"layer '{name}' looks like GCJ-02 (AMap, Tencent) labelled as WGS 84 ({why}); "
            f"convert it first: `geogrid import {file} --layer {name} --source-layer {name} "
            "--source-crs gcj02` stores it as WGS 84, then run `geogrid partition` on the store "
            "(when every layer of the file is GCJ-02, run partition again with --source-crs "
            "gcj02; if they are WGS 84 after all, with --source-crs EPSG:4326)",
            file=file,
        )
