"""The validation report of an import: what was wrong, what was repaired, what blocks.

Each finding names the file, the layer, the feature (its id) and the field. Errors block the
import (:class:`~geogrid.errors.ValidationFailed` carries the report); warnings and notes do not.
The checks live in :mod:`geogrid.io._checks` and :mod:`geogrid.io._values` (feature by
feature) and :mod:`geogrid.io._topology` (across features and layers); :func:`validate_layer`
runs them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd

from geogrid.errors import ValidationFailed
from geogrid.io import _checks, _coverage, _dangles, _gaps, _topology, _values
from geogrid.overlap_width import REPAIR_OVERLAP_WIDTH_M

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
REPAIR_PREFIX = "repair_"  # the checks of the fixes --repair makes (io._coverage: repair_gap...)


@dataclass(frozen=True)
class Thresholds:
    """Sizes above which a topology finding is an error; smaller slivers are ignored."""

    overlap_m2: float = 1.0
    gap_m2: float = 1.0
    spill_m2: float = 1.0
    offset_share: float = 0.05
    """Share of features outside their parents that triggers the GCJ-02 / BD-09 test."""
    repair_gap_m2: float = 100.0
    """With --repair: gaps up to this size (m²) are given to a neighbour."""
    repair_gap_width_m: float = 2.0
    """With --repair: gaps of any size at most this wide (m) are given to a neighbour too (a
    strip between two boundaries digitised apart); a lane or road corridor is wider."""
    repair_overlap_width_m: float = REPAIR_OVERLAP_WIDTH_M
    """With --repair: overlaps up to this wide (m) are given to a neighbour; wider ones stay
    errors, since two boundaries disagreeing about that much land need a person."""


@dataclass(frozen=True)
class Finding:
    """One thing validation found."""

    severity: Severity
    check: str
    message: str
    layer: str
    file: str | None = None
    feature: str | None = None
    field: str | None = None
    area_m2: float | None = None
    column: str | None = None
    """The file's column read as ``field`` when its name differs (户数 for households)."""

    def line(self) -> str:
        field = f"{self.field} (column {self.column})" if self.column else self.field
        where = ", ".join(
            f"{label} {value}"
            for label, value in (
                ("file", self.file),
                ("layer", self.layer),
                ("feature", self.feature),
                ("field", field),
            )
            if value is not None
        )
        return f"{where}: {self.message}"


