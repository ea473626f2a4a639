"""``geogrid partition FILE --repair``: the parents made a coverage as ``geogrid import
--repair`` makes them, so that a street's file with digitising slivers between its communities
is divided in one command instead of being refused ("parents ... overlap by 699.2 m²").

The repair is the import's (:func:`geogrid.io._coverage.repair_coverage`): duplicate codes
renumbered, spills clipped to the street, overlaps up to 30 m wide given to the neighbour with
the longest shared border, gaps inside a street up to 100 m² or 2 m wide filled. It works in
EPSG:4326, so the layer goes there and back to its own CRS, edges cut into pieces first
(``geogrid.densify``): a round trip of well under a millimetre that keeps shared edges shared.
Every fix is a line of the report; a layer with nothing to fix is used as read (so --repair
on a clean file gives the plan a plain run gives). An overlap too wide to be a mismatch
refuses the file in one line.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from geogrid.densify import densified_to_crs
from geogrid.errors import InputError
from geogrid.io._coverage import repair_coverage
from geogrid.validation import LayerFindings, Thresholds, ValidationReport

Layers = dict[str, gpd.GeoDataFrame | None]
_ORDER = ("streets", "communities")  # a street first: its communities are clipped to it


def repair_parents(
    layers: Layers, path: Path, *, thresholds: Thresholds | None = None
) -> tuple[Layers, list[str]]:
    """The layers with streets and communities repaired into coverages (each in its own CRS),
    and one line per fix ("communities 370212005001: overlapped ... given to ...").

    Raises InputError naming the file, layer and feature when a fault is beyond repair."""
    limits = thresholds or Thresholds()
    report = ValidationReport()
    out = dict(layers)
    for kind in _ORDER:
        frame = out.get(kind)
        if frame is None or frame.empty or "code" not in frame.columns:
            continue
        parents = out.get("streets") if kind == "communities" else None
        before = len(report.repairs())
        try:
            fixed = repair_coverage(
                _lonlat(frame),
                LayerFindings(report, kind, str(path)),
                parents=_lonlat(parents) if parents is not None and not parents.empty else None,
                gap_max_m2=limits.repair_gap_m2,
                overlap_max_width_m=limits.repair_overlap_width_m,
                gap_max_width_m=limits.repair_gap_width_m,
            )
        except InputError as err:  # a clip GEOS cannot compute, in the file's words
            raise InputError(
                f"partition refused: file {path}, layer {kind}, feature {err.feature}, "
                f"field geometry: {err.message}"
            ) from err
        if len(report.repairs()) == before:
            continue  # nothing fixed: the layer as read, not its round trip's cut edges
        out[kind] = densified_to_crs(fixed, frame.crs) if frame.crs is not None else fixed
    if report.errors:
        first, more = report.errors[0], len(report.errors) - 1
        raise InputError(
            f"partition refused: {first.line()}" + (f" (and {more} more)" if more else "")
        )
    return out, report.repairs()


def _lonlat(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if frame.crs is None or frame.crs.equals("EPSG:4326"):
        return frame
    return densified_to_crs(frame, "EPSG:4326")
