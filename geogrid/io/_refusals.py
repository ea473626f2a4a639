"""Refusals of ``geogrid partition FILE`` made with the import's own checks, so that a file the
import refuses is refused by the file route too, in the same words, with every finding for the
``--report`` (:class:`~geogrid.errors.ValidationFailed` carries them)."""

from __future__ import annotations

import geopandas as gpd

from geogrid.errors import ValidationFailed
from geogrid.io._checks import check_ids, empty_geometries, points_in_lines
from geogrid.schema import BARRIER_LAYERS, LAYERS
from geogrid.validation import LayerFindings, ValidationReport


def refuse_missing_geometries(layers: dict[str, gpd.GeoDataFrame | None], *, file: str) -> None:
    """Refuse buildings and parents without a geometry (NULL or empty), and points in a line
    layer (bus stops among roads), as import does: the line names the first, the report lists
    each. A road without length carries nothing: the engine leaves it out and counts it."""
    report = ValidationReport()
    for kind, frame in layers.items():
        if frame is not None and kind in LAYERS and kind not in BARRIER_LAYERS:
            empty_geometries(frame, _findings(report, kind, file, frame))
    for kind, frame in layers.items():
        if frame is not None and kind in LAYERS:
            points_in_lines(frame, _findings(report, kind, file, frame))
    raise_first(report)


def refuse_unnamed_buildings(buildings: gpd.GeoDataFrame | None, *, file: str) -> None:
    """Refuse a ``building_id`` column with a blank or a repeated id, as import does: the
    report names buildings by it (unassigned, suspect, straddling), and a name shared by two
    buildings points at neither. A layer without the column is named by row."""
    if buildings is None or "building_id" not in buildings.columns:
        return
    report = ValidationReport()
    check_ids(buildings, _findings(report, "buildings", file, buildings), stored=set())
    raise_first(report)


def _findings(
    report: ValidationReport, kind: str, file: str, frame: gpd.GeoDataFrame
) -> LayerFindings:
    """Findings about ``frame``, naming the file's column of a field read under another name."""
    return LayerFindings(report, kind, file, frame.attrs.get("columns", {}))


def raise_first(report: ValidationReport) -> None:
    """Raise ValidationFailed with the first error's line and how many more there are."""
    if report.errors:
        first, more = report.errors[0], len(report.errors) - 1
        raise ValidationFailed(
            f"partition refused: {first.line()}" + (f" (and {more} more)" if more else ""),
            report=report,
        )
