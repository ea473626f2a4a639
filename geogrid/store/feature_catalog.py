"""The feature collections the OGC services and exports offer, over the store's tables.

A ``Collection`` says which columns are its properties (the allow-list filters may use), its id,
its geometry, the code column the jurisdiction rule applies to (or none: then the geometry is
cut by the jurisdiction's polygon), its time property and which properties are personal data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    DateTime,
    Engine,
    Float,
    FromClause,
    Integer,
    String,
    and_,
    literal,
    select,
)
from sqlalchemy.types import TypeEngine

from geogrid.errors import NotFound
from geogrid.schema import GRID_LEVELS, layer_spec
from geogrid.store import staff_tables as st
from geogrid.store import tables as t
from geogrid.store._bind import fetch_all
from geogrid.store.incident_tables import Incident, IncidentGrid
from geogrid.store.layers import layer_columns
from geogrid.store.plans import published_plan_id
from geogrid.store.staff import current_result_id, hotspot_method

_GRIDS = t.table_of(t.Grid)
_PLANS = t.table_of(t.GridPlan)
_INCIDENTS = t.table_of(Incident)
_ATTRIBUTION = t.table_of(IncidentGrid)
_VALUES = t.table_of(st.AnalysisValue)


@dataclass(frozen=True)
class Collection:
    """One feature collection: what it reads, and how the access rule and filters apply."""

    id: str
    title: str
    description: str
    source: FromClause
    table_name: str
    columns: dict[str, ColumnElement[Any]]
    geom: ColumnElement[Any]
    id_property: str
    geometry_type: str
    code_property: str | None = None
    temporal_property: str | None = None
    personal: frozenset[str] = frozenset()
    where: tuple[ColumnElement[bool], ...] = ()
    plan_id: int | None = None
    plan_status: str | None = None
    # Incidents outside every grid have no code: a whole-district principal still sees them.
    uncoded_visible_to_district: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def json_type(self, name: str) -> dict[str, Any]:
        """The JSON-schema type of property ``name`` (for queryables and schemas)."""
        return json_type(self.columns[name].type)


def json_type(sql_type: TypeEngine[Any]) -> dict[str, Any]:
    """JSON schema of a SQL column type: string, integer, number, boolean or date-time."""
    if isinstance(sql_type, Boolean):
        return {"type": "boolean"}
    if isinstance(sql_type, Integer):
        return {"type": "integer"}
    if isinstance(sql_type, Float):
        return {"type": "number"}
    if isinstance(sql_type, DateTime):
        return {"type": "string", "format": "date-time"}
    return {"type": "string"}


def _plain(
    cid: str, model: type[t.Base], title: str, description: str, *, kind: str, code: bool = True
) -> Collection:
    table = t.table_of(model)
    columns: dict[str, ColumnElement[Any]] = {c.name: c for c in table.columns if c.name != "geom"}
    pk = table.primary_key.columns.values()[0].name
    return Collection(
        id=cid,
        title=title,
        description=description,
        source=table,
        table_name=table.name,
        columns=columns,
        geom=table.c.geom,
        id_property=pk,
        geometry_type=kind,
        code_property="code" if code else None,
    )


def _barrier_lines() -> Collection:
    table = t.table_of(t.BarrierLine)
    names = ("id", "kind", "source_id", "line_class", "name", "synthetic")
    return Collection(
        id="barrier_lines",
        title="Barrier lines",
        description="Roads (with class), waterways and railways: where grid boundaries run.",
        source=table,
        table_name=table.name,
        columns={n: table.c[n] for n in names},
        geom=table.c.geom,
        id_property="id",
        geometry_type="MultiLineString",
    )


def _grid_collection(
    cid: str,
    title: str,
    description: str,
    *,
    source: FromClause,
    table_name: str,
    columns: dict[str, ColumnElement[Any]],
    where: tuple[ColumnElement[bool], ...],
    plan_id: int,
    status: str,
) -> Collection:
    """A collection with one feature per grid of a plan level: the grids themselves, or a
    result (hot spots, coverage) joined to their polygons; ids and the access rule on ``code``."""
    return Collection(
        id=cid,
        title=title,
        description=description,
        source=source,
        table_name=table_name,
        columns=columns,
        geom=_GRIDS.c.geom,
        id_property="code",
        geometry_type="MultiPolygon",
        code_property="code",
        where=where,
        plan_id=plan_id,
        plan_status=status,
    )


def _grids(level: str, plan_id: int, status: str, *, published: bool) -> Collection:
    names = ("code", "parent_code", "name", "households", "buildings", "area_m2")
    columns: dict[str, ColumnElement[Any]] = {n: _GRIDS.c[n] for n in names}
    columns["level"] = _GRIDS.c.level
    columns["plan_id"] = _GRIDS.c.plan_id
    what = "the published plan" if published else f"plan {plan_id} ({status})"
    return _grid_collection(
        f"{level}_grids" if published else f"plan-{plan_id}-{level}_grids",
        f"{level.capitalize()} grids of {what}",
        f"The {level} grids of {what}, with households and buildings.",
        source=_GRIDS,
        table_name="grids",
        columns=columns,
        where=(_GRIDS.c.plan_id == literal(plan_id), _GRIDS.c.level == literal(level)),
        plan_id=plan_id,
        status=status,
    )


_INCIDENT_FIELDS = (
    "id", "ref", "source", "category_code", "subcategory_code", "item_code", "priority",
    "status", "department", "dispatch_level", "description", "reporter", "reported_at",
    "accepted_at", "dispatched_at", "handled_at", "closed_at", "response_due", "handling_due",
    "rework_count", "reopen_count", "escalation_count", "satisfied", "overdue", "flags",
    "location_crs", "synthetic",
)  # fmt: skip


def _incidents(plan_id: int | None) -> Collection:
    on = and_(
        _ATTRIBUTION.c.incident_id == _INCIDENTS.c.id,
        _ATTRIBUTION.c.plan_id == literal(plan_id if plan_id is not None else -1),
    )
    columns: dict[str, ColumnElement[Any]] = {n: _INCIDENTS.c[n] for n in _INCIDENT_FIELDS}
    columns["basic_code"] = _ATTRIBUTION.c.basic_code
    columns["micro_code"] = _ATTRIBUTION.c.micro_code
    return Collection(
        id="incidents",
        title="Incidents",
        description="Grid incidents with their workflow state, attributed to the grids of the "
        "published plan (basic_code, micro_code; null outside every grid).",
        source=_INCIDENTS.outerjoin(_ATTRIBUTION, on),
        table_name="incidents",
        columns=columns,
        geom=_INCIDENTS.c.geom,
        id_property="id",
        geometry_type="Point",
        code_property="basic_code",
        temporal_property="reported_at",
        personal=frozenset({"reporter"}),
        plan_id=plan_id,
        plan_status="published" if plan_id is not None else None,
        uncoded_visible_to_district=True,
    )


def _layers() -> list[Collection]:
    return [
        _plain("districts", t.District, "Districts", "Districts (区/县), 6-digit NBS code.", kind="MultiPolygon"),
        _plain("streets", t.Street, "Streets", "Streets and towns, 9-digit NBS code.", kind="MultiPolygon"),
        _plain("communities", t.Community, "Communities", "Communities and villages, 12-digit NBS code.", kind="MultiPolygon"),
        _plain("buildings", t.Building, "Buildings", "Buildings with households (given or estimated).", kind="Polygon", code=False),
        _plain("compounds", t.Compound, "Compounds", "Residential compounds (小区).", kind="Polygon", code=False),
        _plain("natural_villages", t.NaturalVillage, "Natural villages", "Natural villages (自然村).", kind="Polygon", code=False),
        _barrier_lines(),
    ]  # fmt: skip


_FILE_TYPES: Final = {"polygon": "MultiPolygon", "line": "MultiLineString"}


def layer_collection(kind: str) -> Collection:
    """A stored layer kind (``geogrid.schema.LAYERS``: roads, waterways, ... too) as a collection
    whose properties are the schema's field names, as ``geogrid import`` reads them without a
    mapping (``road_id``, ``road_class``): what ``geogrid export --layer`` writes. Not in the
    catalog: the OGC services offer the barrier lines as one collection."""
    spec = layer_spec(kind)
    table, columns, where = layer_columns(kind)
    return Collection(
        id=kind,
        title=kind.capitalize(),
        description=f"The {kind} layer with the field names geogrid import reads.",
        source=table,
        table_name=table.name,
        columns=columns,
        geom=table.c.geom,
        id_property=spec.id_field,
        geometry_type=_FILE_TYPES.get(spec.geometry, "Point"),
        code_property="code" if "code" in columns else None,
        where=where,
    )


# kind -> (property, SQL type) read from the stored JSON values.
RESULT_FIELDS: Final[dict[str, tuple[tuple[str, Any], ...]]] = {
    "hotspots": (
        ("incidents", Integer), ("g", Float), ("z", Float), ("p", Float), ("p_norm", Float),
        ("p_sim", Float), ("bin", Integer), ("label", String),
    ),
    "coverage": (
        ("households", Integer), ("incidents", Integer), ("workers", Integer),
        ("unmanned", Boolean), ("missing_community_police", Boolean),
        ("missing_traffic_police", Boolean), ("households_per_worker", Float),
        ("incidents_per_worker", Float), ("overloaded", Boolean),
    ),
}  # fmt: skip
_TITLES: Final = {"hotspots": "Hot spots (Gi*)", "coverage": "Staff coverage"}


def _typed(name: str, sql_type: Any) -> ColumnElement[Any]:
    item = _VALUES.c["values"][name]
    if sql_type is Boolean:
        return item.as_boolean()
    if sql_type is Integer:
        return item.as_integer()
    if sql_type is Float:
        return item.as_float()
    return item.as_string()


def _result_collection(
    kind: str, level: str, plan_id: int, result_id: int, method: str | None = None
) -> Collection:
    """The collection of one stored result; ``method`` (a hot-spot result's inference and
    correction, from its summary) ends the description, so a client can say how bins were made."""
    on = and_(
        _GRIDS.c.code == _VALUES.c.code,
        _GRIDS.c.plan_id == literal(plan_id),
        _GRIDS.c.level == literal(level),
    )
    columns: dict[str, ColumnElement[Any]] = {"code": _VALUES.c.code}
    columns.update({name: _typed(name, kind_) for name, kind_ in RESULT_FIELDS[kind]})
    return _grid_collection(
        f"{level}_grids_{kind}",
        f"{_TITLES[kind]} of the {level} grids of the published plan",
        f"The current {kind} result (id {result_id}) per {level} grid."
        + (f" Bins: {method}." if method else ""),
        source=_VALUES.join(_GRIDS, on),
        table_name="analysis_values",
        columns=columns,
        where=(_VALUES.c.result_id == literal(result_id),),
        plan_id=plan_id,
        status="published",
    )


def _result_collections(bind: Engine | Connection, plan_id: int | None) -> list[Collection]:
    """Collections ``{level}_grids_hotspots`` / ``{level}_grids_coverage`` of the published
    plan, one for each kind and level with a current result."""
    if plan_id is None:
        return []
    found = []
    for kind in RESULT_FIELDS:
        for level in ("basic", "micro"):
            result_id = current_result_id(bind, kind=kind, plan_id=plan_id, level=level)
            if result_id is not None:
                method = hotspot_method(bind, result_id) if kind == "hotspots" else None
                found.append(_result_collection(kind, level, plan_id, result_id, method))
    return found


def catalog(bind: Engine | Connection) -> dict[str, Collection]:
    """Every collection the store offers now, by id: layers, grids of each plan, incidents."""
    collections = {c.id: c for c in _layers()}
    published = published_plan_id(bind)
    levels = fetch_all(
        bind,
        select(_GRIDS.c.plan_id, _GRIDS.c.level, _PLANS.c.status)
        .distinct()
        .join(_PLANS, _PLANS.c.id == _GRIDS.c.plan_id)
        .order_by(_GRIDS.c.plan_id),
    )
    present: list[tuple[Any, ...]] = sorted(
        (tuple(r) for r in levels), key=lambda r: (r[0], GRID_LEVELS.index(r[1]))
    )
    for plan_id, level, status in present:
        if plan_id == published:
            grids = _grids(level, plan_id, status, published=True)
            collections[grids.id] = grids
    for plan_id, level, status in present:
        grids = _grids(level, plan_id, status, published=False)
        collections[grids.id] = grids
    collections["incidents"] = _incidents(published)
    collections.update((c.id, c) for c in _result_collections(bind, published))
    return collections


def collection(bind: Engine | Connection, cid: str) -> Collection:
    """The collection ``cid``, or NotFound listing how to find the ones there are."""
    found = catalog(bind).get(cid)
    if found is None:
        raise NotFound(f"no collection {cid!r}; GET /collections lists them")
    return found
