"""Feature-by-feature checks of geometry (empty, wrong type, invalid -> repaired) and ids."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geogrid.io import _crossing
from geogrid.schema import layer_spec

if TYPE_CHECKING:
    from geogrid.validation import LayerFindings

_FAMILY_TYPES: Final = {
    "polygon": ("Polygon", "MultiPolygon"),
    "line": ("LineString", "MultiLineString"),
    "point": ("Point", "MultiPoint"),
}
# shapely.get_type_id of the geometry types above
_TYPE_IDS: Final = {
    "Point": 0,
    "LineString": 1,
    "Polygon": 3,
    "MultiPoint": 4,
    "MultiLineString": 5,
    "MultiPolygon": 6,
}


EMPTY_GEOMETRY: Final = (
    "the geometry is empty (NULL or without coordinates): draw the feature or delete it"
)


def feature_label(frame: gpd.GeoDataFrame, layer: str) -> pd.Series:
    """The id of each feature, or its row number when it has none."""
    ids = column_or_none(frame, layer_spec(layer).id_field)  # a file may carry no ids at all
    rows = pd.Series([f"row {i + 1}" for i in range(len(frame))], index=frame.index)
    return ids.where(ids.notna(), rows).astype(str)


def column_or_none(frame: pd.DataFrame, name: str) -> pd.Series:
    """The column ``name``, or all None when the frame has no such column."""
    if name in frame.columns:
        return frame[name]
    return pd.Series(None, index=frame.index, dtype=object)


def check_geometries(frame: gpd.GeoDataFrame, findings: LayerFindings) -> gpd.GeoDataFrame:
    """Empty and wrong-type geometries are errors; invalid ones are repaired and listed."""
    layer = findings.layer
    family = layer_spec(layer).geometry
    allowed = _FAMILY_TYPES[family]
    labels = feature_label(frame, layer)
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    out = geoms.copy()
    for i, geom in enumerate(geoms):
        label = labels.iloc[i]
        if geom is None or geom.is_empty:
            findings.add("error", "empty_geometry", EMPTY_GEOMETRY, feature=label, field="geometry")
            continue
        if geom.geom_type == "GeometryCollection":
            part = _family_part(geom, family)
            if part is None:
                findings.add(
                    "error",
                    "wrong_geometry_type",
                    f"a GeometryCollection without a {family}; {layer} need {family}s",
                    feature=label,
                    field="geometry",
                )
                continue
            findings.add(
                "warning",
                "wrong_geometry_type",
                f"a GeometryCollection: kept only its {family} part",
                feature=label,
                field="geometry",
            )
            geom = part
        elif geom.geom_type not in allowed:
            findings.add(
                "error",
                "wrong_geometry_type",
                _wrong_type(geom.geom_type, layer),
                feature=label,
                field="geometry",
            )
            continue
        if not np.isfinite(shapely.get_coordinates(geom)).all():
            # GEOS fails on NaN / infinity (a damaged export); nothing here can place them
            findings.add(
                "error",
                "bad_coordinates",
                "a coordinate is not a number (NaN or infinity); fix or drop the feature",
                feature=label,
                field="geometry",
            )
            out[i] = None
            continue
        if not geom.is_valid:
            geom = _repair(geom, family, label=label, findings=findings)
        out[i] = geom
    return frame.set_geometry(gpd.GeoSeries(out, index=frame.index, crs=frame.crs))


def points_in_lines(frame: gpd.GeoDataFrame, findings: LayerFindings) -> None:
    """An error for each point (a bus stop, a surveyor's mark) in a line layer, and each polygon
    (a station) among railways, as :func:`check_geometries` finds it: ``geogrid partition
    FILE`` refuses them as import does. Polygons among roads (road surfaces) are the engine's to
    refuse, with its own hint; among waterways they are a river's banks, which it reads."""
    layer = findings.layer
    if layer_spec(layer).geometry != "line" or frame.empty:
        return
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    wrong = ["Point", "MultiPoint", *(["Polygon", "MultiPolygon"] if layer == "railways" else [])]
    points = np.isin(shapely.get_type_id(geoms), [_TYPE_IDS[kind] for kind in wrong])
    labels = feature_label(frame, layer)
    for i in np.flatnonzero(points).tolist():
        findings.add(
            "error",
            "wrong_geometry_type",
            _wrong_type(geoms[i].geom_type, layer),
            feature=labels.iloc[i],
            field="geometry",
        )


def _wrong_type(found: str, layer: str) -> str:
    allowed = " or ".join(_FAMILY_TYPES[layer_spec(layer).geometry])
    text = f"the geometry is a {found}; {layer} need {allowed}"
    if found in ("Point", "MultiPoint") and layer_spec(layer).geometry == "line":
        text += ": a point has no line to follow, delete it or move it to a layer of its own"
    elif found in ("Polygon", "MultiPolygon") and layer == "waterways":
        # the store holds waterways as lines; partition FILE takes an area's outline itself
        text += ": a water area (水系面); store its outline as lines (QGIS: Polygons to lines)"
    elif found in ("Polygon", "MultiPolygon") and layer == "railways":
        # a station or yard drawn as an area: its outline is no track to divide along
        text += (
            ": a station or yard outline is no track, delete it or move it to a layer of its own"
        )
    return text


def empty_geometries(frame: gpd.GeoDataFrame, findings: LayerFindings) -> None:
    """An error for each feature without a geometry (NULL or empty), as
    :func:`check_geometries` finds them: ``geogrid partition FILE`` refuses them as import does."""
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    labels = feature_label(frame, findings.layer)
    for i in np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms)).tolist():
        findings.add(
            "error", "empty_geometry", EMPTY_GEOMETRY, feature=labels.iloc[i], field="geometry"
        )


