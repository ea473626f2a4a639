"""Map a file's columns onto the schema fields of a layer kind.

A mapping says which column holds which schema field: ``--map name=MC --map code=DM`` on the
command line, or a JSON / TOML file, either flat (``{"name": "MC"}``) or per layer kind
(``{"communities": {"name": "MC"}}``). Columns named like a schema field are taken as they are,
so files written by ``geogrid synth`` or ``geogrid export`` need no mapping; so are columns
named the usual Chinese, English or OSM way (户数, 层数, ``building:levels``: the table is
:mod:`geogrid.io.field_names`).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final

import geopandas as gpd

from geogrid.errors import InputError
from geogrid.io._codes import codes_as_text
from geogrid.io.field_names import ambiguity, find_aliases
from geogrid.io.kind_names import kind_by_name
from geogrid.road_classes import SPELLINGS
from geogrid.schema import LAYERS, LayerSpec

FieldMapping = dict[str, dict[str, str]]
"""Per layer kind (or ``*`` for every kind): schema field -> source column."""

ANY_LAYER: Final = "*"
# Ids of map features (OSM, most GIS exports) are often in a column called "id".
_ID_FALLBACKS: Final = ("id", "fid", "osm_id", "objectid")
_CODE_LAYERS: Final = ("districts", "streets", "communities")
# An OSM export has dozens of tag columns: the note on those not read names the first few.
_UNREAD_SHOWN: Final = 12
SHAPEFILE_NAMES: Final[dict[str, str]] = {
    "households_source": "hh_source",
    "district_code": "distr_code",
    "street_code": "strt_code",
    "waterway_class": "ww_class",
    "waterway_id": "ww_id",
    "railway_id": "rail_id",
    "building_id": "bldg_id",
    "compound_id": "compnd_id",
    "parent_code": "parent_cd",
}
"""Shapefile fields hold 10 characters: the short names export writes and import reads back."""


def _cut(name: str, spec: LayerSpec) -> str:
    """``name`` cut to a shapefile's 10 characters, as GDAL and QGIS write it (``street_cod``),
    lower-cased; '' when it is not cut or the cut is itself a field's name (``households``)."""
    cut = name[:10].lower()
    return cut if len(name) > 10 and cut not in spec.fields else ""


def parse_map_options(
    options: Iterable[str], *, specs: Mapping[str, LayerSpec] = LAYERS
) -> FieldMapping:
    """Parse ``field=COLUMN`` or ``layer.field=COLUMN`` options (fields of ``specs``)."""
    mapping: FieldMapping = {}
    for option in options:
        key, sep, column = option.partition("=")
        if not sep or not key.strip() or not column.strip():
            raise InputError(f"--map {option!r} must look like field=COLUMN, e.g. --map name=MC")
        layer, dot, name = key.strip().rpartition(".")
        mapping.setdefault(layer if dot else ANY_LAYER, {})[name] = column.strip()
    _check_fields(mapping, source="--map", specs=specs)
    return mapping


