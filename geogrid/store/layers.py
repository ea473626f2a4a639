"""Write and read the map layers (districts ... barrier lines) as GeoDataFrames."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from geoalchemy2 import WKBElement
from pyproj import CRS
from sqlalchemy import Connection, Engine, Table, delete, func, insert, select

from geogrid.crs import STORAGE_CRS
from geogrid.errors import CRSError, InputError
from geogrid.schema import BARRIER_LAYERS, layer_spec
from geogrid.store import tables as t
from geogrid.store._bind import fetch_all, store_kind
from geogrid.store.incident_tables import Incident
from geogrid.store.versions import bump_data_version


@dataclass(frozen=True)
class _Binding:
    """How a layer kind maps onto a table: renamed columns and fixed values."""

    table: Table
    rename: dict[str, str] = field(default_factory=dict)
    fixed: dict[str, Any] = field(default_factory=dict)

    def only_this_layer(self, stmt: Any) -> Any:
        """``stmt`` limited to the rows of this layer (barrier kinds share one table)."""
        for column, value in self.fixed.items():
            stmt = stmt.where(self.table.c[column] == value)
        return stmt


def _binding(name: str) -> _Binding:
    spec = layer_spec(name)
    if name in BARRIER_LAYERS:
        class_field = next((f for f in spec.optional if f.endswith("_class")), None)
        rename = {spec.id_field: "source_id"} | ({class_field: "line_class"} if class_field else {})
        return _Binding(t.table_of(t.BarrierLine), rename, {"kind": BARRIER_LAYERS[name]})
    model = {
        "districts": t.District,
        "streets": t.Street,
        "communities": t.Community,
        "buildings": t.Building,
        "compounds": t.Compound,
        "natural_villages": t.NaturalVillage,
    }[name]
    return _Binding(t.table_of(model))


def layer_columns(name: str) -> tuple[Table, dict[str, Any], tuple[Any, ...]]:
    """Where layer kind ``name`` is stored: its table, schema field -> column (the fields the
    table has, in the schema's order) and the conditions that pick its rows."""
    spec = layer_spec(name)
    binding = _binding(name)
    table = binding.table
    columns = {f: table.c[binding.rename.get(f, f)] for f in spec.stored_fields}
    return table, columns, tuple(table.c[c] == v for c, v in binding.fixed.items())


def _records(name: str, frame: gpd.GeoDataFrame, binding: _Binding) -> list[dict[str, Any]]:
    spec = layer_spec(name)
    columns = {c.name for c in binding.table.columns}
    data = pd.DataFrame(index=frame.index)
    for field_name in spec.fields:
        target = binding.rename.get(field_name, field_name)
        if target in columns and field_name in frame.columns:
            data[target] = frame[field_name]
    if spec.id_field not in frame.columns:
        raise InputError(f"the layer has no id field {spec.id_field!r}", field=spec.id_field)
    data[binding.rename.get(spec.id_field, spec.id_field)] = frame[spec.id_field].astype(str)
    if "synthetic" in columns:
        data["synthetic"] = (
            frame["synthetic"].fillna(False).astype(bool) if "synthetic" in frame else False
        )
    for column, value in binding.fixed.items():
        data[column] = value
    wkb = shapely.to_wkb(np.asarray(frame.geometry.values), output_dimension=2)
    data["geom"] = pd.Series([WKBElement(b, srid=t.SRID) for b in wkb], index=data.index)
    data = data.astype(object).where(pd.notna(data), None)
    return [
        {str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
        for row in data.to_dict("records")
    ]


def write_layer(
    conn: Connection,
    name: str,
    frame: gpd.GeoDataFrame,
    *,
    source_file: str,
    source_crs: str,
    mode: str = "replace",
    assumptions: dict[str, Any] | None = None,
    validation: dict[str, Any] | None = None,
) -> int:
    """Write one layer inside the caller's transaction; returns the number of features.

    ``frame`` must be in EPSG:4326 with the fields of :mod:`geogrid.schema`; ``mode`` is
    ``replace`` (the layer's old features go) or ``append``. ``assumptions`` (e.g. how
    households were estimated) and a ``validation`` summary are kept with the layer.
    """
    if frame.crs is None or not CRS.from_user_input(frame.crs).equals(STORAGE_CRS):
        raise CRSError(
            f"layer {name} must be in {STORAGE_CRS} to be stored, not {frame.crs}", file=source_file
        )
    if mode not in ("replace", "append"):
        raise InputError(f"unknown write mode {mode!r}; expected replace or append")
    binding = _binding(name)
    if mode == "replace":
        conn.execute(binding.only_this_layer(delete(binding.table)))
    records = _records(name, frame, binding)
    if records:
        conn.execute(insert(binding.table), records)
    conn.execute(
        insert(t.table_of(t.LayerSource)),
        {
            "layer": name,
            "source_file": source_file,
            "source_crs": source_crs,
            "feature_count": len(records),
            "imported_at": t.utcnow(),
            "assumptions": assumptions,
            "validation": validation,
        },
    )
    bump_data_version(conn, name)
    return len(records)


def read_layer(
    bind: Engine | Connection,
    name: str,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    columns: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """Read one layer as a GeoDataFrame in EPSG:4326 with the schema's field names."""
    spec = layer_spec(name)
    binding = _binding(name)
    back = {v: k for k, v in binding.rename.items()}
    wanted = [
        c
        for c in binding.table.columns
        if c.name != "geom"
        and c.name not in binding.fixed
        and back.get(c.name, c.name) in spec.fields
    ]
    if columns is not None:
        wanted = [c for c in wanted if back.get(c.name, c.name) in {spec.id_field, *columns}]
    stmt = binding.only_this_layer(
        select(*wanted, func.ST_AsBinary(binding.table.c.geom).label("wkb"))
    )
    if bbox is not None:
        envelope = func.BuildMbr(*bbox, t.SRID)
        if store_kind(bind) == "postgis":
            envelope = func.ST_MakeEnvelope(*bbox, t.SRID)
        stmt = stmt.where(func.ST_Intersects(binding.table.c.geom, envelope))
    stmt = stmt.order_by(binding.table.primary_key.columns.values()[0])
    rows = fetch_all(bind, stmt)
    frame = pd.DataFrame(rows, columns=[c.name for c in wanted] + ["wkb"])
    return frame_with_geometry(frame.rename(columns=back))


def frame_with_geometry(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Turn the ``wkb`` column of a query result into the geometry of a GeoDataFrame."""
    wkb = frame.pop("wkb").map(bytes).to_numpy()
    geometry = shapely.from_wkb(wkb) if len(wkb) else np.array([], dtype=object)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=STORAGE_CRS))


def layer_counts(bind: Engine | Connection) -> dict[str, int]:
    """Feature counts per layer kind, plus plans, grids and incidents."""
    counts: dict[str, int] = {}
    polygons = ("districts", "streets", "communities", "compounds", "natural_villages")
    for name in (*polygons, "buildings", *BARRIER_LAYERS):
        binding = _binding(name)
        stmt = binding.only_this_layer(select(func.count()).select_from(binding.table))
        counts[name] = int(fetch_all(bind, stmt)[0][0])
    for model in (t.GridPlan, t.Grid, Incident):
        stmt = select(func.count()).select_from(t.table_of(model))
        counts[str(model.__tablename__)] = int(fetch_all(bind, stmt)[0][0])
    return counts


def layer_sources(bind: Engine | Connection) -> list[dict[str, Any]]:
    """The newest source record of each layer: file, CRS as received, assumptions."""
    table = t.table_of(t.LayerSource)
    rows = fetch_all(bind, select(table).order_by(table.c.id))
    newest = {row._mapping["layer"]: dict(row._mapping) for row in rows}
    return list(newest.values())


def place_names(bind: Engine | Connection, codes: Sequence[str]) -> dict[str, str]:
    """Names of NBS codes as stored: districts (6 digits), streets (9), communities (12).

    A grid code (longer) is named after its community, with its number inside it:
    ``"中韩社区 grid 003"``. Codes with no stored place are left out.
    """
    wanted = {str(c) for c in codes if c is not None}
    by_length = {6: t.District, 9: t.Street, 12: t.Community}
    prefixes = {c[:12] for c in wanted if len(c) > 12} | {c for c in wanted if len(c) in by_length}
    names: dict[str, str] = {}
    for length, model in by_length.items():
        table = t.table_of(model)
        group = sorted(c for c in prefixes if len(c) == length)
        for start in range(0, len(group), 500):
            chunk = group[start : start + 500]
            stmt = select(table.c.code, table.c.name).where(table.c.code.in_(chunk))
            names |= {str(row.code): str(row.name) for row in fetch_all(bind, stmt)}
    for code in wanted:
        if len(code) > 12 and code[:12] in names:
            names[code] = f"{names[code[:12]]} grid {code[12:]}"
    return {code: names[code] for code in wanted if code in names}