def usable(frame: gpd.GeoDataFrame, layer: str) -> pd.Series:
    """Which features the checks across features can take: a valid geometry of the layer's
    family. The others already carry an error from :func:`check_geometries`; GEOS operations on
    a point in a polygon layer or an unrepairable polygon would fail or mislead."""
    allowed = _FAMILY_TYPES[layer_spec(layer).geometry]
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    ok[ok] = np.isin(shapely.get_type_id(geoms[ok]), [_TYPE_IDS[name] for name in allowed])
    ok[ok] = shapely.is_valid(geoms[ok])
    return pd.Series(ok, index=frame.index)


def made_valid(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` with the geometries left invalid (a refused bow-tie) made valid, for the checks
    of the layers below it: GEOS cannot intersect an invalid polygon, and the refusal is made."""
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    bad = np.flatnonzero(present & ~shapely.is_valid(geoms))
    if not len(bad):
        return frame
    geoms = geoms.copy()
    geoms[bad] = shapely.make_valid(geoms[bad])
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))


def _repair(
    geom: BaseGeometry, family: str, *, label: str, findings: LayerFindings
) -> BaseGeometry | None:
    reason = shapely.is_valid_reason(geom)
    fixed = _family_part(shapely.make_valid(geom), family)
    if fixed is None or fixed.is_empty:
        findings.add(
            "error",
            "invalid_geometry",
            f"invalid geometry ({reason}) cannot be repaired into a {family}",
            feature=label,
            field="geometry",
        )
        return geom
    if _crossing.add_if_lost(geom, fixed, findings, label=label):
        return geom  # a bow-tie: make_valid would lose land, a person must fix the ring
    findings.add(
        "warning",
        "invalid_geometry",
        f"invalid geometry ({reason}) repaired with make_valid, kept the {family} part",
        feature=label,
        field="geometry",
    )
    return fixed


def _family_part(geom: BaseGeometry, family: str) -> BaseGeometry | None:
    allowed = _FAMILY_TYPES[family]
    if geom.geom_type in allowed:
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in allowed and not p.is_empty]
    if not parts:
        return None
    if family == "polygon":
        return shapely.union_all(parts)
    if family == "line":
        return shapely.multilinestrings(parts) if len(parts) > 1 else parts[0]
    return shapely.multipoints(parts) if len(parts) > 1 else parts[0]


def check_ids(frame: gpd.GeoDataFrame, findings: LayerFindings, *, stored: set[str]) -> None:
    """Every feature needs an id (a code for districts, streets, communities), unique in the file."""
    id_field = layer_spec(findings.layer).id_field
    ids = frame[id_field]
    for i in np.flatnonzero(ids.isna().to_numpy()):
        findings.add(
            "error",
            "missing_id",
            f"the feature has no {id_field}",
            feature=f"row {i + 1}",
            field=id_field,
        )
    counts = ids.dropna().value_counts()
    for value, n in counts[counts > 1].items():
        findings.add(
            "error",
            "duplicate_id",
            f"{id_field} {value} appears {n} times in the file",
            feature=value,
            field=id_field,
        )
    for value in sorted(set(ids.dropna()) & stored):
        findings.add(
            "error",
            "duplicate_id",
            f"{id_field} {value} is already in the store; import with --mode replace",
            feature=value,
            field=id_field,
        )