def load_mapping_file(path: str | Path, *, specs: Mapping[str, LayerSpec] = LAYERS) -> FieldMapping:
    """Read a JSON or TOML mapping file, flat or keyed by layer kind."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".toml":
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        else:
            data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the mapping: {exc}", file=str(path)) from exc
    if not isinstance(data, dict):
        raise InputError("a mapping must be an object of field = column", file=str(path))
    mapping: FieldMapping = {}
    for key, value in data.items():
        if isinstance(value, dict):
            mapping.setdefault(key, {}).update({str(k): str(v) for k, v in value.items()})
        else:
            mapping.setdefault(ANY_LAYER, {})[str(key)] = str(value)
    _check_fields(mapping, source=str(path), specs=specs)
    return mapping


def merge_mappings(*mappings: FieldMapping) -> FieldMapping:
    """Later mappings win, field by field."""
    merged: FieldMapping = {}
    for mapping in mappings:
        for layer, fields in mapping.items():
            merged.setdefault(layer, {}).update(fields)
    return merged


def _check_fields(
    mapping: FieldMapping, *, source: str, specs: Mapping[str, LayerSpec] = LAYERS
) -> None:
    for layer, fields in mapping.items():
        if layer != ANY_LAYER and layer not in specs:
            raise InputError(
                f"unknown layer kind {layer!r}; expected one of {', '.join(specs)}", file=source
            )
        known = (
            {f for spec in specs.values() for f in spec.fields}
            if layer == ANY_LAYER
            else set(specs[layer].fields)
        )
        for name in fields:
            if name not in known:
                raise InputError(
                    f"unknown schema field {name!r}; fields are: {', '.join(sorted(known))}",
                    file=source,
                    field=name,
                )


def apply_mapping(
    frame: gpd.GeoDataFrame,
    spec: LayerSpec,
    mapping: FieldMapping | None = None,
    *,
    file: str,
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Return a frame with the schema fields of ``spec`` (plus geometry) and notes.

    A field's column is the one the mapping names, else the one with the field's name (or the
    short name a Shapefile holds), else the one named as files commonly name the field
    (:mod:`geogrid.io.field_names`, noted). Columns left unread are listed in one note.

    Raises :class:`InputError` naming every required field without a column, and the columns
    the file has.
    """
    fields = _fields_of(mapping, spec)
    lookup = _lookup(frame)
    notes: list[str] = []
    chosen = _named(frame, spec, fields, lookup, file=file, own=_own(mapping, spec))
    aliased = find_aliases(lookup.values(), spec, chosen)
    chosen.update(aliased.columns)
    notes.extend(aliased.notes)
    if spec.id_field not in chosen and spec.name not in _CODE_LAYERS:
        fallback = next((lookup[c] for c in _ID_FALLBACKS if c in lookup), None)
        if fallback is not None:
            chosen[spec.id_field] = fallback
            notes.append(f"{spec.id_field} taken from column {fallback!r}")
    required = (spec.id_field, *spec.required) if spec.name in _CODE_LAYERS else spec.required
    missing = [name for name in required if name not in chosen]
    if missing:
        hint = " ".join(f"--map {name}=COLUMN" for name in missing)
        # without the ambiguity the user would not see why 社区代码 was not taken
        why = "".join(
            f"; {ambiguity(name, aliased.ambiguous[name])}"
            for name in missing
            if name in aliased.ambiguous
        )
        raise InputError(
            f"required field(s) {', '.join(missing)} of {spec.name} have no column; map them with "
            f"{hint}{why}; the file has: {', '.join(lookup.values()) or 'no columns'}",
            file=file,
            field=missing[0],
        )
    unread = [column for column in lookup.values() if column not in chosen.values()]
    if unread:
        # a count column that was not read means estimated households: say which were skipped
        shown = ", ".join(unread[:_UNREAD_SHOWN])
        more = f" and {len(unread) - _UNREAD_SHOWN} more" if len(unread) > _UNREAD_SHOWN else ""
        notes.append(f"columns not read: {shown}{more} (--map field=COLUMN reads one as a field)")
    out = gpd.GeoDataFrame(
        {name: frame[column].to_numpy() for name, column in chosen.items()},
        geometry=frame.geometry.to_numpy(),
        crs=frame.crs,
        index=frame.index,
    )
    codes_as_text(out, frame, chosen, layer=spec.name, id_field=spec.id_field, file=file)
    if spec.id_field not in out.columns:
        out[spec.id_field] = [str(i + 1) for i in range(len(out))]
        notes.append(f"the file has no {spec.id_field}: numbered the features 1..{len(out)}")
    out = out[[*[f for f in spec.fields if f in out.columns], "geometry"]]
    return with_source_columns(out, chosen), notes


def with_source_columns(frame: gpd.GeoDataFrame, chosen: Mapping[str, str]) -> gpd.GeoDataFrame:
    """``frame`` remembering the file's column of each field read under another name (户数 for
    households) in ``attrs["columns"]``, so that a finding names the column the user sees."""
    frame.attrs["columns"] = {f: str(c) for f, c in chosen.items() if str(c) != f}
    return frame