@dataclass
class ValidationReport:
    """Every finding of one import, in the order found."""

    findings: list[Finding] = field(default_factory=list)

    def add(
        self,
        severity: Severity,
        check: str,
        message: str,
        *,
        layer: str,
        file: str | None = None,
        feature: object = None,
        field: str | None = None,
        area_m2: float | None = None,
        column: str | None = None,
    ) -> None:
        self.findings.append(
            Finding(
                severity,
                check,
                message,
                layer,
                file,
                None if feature is None else str(feature),
                field,
                None if area_m2 is None else round(float(area_m2), 2),
                column,
            )
        )

    def extend(self, other: ValidationReport) -> None:
        self.findings.extend(other.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, dict[str, int]]:
        """Counts per check and severity."""
        counts = Counter((f.check, f.severity) for f in self.findings)
        out: dict[str, dict[str, int]] = {}
        for (check, severity), n in sorted(counts.items()):
            out.setdefault(check, {})[severity] = n
        return out

    def for_layer(self, layer: str) -> ValidationReport:
        """The findings about one layer."""
        return ValidationReport([f for f in self.findings if f.layer == layer])

    def brief(self) -> dict[str, Any]:
        """Kept with the layer in the store: the counts and every finding (each repair)."""
        return {
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "summary": self.summary(),
            "findings": [asdict(f) for f in self.findings],
        }

    def repairs(self) -> list[str]:
        """One line per fix of ``--repair`` ("communities 370212005001: overlapped ..."): the
        ``repairs`` of ``geogrid import --report`` and of ``partition FILE --repair``'s report."""
        return [
            f"{f.layer} {f.feature}: {f.message}"
            for f in self.findings
            if f.check.startswith(REPAIR_PREFIX) and f.severity == "warning"
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "summary": self.summary(),
            "findings": [asdict(f) for f in self.findings],
        }

    def write_json(self, path: str | Path) -> None:
        Path(path).write_text(
            json.dumps(self.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8"
        )

    def raise_if_errors(self) -> None:
        """Raise :class:`ValidationFailed` (with this report) when any error was found."""
        errors = self.errors
        if not errors:
            return
        # An offset diagnosis explains the many spills that follow it, so it leads.
        first = next((f for f in errors if f.check == "crs_offset"), errors[0])
        more = f" (and {len(errors) - 1} more error(s), see the report)" if len(errors) > 1 else ""
        raise ValidationFailed(f"import refused: {first.line()}{more}", report=self)


@dataclass(frozen=True)
class LayerFindings:
    """Adds findings about one layer of one file to a report (what the checks are given)."""

    report: ValidationReport
    layer: str
    file: str
    columns: Mapping[str, str] = field(default_factory=dict)
    """Field -> the file's column read as it, where the names differ (``mapping``)."""

    def add(
        self,
        severity: Severity,
        check: str,
        message: str,
        *,
        feature: object = None,
        field: str | None = None,
        area_m2: float | None = None,
    ) -> None:
        self.report.add(
            severity,
            check,
            message,
            layer=self.layer,
            file=self.file,
            feature=feature,
            field=field,
            area_m2=area_m2,
            column=self.columns.get(field) if field else None,
        )


@dataclass
class Context:
    """What the checks across layers compare against: the store, updated by this import."""

    districts: gpd.GeoDataFrame | None = None
    streets: gpd.GeoDataFrame | None = None
    communities: gpd.GeoDataFrame | None = None
    stored_ids: set[str] = field(default_factory=set)
    """Ids of the layer already in the store, checked for clashes when appending."""

    def parents(self, layer: str) -> tuple[str, gpd.GeoDataFrame | None]:
        """The parent layer of ``layer`` and its features, when there are any."""
        name = {"streets": "districts", "communities": "streets", "buildings": "communities"}.get(
            layer, ""
        )
        frame = getattr(self, name, None) if name else None
        return name, frame if frame is not None and len(frame) else None


def validate_layer(
    frame: gpd.GeoDataFrame,
    layer: str,
    *,
    file: str,
    context: Context | None = None,
    thresholds: Thresholds | None = None,
    source_crs: str | None = None,
    repair: bool = False,
) -> tuple[gpd.GeoDataFrame, ValidationReport]:
    """Check and repair one mapped layer in EPSG:4326.

    Returns the repaired frame (invalid geometries made valid, coded values normalised) and the
    report; the caller decides what to do with errors (:meth:`ValidationReport.raise_if_errors`).
    With ``repair``, boundary layers are first repaired into a valid coverage (duplicate ids
    renumbered, spills clipped, overlaps and small gaps given to a neighbour; see
    :mod:`geogrid.io._coverage`), each fix a warning in the report.
    """
    report = ValidationReport()
    findings = LayerFindings(report, layer, file, frame.attrs.get("columns", {}))
    context = context or Context()
    thresholds = thresholds or Thresholds()
    frame = _checks.check_geometries(frame, findings)
    if repair and layer in _coverage.REPAIRABLE:
        _, parents = context.parents(layer)
        frame = _coverage.repair_coverage(
            frame,
            findings,
            parents=parents,
            gap_max_m2=thresholds.repair_gap_m2,
            overlap_max_width_m=thresholds.repair_overlap_width_m,
            gap_max_width_m=thresholds.repair_gap_width_m,
        )
    _checks.check_ids(frame, findings, stored=context.stored_ids)
    frame = _values.check_values(frame, findings)
    frame = _values.check_codes(frame, findings)
    usable = frame[_checks.usable(frame, layer)]
    if not len(usable):
        return frame, report
    if layer in ("streets", "communities", "districts"):
        _topology.check_overlaps(usable, findings, thresholds=thresholds)
    _topology.check_parents(
        usable, findings, context=context, thresholds=thresholds, source_crs=source_crs
    )
    if layer == "communities":
        _gaps.check_gaps(usable, findings, context=context, thresholds=thresholds)
    if layer == "buildings":
        _topology.check_straddles(usable, findings, context=context)
    if layer == "roads":
        _dangles.check_dangles(usable, findings, context=context)
    return frame, report
