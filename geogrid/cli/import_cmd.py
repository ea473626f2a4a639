"""`geogrid import`: read a file, validate and repair it, estimate households, store it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import pydantic
import typer
from rich.table import Table

from geogrid.cli._common import (
    DatabaseUrl,
    console,
    load_settings,
    opened_store,
    progress_bar,
)
from geogrid.cli._layer_options import MapOption, MappingFile, SourceCrs, field_mapping
from geogrid.errors import CRSError, InputError, ValidationFailed
from geogrid.households import use_summary
from geogrid.importer import ImportOptions, ImportResult, import_file
from geogrid.schema import LAYERS
from geogrid.settings import HouseholdSettings
from geogrid.validation import SEVERITIES, Thresholds, ValidationReport

_SHOWN_PER_SEVERITY = 15
_STYLE = {"error": "red", "warning": "yellow", "info": "dim"}


def register(app: typer.Typer) -> None:
    """Add ``geogrid import`` to ``app``."""
    app.command("import")(import_command)


def import_command(
    path: Annotated[
        Path,
        typer.Argument(
            help="Any vector format GDAL reads (GeoJSON, GeoPackage, Shapefile also zipped, KML, "
            "File Geodatabase also zipped, GML, MapInfo, FlatGeobuf, ...), GeoParquet or CSV"
        ),
    ],
    layer: Annotated[
        str | None,
        typer.Option(
            "--layer",
            "-l",
            help=f"Layer kind ({', '.join(LAYERS)}; by default the layer names), or the name "
            "of one layer of a multi-layer source, NAME or NAME:KIND",
        ),
    ] = None,
    source_layer: Annotated[
        str | None,
        typer.Option("--source-layer", help="Only this layer of a multi-layer source"),
    ] = None,
    map_: MapOption = None,
    mapping_file: MappingFile = None,
    source_crs: SourceCrs = None,
    encoding: Annotated[
        str | None,
        typer.Option(help="Text encoding of the attributes (default: UTF-8, then GB18030)"),
    ] = None,
    wkt_column: Annotated[str | None, typer.Option(help="CSV: the WKT column")] = None,
    lon_column: Annotated[str | None, typer.Option(help="CSV: the longitude column")] = None,
    lat_column: Annotated[str | None, typer.Option(help="CSV: the latitude column")] = None,
    mode: Annotated[
        str, typer.Option(help="replace the stored layer, or append to it")
    ] = "replace",
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the validation report as JSON here")
    ] = None,
    households_total: Annotated[
        int | None, typer.Option(help="Scale estimated households so the scope adds up to this")
    ] = None,
    scope: Annotated[
        str | None, typer.Option(help="District / street / community code the total applies to")
    ] = None,
    census: Annotated[
        str | None, typer.Option(help="Scale households to this district's 2020 census (adcode)")
    ] = None,
    overlap_m2: Annotated[float, typer.Option(help="Overlaps above this (m²) are errors")] = 1.0,
    gap_m2: Annotated[float, typer.Option(help="Gaps above this (m²) are errors")] = 1.0,
    spill_m2: Annotated[
        float, typer.Option(help="Spills out of the parent above this (m²) are errors")
    ] = 1.0,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Repair boundary layers into a valid coverage: duplicate ids renumbered, "
            "spills clipped to the parent, overlaps and small gaps given to the neighbour "
            "with the longest shared border; each fix is listed in the report",
        ),
    ] = False,
    repair_gap_m2: Annotated[
        float, typer.Option(help="With --repair: gaps up to this size (m²) are filled")
    ] = 100.0,
    repair_gap_width_m: Annotated[
        float,
        typer.Option(help="With --repair: gaps of any size up to this wide (m) are filled too"),
    ] = 2.0,
    dwelling_size_m2: Annotated[
        float | None, typer.Option(help="Households estimate: floor area per dwelling (m²)")
    ] = None,
    residential_share: Annotated[
        float | None, typer.Option(help="Households estimate: residential share of floor area")
    ] = None,
    default_levels: Annotated[
        int | None, typer.Option(help="Households estimate: levels of buildings that give none")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Import a file into the store: validated, repaired, in one transaction."""
    settings = load_settings(database_url)
    households = _household_settings(
        settings.households,
        dwelling_size_m2=dwelling_size_m2,
        residential_share=residential_share,
        default_levels=default_levels,
    )
    mapping = field_mapping(map_, mapping_file)
    options = ImportOptions(
        layer=layer,
        source_layer=source_layer,
        mapping=mapping,
        source_crs=source_crs,
        encoding=encoding,
        wkt_column=wkt_column,
        lonlat_columns=(
            (lon_column or "lon", lat_column or "lat") if lon_column or lat_column else None
        ),
        mode=mode,
        thresholds=Thresholds(
            overlap_m2=overlap_m2,
            gap_m2=gap_m2,
            spill_m2=spill_m2,
            repair_gap_m2=repair_gap_m2,
            repair_gap_width_m=repair_gap_width_m,
        ),
        repair=repair,
        households=households,
        households_total=households_total,
        scope=scope,
        census=census,
    )
    bar = progress_bar()
    with opened_store(settings) as store, bar:
        task = bar.add_task(f"importing {path.name}", total=None)

        def tick(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)

        try:
            result = import_file(store, path, options, progress=tick)
        except ValidationFailed as exc:
            bar.stop()
            _show(exc.report)
            if report is not None:
                _write_report(report, exc.report, repair=repair, refused=exc)
            raise
        except InputError as exc:  # refused while reading (a CRS, a layer kind): one finding
            bar.stop()
            if report is not None:
                found = ValidationReport()
                check = "crs" if isinstance(exc, CRSError) else "input"
                found.add("error", check, exc.message, layer=layer or "", file=exc.file,
                          feature=exc.feature, field=exc.field)  # fmt: skip
                _write_report(report, found, repair=repair, refused=exc)
            raise
    _show(result.report)
    _show_written(result)
    if report is not None:
        _write_report(report, result.report, repair=repair)


