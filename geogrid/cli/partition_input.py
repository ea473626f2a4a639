"""Reading the input file of ``geogrid partition FILE``: the layers the engine reads, checked as
``geogrid import`` checks them, so that the file route and the store route refuse the same
faults in the same words.

- Layers are found by name, ignoring case (``Roads`` is the roads layer); the others are listed
  in the report with their feature counts, never passed over silently.
- Each layer's coordinates must fit its CRS (``geogrid.crs.to_storage_crs``): metres labelled
  as lon/lat, eastings with a Gauss-Krüger zone number the CRS lacks, lon/lat labelled as
  metres are refused in one line naming the layer and the CRS that fits, instead of turning
  into infinities and a plan of "duplicate footprints" or buildings "outside every parent".
- Lon/lat layers shifted to GCJ-02 are refused (``_provenance``), values and codes are checked
  as import checks them (``io._values``), and buildings without a household count are
  estimated as import estimates them.
- ``--source-crs`` and ``--map`` / ``--mapping`` mean what they mean to import, for every
  layer, read by import's functions (``crs.to_storage_crs``, ``io.mapping.alias_columns``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import CRS

from geogrid.cli.partition_parents import parent_notes
from geogrid.crs import STORAGE_CRS, parse_source_crs, to_storage_crs
from geogrid.errors import CRSError, InputError
from geogrid.households import fill_households
from geogrid.io._codes import as_text
from geogrid.io._crossing import refuse_crossed_parents
from geogrid.io._ogr import feature_count, list_layers
from geogrid.io._provenance import refuse_shifted_layers
from geogrid.io._refusals import (
    raise_first,
    refuse_missing_geometries,
    refuse_unnamed_buildings,
)
from geogrid.io._topology import far_from_parents
from geogrid.io._values import check_codes, check_values, value_notes
from geogrid.io.kind_names import is_surface, kind_by_name
from geogrid.io.mapping import FieldMapping, alias_columns
from geogrid.io.readers import read_layers
from geogrid.partition_jobs import FILE_LAYERS
from geogrid.schema import LAYERS
from geogrid.settings import HouseholdSettings
from geogrid.validation import LayerFindings, ValidationReport

Layers = dict[str, gpd.GeoDataFrame | None]
_CODES = ("code", "parent_code", "street_code", "community_code")


def read_input(
    path: Path,
    households: HouseholdSettings,
    *,
    encoding: str | None = None,
    source_crs: str | None = None,
    mapping: FieldMapping | None = None,
) -> tuple[Layers, dict[str, Any] | None, list[str]]:
    """The input layers, checked, buildings without a household count estimated as import does
    (with the assumptions made, or None when every building had a count), and notes on the
    columns taken for a field by another name (户数 for households), as import takes them.
    The layers are read as import reads them (``io.readers.read_layers``, with ``encoding``);
    ``source_crs`` and ``mapping`` are import's ``--source-crs`` and ``--map`` / ``--mapping``,
    for every layer of the file.

    Raises InputError (CRSError) naming the file and the layer on the first fault found."""
    if not path.exists():
        raise InputError("no such file", file=str(path))
    names = file_layer_names(path)
    notes: list[str] = []
    layers: Layers = {kind: None for kind in FILE_LAYERS}
    for kind, name in names.items():
        # read as import reads: a shapefile's text in its encoding (GBK without a .cpg too)
        [source] = read_layers(path, layer=name, encoding=encoding)
        layers[kind] = source.frame
        notes += [f"{name}: {note}" for note in source.notes]
    _refuse_missing_layers(layers, path)
    for kind, frame in layers.items():
        if frame is not None and not frame.empty:
            layers[kind] = _in_crs(frame, path, names[kind], source_crs, notes)
    for kind, frame in layers.items():
        if frame is not None and kind in LAYERS:
            where = f"{path}, layer {names[kind]}"
            layers[kind], said = alias_columns(frame, LAYERS[kind], mapping, file=where)
            # a file of several kinds: --map households=... would name communities' too
            notes += [f"{names[kind]}: {n.replace('--map ', f'--map {kind}.')}" for n in said]
    _refuse_missing_codes(layers, names, path)
    refuse_missing_geometries(layers, file=str(path))
    refuse_unnamed_buildings(layers["buildings"], file=str(path))
    if source_crs is None:  # the user's word on the CRS: no suspicion then, as in import
        notes += refuse_shifted_layers(layers, file=str(path))
    refuse_crossed_parents(layers, file=str(path))
    _refuse_far_buildings(layers, f"{path}, layer {names['buildings']}")
    layers, said = _checked_values(layers, path)
    notes += said
    notes += parent_notes(layers, names, path)
    buildings = layers["buildings"]
    assert buildings is not None
    given = (
        pd.to_numeric(buildings["households"], errors="coerce")
        if "households" in buildings.columns
        else pd.Series(float("nan"), index=buildings.index)
    )
    if not given.isna().any():
        return layers, None, notes
    if "households" not in buildings.columns:
        notes.append(f"{names['buildings']}: {_unread_counts(buildings)}")
    layers["buildings"], assumptions = fill_households(buildings, settings=households)
    return layers, assumptions, notes


def _refuse_missing_layers(layers: Layers, path: Path) -> None:
    found = ", ".join(sorted(name for name, _ in list_layers(path))) or "none"
    hint = f"(layers here: {found}; rename one to it)"
    if layers["buildings"] is None:
        raise InputError(f"no 'buildings' layer {hint}", file=str(path))
    if _empty(layers["communities"]) and _empty(layers["streets"]):
        raise InputError(f"no 'communities' (or 'streets') layer to divide {hint}", file=str(path))


def _refuse_missing_codes(layers: Layers, names: dict[str, str], path: Path) -> None:
    for kind in ("communities", "streets"):
        frame = layers[kind]
        if frame is not None and not frame.empty and "code" not in frame.columns:
            columns = ", ".join(str(c) for c in frame.columns if c != frame.geometry.name)
            raise InputError(
                f"layer {names[kind]} has no code column (nor 社区代码 or another name for it); "
                f"name it with --map {kind}.code=COLUMN; its columns: {columns or 'none'}",
                file=str(path),
            )


def _unread_counts(buildings: gpd.GeoDataFrame) -> str:
    """What a buildings layer without a household count says: the columns left unread (one may
    be the count under a name no table knows: HH_CNT), as import's note says them."""
    fields = set(LAYERS["buildings"].fields)
    unread = [str(c) for c in buildings.columns if c != buildings.geometry.name and c not in fields]
    listed = f"; columns not read: {', '.join(unread)}" if unread else ""
    return (
        f"no households column, every count estimated{listed} "
        "(--map buildings.households=COLUMN reads one as the count)"
    )


