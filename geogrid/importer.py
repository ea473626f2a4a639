"""The import use case: read -> map fields -> normalise the CRS -> validate and repair ->
estimate households -> write, all layers of a file in ONE transaction.

When anything fails (a file that cannot be read, a validation error, a database error) the store
is left exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import CRS
from sqlalchemy import Connection

from geogrid.crs import to_storage_crs
from geogrid.errors import InputError
from geogrid.households import HouseholdTotal, fill_households
from geogrid.import_sources import choose_layer, kind_of, sources_of
from geogrid.io import FieldMapping, SourceLayer, _provenance, apply_mapping
from geogrid.io._checks import feature_label, made_valid
from geogrid.io.kind_names import kind_by_name
from geogrid.off_street import off_street
from geogrid.schema import BARRIER_LAYERS, LAYERS, layer_spec
from geogrid.settings import HouseholdSettings
from geogrid.store import Store
from geogrid.store.layers import read_layer, write_layer
from geogrid.validation import Context, Thresholds, ValidationReport, validate_layer

# Parents before children, so that checks across layers see the parents of this import.
IMPORT_ORDER: Final = (
    "districts",
    "streets",
    "communities",
    "compounds",
    "natural_villages",
    "buildings",
    "roads",
    "waterways",
    "railways",
)
_CONTEXT_LAYERS: Final = ("districts", "streets", "communities")
# The layer a scope code of each length names (NBS: 6-digit district ... 12-digit community).
_SCOPE_LAYERS: Final = {
    6: ("districts", "district"),
    9: ("streets", "street"),
    12: ("communities", "community"),
}

Progress = Callable[[str, int, int], None]
"""Called with (what is being done, steps done, steps in all)."""


@dataclass(frozen=True)
class ImportOptions:
    """Everything an import can be told; defaults suit files written by ``geogrid synth``."""

    layer: str | None = None
    source_layer: str | None = None
    mapping: FieldMapping | None = None
    source_crs: str | None = None
    encoding: str | None = None
    wkt_column: str | None = None
    lonlat_columns: tuple[str, str] | None = None
    mode: str = "replace"
    thresholds: Thresholds = field(default_factory=Thresholds)
    households: HouseholdSettings = field(default_factory=HouseholdSettings)
    households_total: int | None = None
    scope: str | None = None
    census: str | None = None
    repair: bool = False
    """Repair boundary layers into a valid coverage (see :mod:`geogrid.io._coverage`)."""


@dataclass
class ImportResult:
    """What an import wrote, with its report and the CRS each layer came in."""

    report: ValidationReport
    written: dict[str, int] = field(default_factory=dict)
    source_crs: dict[str, str] = field(default_factory=dict)
    assumptions: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _Prepared:
    kind: str
    frame: gpd.GeoDataFrame
    file: str
    crs: str
    notes: list[str]
    repairs: list[tuple[str, str, str]] = field(default_factory=list)
    """(feature, check, message) of each repair made while reading."""
    suspicions: list[tuple[str, str]] = field(default_factory=list)  # GCJ-02 read as WGS 84
    """(check, message) about the whole layer, e.g. a suspected GCJ-02 file."""
    datum_open: bool = False
    """Read as WGS 84 without a declared CRS and not yet suspected: checked against the store."""


def import_file(
    store: Store,
    path: str | Path,
    options: ImportOptions | None = None,
    *,
    progress: Progress | None = None,
) -> ImportResult:
    """Import every layer of ``path`` into ``store`` in one transaction.

    Raises
    ------
    InputError, CRSError
        The file cannot be read, mapped or placed; names the file (and field).
    ValidationFailed
        Validation found errors; ``.report`` holds every finding. Nothing was written.
    """
    options = choose_layer(options or ImportOptions(), path)
    if options.mode not in ("replace", "append"):
        raise InputError(f"unknown mode {options.mode!r}; expected replace or append")
    tick = progress or (lambda _what, _done, _total: None)
    tick(f"reading {Path(path).name}", 0, 1)
    prepared = [_prepare(source, options) for source in sources_of(path, options)]
    prepared.sort(key=lambda p: IMPORT_ORDER.index(p.kind))
    total = 2 * len(prepared) + 1
    result = ImportResult(ValidationReport())
    for item in prepared:
        for note in item.notes:
            result.report.add("info", "read", note, layer=item.kind, file=item.file)
        for check, message in item.suspicions:  # shifted data is never labelled WGS 84
            result.report.add("error", check, message, layer=item.kind, file=item.file)
        for feature, check, message in item.repairs:
            result.report.add(
                "warning",
                check,
                message,
                layer=item.kind,
                file=item.file,
                feature=feature,
                field="geometry",
            )
    with store.transaction() as conn:
        context = _stored_context(conn)
        for item in (p for p in prepared if p.datum_open):
            _check_datum(item, context, result.report)
        for step, item in enumerate(prepared, start=1):
            tick(f"validating {item.kind}", step, total)
            _validate(conn, item, context, options, result.report)
        result.report.raise_if_errors()
        for step, item in enumerate(prepared, start=len(prepared) + 1):
            tick(f"writing {item.kind} ({len(item.frame):,})", step, total)
            assumptions: dict[str, Any] = {"notes": item.notes}
            if item.kind == "buildings":
                item.frame, households = _households(item.frame, options, context)
                assumptions["households"] = households
            result.written[item.kind] = write_layer(
                conn,
                item.kind,
                item.frame,
                source_file=str(item.file),
                source_crs=item.crs,
                mode=options.mode,
                assumptions=assumptions,
                validation=result.report.for_layer(item.kind).brief(),
            )
            result.source_crs[item.kind] = item.crs
            result.assumptions[item.kind] = assumptions
    tick("done", total, total)
    return result


def _prepare(source: SourceLayer, options: ImportOptions) -> _Prepared:
    kind = kind_of(source, options)
    frame, notes = apply_mapping(source.frame, layer_spec(kind), options.mapping, file=source.file)
    labels = feature_label(frame, kind)
    repairs = [(labels.iloc[r.row], r.check, r.message) for r in source.repairs]
    if kind in BARRIER_LAYERS:  # a viaduct or tunnel divides no blocks: not a barrier line
        above = (off_street(source.frame) | off_street(frame)).to_numpy()
        if above.any():
            frame = frame[~above]
            notes.append(
                f"{int(above.sum()):,} line(s) on a bridge or viaduct or in a tunnel (bridge, "
                "tunnel, layer, 高架, 隧道) not imported: they are not barriers at street level"
            )
    own_crs = source.frame.crs
    frame, crs = to_storage_crs(frame, source_crs=options.source_crs, file=source.file, notes=notes)
    suspicions = []
    lonlat = options.source_crs is None and (
        own_crs is None or CRS.from_user_input(own_crs).is_geographic
    )
    if lonlat:
        seeds = _seeds() if kind in ("districts", "streets") else None
        suspected = _provenance.suspicion(list(source.frame.columns), frame, seeds=seeds)
        if suspected is not None:
            suspicions.append(("suspected_gcj02", suspected))
    named = source.name if kind_by_name(source.name) == kind else source.alias
    if options.layer is None and named is not None and named.lower() != kind:
        notes.append(f"layer {named} read as {kind}, by its name")
    notes = [*source.notes, *notes]
    return _Prepared(
        kind, frame, source.file, crs, notes, repairs, suspicions, lonlat and not suspicions
    )


def _check_datum(item: _Prepared, context: Context, report: ValidationReport) -> None:
    """GCJ-02 read as WGS 84, judged against the stored layers (not the item's own, nor its
    parent: the topology check compares with that) and the embedded district outlines."""
    parent = {"streets": "districts", "communities": "streets"}.get(item.kind)
    references = [
        (f"the stored {name}", getattr(context, name))
        for name in _CONTEXT_LAYERS
        if name not in (item.kind, parent)
    ]
    found = _provenance.datum_check(item.frame, references, seeds=_seeds())
    if found is not None and found[0] == "suspected_gcj02":
        report.add("error", found[0], found[1], layer=item.kind, file=item.file)
    elif found is not None:
        report.add("info", found[0], found[1], layer=item.kind, file=item.file)


def _seeds() -> gpd.GeoDataFrame | None:
    """The seed district outlines (WGS 84), or None when the seed data is not there."""
    from geogrid.boundaries import districts

    try:
        return districts()
    except InputError:
        return None


def _stored_context(conn: Connection) -> Context:
    context = Context()
    for name in _CONTEXT_LAYERS:
        setattr(context, name, read_layer(conn, name))
    return context


def _validate(
    conn: Connection,
    item: _Prepared,
    context: Context,
    options: ImportOptions,
    report: ValidationReport,
) -> None:
    stored_ids: set[str] = set()
    if options.mode == "append":
        id_field = LAYERS[item.kind].id_field
        stored_ids = set(read_layer(conn, item.kind, columns=[])[id_field].astype(str))
    context.stored_ids = stored_ids
    item.frame, found = validate_layer(
        item.frame,
        item.kind,
        file=item.file,
        context=context,
        thresholds=options.thresholds,
        source_crs=item.crs,
        repair=options.repair,
    )
    report.extend(found)
    if item.kind in _CONTEXT_LAYERS:
        stored = getattr(context, item.kind)
        fresh = item.frame
        if options.mode == "append" and stored is not None and len(stored):
            fresh = pd.concat([stored, fresh], ignore_index=True)
        fresh = made_valid(gpd.GeoDataFrame(fresh, crs=item.frame.crs))  # a refused bow-tie
        setattr(context, item.kind, fresh)


def _households(
    buildings: gpd.GeoDataFrame, options: ImportOptions, context: Context
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    total = None
    scope = options.scope
    if options.census is not None:
        from geogrid.boundaries import census_households

        scope = scope or options.census
        total = HouseholdTotal(
            census_households(options.census), f"2020 census, district {options.census}", scope
        )
    elif options.households_total is not None:
        total = HouseholdTotal(options.households_total, "--households-total", scope)
    in_scope = None if total is None or scope is None else _in_scope(buildings, scope, context)
    return fill_households(buildings, settings=options.households, total=total, in_scope=in_scope)


def _in_scope(buildings: gpd.GeoDataFrame, code: str, context: Context) -> pd.Series:
    """Buildings inside a stored district (6 digits), street (9) or community (12)."""
    if len(code) not in _SCOPE_LAYERS:
        raise InputError(f"scope {code!r} is not a 6-, 9- or 12-digit NBS code", field="scope")
    layer, singular = _SCOPE_LAYERS[len(code)]
    parents = getattr(context, layer)
    area = None
    if parents is not None and len(parents) and code in set(parents["code"]):
        area = shapely.union_all(parents.loc[parents["code"] == code].geometry.to_numpy())
    elif layer == "districts" and context.streets is not None and len(context.streets):
        # synth and many sources carry streets but no district outline
        streets = context.streets[context.streets.get("district_code") == code]
        area = shapely.union_all(streets.geometry.to_numpy()) if len(streets) else None
    if area is None:
        raise InputError(
            f"{singular} {code} is not in the store or this import; import it first or "
            "leave out the scope",
            field="scope",
        )
    points = buildings.geometry.representative_point().to_numpy()
    shapely.prepare(area)
    return pd.Series(shapely.contains(area, points), index=buildings.index)