def alias_columns(
    frame: gpd.GeoDataFrame,
    spec: LayerSpec,
    mapping: FieldMapping | None = None,
    *,
    file: str = "",
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """``frame`` with the columns a ``mapping`` names (``--map``, ``--mapping``) copied to
    their field's name, and those named as files commonly name a field of ``spec`` renamed to
    it, with a note per field (or per field two columns look like, neither renamed). A field
    that has a column of its own name (or Shapefile short name) keeps it, unless the mapping
    names another. The other columns stay.

    For readers that take a file's columns by the schema's names without :func:`apply_mapping`
    (``geogrid partition FILE``); the same choice of columns as :func:`apply_mapping`, and the
    same refusal of a mapping that names a column the file lacks (naming ``file``).
    """
    fields = _fields_of(mapping, spec)
    lookup = _lookup(frame)
    chosen = _named(frame, spec, fields, lookup, file=file, own=_own(mapping, spec))
    aliased = find_aliases(lookup.values(), spec, chosen)
    # a field's column by another spelling of its name (BUILDING_ID, the Shapefile's bldg_id
    # or building_i) is renamed to it, as apply_mapping reads it
    spelt = {c: name for name, c in chosen.items() if name not in fields and c != name}
    renamed = frame.rename(columns={**spelt, **{c: n for n, c in aliased.columns.items()}})
    for name in (f for f in spec.fields if f in fields):  # copied: one column, two fields
        renamed[name] = frame[chosen[name]].to_numpy()
    return with_source_columns(renamed, {**aliased.columns, **chosen}), aliased.notes


def _fields_of(mapping: FieldMapping | None, spec: LayerSpec) -> dict[str, str]:
    """Field -> column of ``mapping`` for the kind of ``spec``: its own over those of any kind."""
    return {**(mapping or {}).get(ANY_LAYER, {}), **(mapping or {}).get(spec.name, {})}


def _own(mapping: FieldMapping | None, spec: LayerSpec) -> frozenset[str]:
    """The fields ``mapping`` maps for the kind of ``spec`` by name (``buildings.households``)."""
    return frozenset((mapping or {}).get(spec.name, {}))


def _lookup(frame: gpd.GeoDataFrame) -> dict[str, str]:
    """The frame's columns other than its geometry, by their lower-case name."""
    return {
        str(column).lower(): str(column)
        for column in frame.columns
        if column != frame.geometry.name
    }


def _named(
    frame: gpd.GeoDataFrame,
    spec: LayerSpec,
    fields: Mapping[str, str],
    lookup: Mapping[str, str],
    *,
    file: str,
    own: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """Field -> column, as ``fields`` (the mapping) names it, else by the field's own name or
    the short name a Shapefile gives it. A mapped column the frame lacks is refused; when the
    mapping named it for every kind (not in ``own``), saying how to name it for one."""
    chosen: dict[str, str] = {}
    for name in spec.fields:
        column = fields.get(name)
        if column is not None:
            if column not in frame.columns:
                # --map households=HH_CNT on a file of communities and buildings: communities
                # have a households field too
                one = f" (a mapping for one layer kind only: --map KIND.{name}={column})"
                raise InputError(
                    f"the mapping names column {column!r} for field {name!r}, but the "
                    f"{spec.name} layer has: {', '.join(lookup.values()) or 'no columns'}"
                    + ("" if name in own else one),
                    file=file,
                    field=name,
                )
            chosen[name] = column
        elif name.lower() in lookup:
            chosen[name] = lookup[name.lower()]
        elif SHAPEFILE_NAMES.get(name, "").lower() in lookup:
            chosen[name] = lookup[SHAPEFILE_NAMES[name].lower()]
        elif _cut(name, spec) in lookup:
            chosen[name] = lookup[_cut(name, spec)]
    return chosen


def field_hints(spec: LayerSpec) -> str:
    """A short line listing a kind's fields, for help texts."""
    return f"{spec.name}: {', '.join(spec.fields)} (required: {', '.join(spec.required) or 'none'})"


def layer_for(source_name: str, requested: str | None, *, file: str) -> str:
    """The layer kind of a source layer: as requested, or by the layer's (file's) name."""
    if requested is not None:
        if requested not in LAYERS:
            raise InputError(
                f"unknown layer kind {requested!r}; expected one of {', '.join(LAYERS)}", file=file
            )
        return requested
    kind = kind_by_name(source_name)
    if kind is not None:
        return kind
    raise InputError(
        f"cannot tell which layer kind {source_name!r} is; pass --layer KIND, or "
        f"--layer {source_name}:KIND for one layer of a multi-layer source "
        f"(KIND: {', '.join(LAYERS)})",
        file=file,
    )


def value_aliases() -> Mapping[str, Mapping[str, str]]:
    """Known spellings of coded values (OSM highway tags, Chinese area types) per field."""
    return _VALUE_ALIASES


_VALUE_ALIASES: Final[dict[str, dict[str, str]]] = {
    "road_class": SPELLINGS,
    "area_type": {
        "urban": "urban_community",
        "community": "urban_community",
        "社区": "urban_community",
        "城市社区": "urban_community",
        # the committee that runs it names it: 居委会 a community, 村委会 a village
        "居委会": "urban_community",
        "社区居委会": "urban_community",
        "居民委员会": "urban_community",
        "村": "village",
        "行政村": "village",
        "村委会": "village",
        "村民委员会": "village",
        "农村": "general_rural",
        "一般农村": "general_rural",
        "山区": "mountainous",
        "mountain": "mountainous",
    },
}