def _refuse_far_buildings(layers: Layers, where: str) -> None:
    """Refuse buildings that all lie far from every parent (a wrong CRS: another Gauss-Krüger
    zone, say), as import does (``io._topology.far_from_parents``), instead of dividing
    parents with no building in them (a plan of empty grids, every household listed)."""
    buildings = layers["buildings"]
    kind = "streets" if _empty(layers["communities"]) else "communities"
    parents = layers[kind]
    if buildings is None or buildings.empty or parents is None or parents.empty:
        return
    b, p = buildings.to_crs(STORAGE_CRS), parents.to_crs(STORAGE_CRS)
    # a harmless invalidity (a spike) is repaired later; the union needs valid polygons
    area = shapely.union_all(shapely.make_valid(p.geometry.to_numpy()))
    outside = ~b.intersects(area).to_numpy()
    report = ValidationReport()
    epsg = CRS.from_user_input(buildings.crs).to_epsg()
    findings = LayerFindings(report, "buildings", where)
    crs = f"EPSG:{epsg}" if epsg else None
    if far_from_parents(b, outside, p, kind, findings, source_crs=crs):
        message = report.errors[0].message.replace("import it again with --source-crs ", "")
        raise CRSError(
            message.replace("probably wrong; ", "probably wrong; set it to ")
            + " (in the file, with ogr2ogr -a_srs)",
            file=where,
        )


