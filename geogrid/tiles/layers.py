"""The tiled collections: what each one holds, from which zoom, which attributes it carries,
which data versions it depends on and how long a client may keep its tiles.

Collection ids follow the features API: the layer kinds, ``barrier_lines``, ``incidents``,
``<level>_grids`` for the published plan and ``plan-<id>-<level>_grids`` for any plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Final, Literal

from geogrid.errors import NotFound
from geogrid.schema import BARRIER_LAYERS, GRID_LEVELS

Geometry = Literal["polygon", "line", "point"]
FieldType = Literal["String", "Number", "Boolean"]

GRID_STATISTICS: Final[tuple[str, ...]] = (
    "incidents",
    "incidents_open",
    "incidents_overdue",
    "settlement_rate",
)
"""Per-grid incident statistics that travel as tile attributes (basic and micro grids)."""


@dataclass(frozen=True)
class TileLayer:
    """One tiled collection.

    ``source`` names the query the store runs (a layer kind, ``barrier_lines``, ``grids`` or
    ``incidents``); ``level`` and ``plan_id`` pick the grids (``plan_id`` None: the published
    plan). ``depends_on`` are the data-version layers whose writes can change its tiles.
    ``max_age`` is the Cache-Control max-age in seconds (0: revalidate every time with the ETag).
    """

    id: str
    title: str
    source: str
    geometry: Geometry
    fields: dict[str, FieldType]
    minzoom: int
    depends_on: tuple[str, ...]
    max_age: int = 0
    level: str | None = None
    plan_id: int | None = None
    by_code: bool = True
    """Whether the jurisdiction applies to a code (grids, boundaries) or to the geometry."""
    maxzoom: int = 16

    def for_plan(self, plan_id: int) -> TileLayer:
        """The same grid layer bound to one plan (its versions: ``plan:<id>``)."""
        return replace(self, plan_id=plan_id, depends_on=(*self.depends_on, f"plan:{plan_id}"))


_BOUNDARY: dict[str, FieldType] = {"code": "String", "name": "String"}
_GRID_FIELDS: dict[str, FieldType] = {
    "code": "String",
    "parent_code": "String",
    "name": "String",
    "level": "String",
    "households": "Number",
    "buildings": "Number",
    "area_m2": "Number",
}
_STATS_FIELDS: dict[str, FieldType] = dict.fromkeys(GRID_STATISTICS, "Number")
RESULT_FIELDS: Final[dict[str, FieldType]] = {
    "gi_bin": "Number",
    "hotspot": "String",
    "workers": "Number",
    "unmanned": "Boolean",
    "missing_community_police": "Boolean",
    "missing_traffic_police": "Boolean",
}
"""Attributes of the current hot-spot (Gi* bin and class) and coverage results of the grid's
plan, present only while such a result is current."""
_GRID_EXTRA: dict[str, FieldType] = {**_STATS_FIELDS, **RESULT_FIELDS}
_GRID_MINZOOM = {"large": 8, "medium": 9, "basic": 10, "micro": 13}

STATIC_LAYERS: Final[dict[str, TileLayer]] = {
    layer.id: layer
    for layer in (
        TileLayer(
            "districts",
            "Districts",
            "districts",
            "polygon",
            {**_BOUNDARY, "synthetic": "Boolean"},
            minzoom=0,
            depends_on=("districts",),
            max_age=300,
        ),
        TileLayer(
            "streets",
            "Streets, towns and townships",
            "streets",
            "polygon",
            {**_BOUNDARY, "district_code": "String", "synthetic": "Boolean"},
            minzoom=6,
            depends_on=("streets",),
            max_age=300,
        ),
        TileLayer(
            "communities",
            "Communities and villages",
            "communities",
            "polygon",
            {
                **_BOUNDARY,
                "street_code": "String",
                "area_type": "String",
                "households": "Number",
                "synthetic": "Boolean",
            },
            minzoom=8,
            depends_on=("communities",),
            max_age=300,
        ),
        TileLayer(
            "buildings",
            "Buildings",
            "buildings",
            "polygon",
            {
                "building_id": "String",
                "levels": "Number",
                "households": "Number",
                "use": "String",
                "compound_id": "String",
                "synthetic": "Boolean",
            },
            minzoom=13,
            depends_on=("buildings",),
            max_age=300,
            by_code=False,
        ),
        TileLayer(
            "compounds",
            "Residential compounds",
            "compounds",
            "polygon",
            {"compound_id": "String", "name": "String", "synthetic": "Boolean"},
            minzoom=12,
            depends_on=("compounds",),
            max_age=300,
            by_code=False,
        ),
        TileLayer(
            "natural_villages",
            "Natural villages",
            "natural_villages",
            "polygon",
            {"village_id": "String", "name": "String", "synthetic": "Boolean"},
            # a natural village spans hundreds of metres, a compound tens: shown a zoom earlier
            minzoom=11,
            depends_on=("natural_villages",),
            max_age=300,
            by_code=False,
        ),
        TileLayer(
            "barrier_lines",
            "Roads, waterways and railways",
            "barrier_lines",
            "line",
            {"kind": "String", "class": "String", "name": "String", "source_id": "String"},
            minzoom=10,
            depends_on=tuple(BARRIER_LAYERS),
            max_age=300,
            by_code=False,
        ),
        TileLayer(
            "incidents",
            "Incidents (no personal data)",
            "incidents",
            "point",
            {
                "ref": "String",
                "category_code": "String",
                "priority": "String",
                "status": "String",
                "overdue": "Boolean",
                "reported_at": "String",
                "basic_code": "String",
            },
            minzoom=12,
            depends_on=("incidents", "plans"),
            by_code=False,
        ),
        TileLayer(
            "incident_density",
            "Incidents counted in cells of 1/64 of a tile (heat map at district zoom)",
            "incident_density",
            "point",
            {"count": "Number"},
            minzoom=6,
            depends_on=("incidents",),
            by_code=False,
            maxzoom=11,
        ),
        *(
            TileLayer(
                f"{level}_grids",
                f"{level.capitalize()} grids of the published plan",
                "grids",
                "polygon",
                {**_GRID_FIELDS, **(_GRID_EXTRA if level in ("basic", "micro") else {})},
                minzoom=_GRID_MINZOOM[level],
                depends_on=("plans", "incidents"),
                level=level,
            )
            for level in GRID_LEVELS
        ),
    )
}

_PLAN_LAYER = re.compile(r"plan-(\d{1,9})-(large|medium|basic|micro)_grids")
_UNITS_LAYER = re.compile(r"plan-(\d{1,9})-units")

UNITS = TileLayer(
    "plan-units",
    "Units (building cells) of a plan",
    "units",
    "polygon",
    {
        "unit_id": "Number",
        "micro_code": "String",
        "households": "Number",
        "buildings": "Number",
        "cx": "Number",
        "cy": "Number",
    },
    minzoom=14,
    depends_on=(),
)
"""A plan's units for the editor (bound to a plan by :func:`tile_layer`; versions ``plan:<id>``,
which every edit, undo and redo bumps). ``cx``/``cy``: the unit's centroid (lon/lat), what the
lasso tests, the same in every tile the unit is cut into."""


def tile_layer(collection_id: str) -> TileLayer:
    """The tiled collection of an id (a plan's grids bound to that plan), or NotFound."""
    if collection_id in STATIC_LAYERS:
        return STATIC_LAYERS[collection_id]
    units = _UNITS_LAYER.fullmatch(collection_id)
    if units is not None:
        title = f"Units (building cells) of plan {units[1]}"
        return replace(UNITS, id=collection_id, title=title).for_plan(int(units[1]))
    match = _PLAN_LAYER.fullmatch(collection_id)
    if match is None:
        raise NotFound(
            f"collection {collection_id!r} has no tiles; tiled collections are "
            f"{', '.join(STATIC_LAYERS)}, plan-<id>-<level>_grids and plan-<id>-units"
        )
    plan_id, level = int(match[1]), match[2]
    base = STATIC_LAYERS[f"{level}_grids"]
    title = f"{level.capitalize()} grids of plan {plan_id}"
    return replace(base, id=collection_id, title=title).for_plan(plan_id)