def _write_report(
    path: Path, report: ValidationReport, *, repair: bool, refused: InputError | None = None
) -> None:
    """The findings; with --repair each fix in one line (``repairs``, as in the report of
    ``partition FILE --repair``); for a refused import the line the error printed."""
    body = report.to_dict()
    if repair:
        body["repairs"] = report.repairs()
    if refused is not None:
        body["refused"] = " ".join(str(refused).split())
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")


def _household_settings(
    configured: HouseholdSettings, **overrides: float | int | None
) -> HouseholdSettings:
    """The configured household estimate with the options given on the command line."""
    given = {name: value for name, value in overrides.items() if value is not None}
    try:
        return HouseholdSettings(**configured.model_dump() | given)
    except pydantic.ValidationError as exc:
        error = exc.errors()[0]
        raise InputError(f"--{str(error['loc'][0]).replace('_', '-')}: {error['msg']}") from None


def _show(report: ValidationReport) -> None:
    """The findings as a table, at most a few of each severity."""
    if not report.findings:
        return
    table = Table(title="validation")
    for column in ("severity", "check", "layer", "feature", "field", "message"):
        table.add_column(column, overflow="fold")  # an id or a check name is never cut
    for severity in SEVERITIES:
        found = [f for f in report.findings if f.severity == severity]
        for finding in found[:_SHOWN_PER_SEVERITY]:
            table.add_row(
                f"[{_STYLE[severity]}]{severity}[/]",
                finding.check,
                finding.layer,
                finding.feature or "",
                finding.field or "",
                finding.message,
            )
        if len(found) > _SHOWN_PER_SEVERITY:
            table.add_row(severity, "...", "", "", "", f"{len(found) - _SHOWN_PER_SEVERITY} more")
    console.print(table)


def _show_written(result: ImportResult) -> None:
    """What was written, with the CRS each layer came in and how households were counted."""
    table = Table("layer", "features", "source CRS", title="imported")
    for kind, count in result.written.items():
        table.add_row(kind, f"{count:,}", result.source_crs[kind])
    console.print(table)
    households = result.assumptions.get("buildings", {}).get("households")
    if households:
        console.print(
            f"households: given for {households['given']:,} buildings, estimated for "
            f"{households['estimated']:,}"
            + (
                f", scaled to {households['total']:,} ({households['total_source']})"
                if households.get("total") is not None
                else ""
            )
            + (f" ({use_summary(households)})" if use_summary(households) else "")
        )