def _in_crs(
    frame: gpd.GeoDataFrame, path: Path, name: str, source_crs: str | None, notes: list[str]
) -> gpd.GeoDataFrame:
    """The layer in the CRS it is in: its own, or ``source_crs`` (``--source-crs``) as import
    reads it (``geogrid.crs.to_storage_crs``: a contradicting CRS refused unless only the
    declared one fits); GCJ-02 / BD-09 converted to WGS 84. Coordinates that cannot lie in the
    CRS are refused as import refuses them, with what to do here."""
    said: list[str] = []
    where = f"{path}, layer {name}"
    try:
        converted, _ = to_storage_crs(frame, source_crs=source_crs, file=where, notes=said)
    except CRSError as err:
        message = err.message.replace(
            "import again with --source-crs", "run again with --source-crs"
        )
        raise CRSError(
            f"{message} (--source-crs is for every layer; for this one alone set its CRS in "
            "the file, e.g. ogr2ogr -a_srs EPSG:NNNN)",
            file=where,
        ) from err
    notes += [f"{name}: {note}" for note in said]
    declared = parse_source_crs(source_crs)
    if declared is None:
        return frame  # the engine keeps the layer's CRS (the plan is written in it)
    if isinstance(declared, str):  # gcj02 / bd09: lon/lat shifted, now WGS 84
        notes.append(f"{name}: converted from {declared} to WGS 84 (--source-crs)")
        return converted
    return frame.set_crs(declared, allow_override=True)


def file_layer_names(path: Path) -> dict[str, str]:
    """The file's layer for each kind the engine reads, by name ignoring case (an exact name
    first), else by a name that tells the kind (``io.kind_names.kind_by_name``: 社区, 水系线)."""
    names = [name for name, _ in list_layers(path)]
    out: dict[str, str] = {}
    for kind in FILE_LAYERS:
        same = [n for n in names if n == kind] or [n for n in names if n.lower() == kind]
        # centre lines (道路中心线) before surfaces (道路面), which are refused with a hint
        same = same or sorted((n for n in names if kind_by_name(n) == kind), key=is_surface)
        if same:
            out[kind] = same[0]
    return out


def input_layers(path: Path) -> dict[str, Any]:
    """The layers of an input file the engine reads, and those it does not with their
    feature counts: a land-use or parcel layer is not silently left out."""
    read = set(file_layer_names(path).values())
    names = [name for name, _ in list_layers(path)]
    return {
        "read": [name for name in names if name in read],
        "not_read": {name: feature_count(path, name) for name in names if name not in read},
    }


def _checked_values(layers: Layers, path: Path) -> tuple[Layers, list[str]]:
    """The import's checks of values (``geogrid.io``): codes as text, counts that are whole
    numbers ('120户' and '８６' read, with a note), area types and road classes in any
    spelling import knows (农村 is general_rural, with its band); the first error refuses the
    file in one line, each value that is not a number listed in the report."""
    report = ValidationReport()
    out: Layers = {}
    for name, frame in layers.items():
        if frame is None or name not in LAYERS:
            out[name] = frame
            continue
        numeric = [c for c in _CODES if c in frame and pd.api.types.is_numeric_dtype(frame[c])]
        frame = frame.assign(**{c: as_text(frame[c]) for c in numeric})  # 370212001001.0
        findings = LayerFindings(report, name, str(path), frame.attrs.get("columns", {}))
        checked = check_values(frame, findings, names=False)
        if "code" in checked.columns:  # codes under their parent's, as import checks them
            checked = check_codes(checked, findings)
        # class values as written: the engine reads them through the same table and lists
        # those it does not know (the import's check leaves them empty)
        kept = [c for c in ("road_class", "waterway_class") if c in frame.columns]
        out[name] = checked.assign(**{c: frame[c] for c in kept})
    raise_first(report)  # ValidationFailed: its findings go to --report
    return out, value_notes(report)


def _empty(frame: gpd.GeoDataFrame | None) -> bool:
    return frame is None or frame.empty
