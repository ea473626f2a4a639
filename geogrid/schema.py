"""The layer kinds geogrid reads and writes, with their fields.

These names are the interchange format: `geogrid synth` writes them, `geogrid import` reads them
without a field mapping, `geogrid export` writes them back out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

AreaType = Literal["urban_community", "village", "general_rural", "mountainous"]
AREA_TYPES: Final[tuple[str, ...]] = ("urban_community", "village", "general_rural", "mountainous")
HOUSEHOLD_SOURCES: Final[tuple[str, ...]] = ("given", "estimated")
BARRIER_KINDS: Final[tuple[str, ...]] = ("road", "waterway", "railway")
ROAD_CLASSES: Final[tuple[str, ...]] = ("motorway", "arterial", "secondary", "local", "path")
GRID_LEVELS: Final[tuple[str, ...]] = ("large", "medium", "basic", "micro")
PLAN_STATUSES: Final[tuple[str, ...]] = ("draft", "published", "archived")


@dataclass(frozen=True)
class LayerSpec:
    """A layer kind: its name, geometry family, required and optional fields."""

    name: str
    geometry: Literal["polygon", "line", "point"]
    id_field: str
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = field(default_factory=tuple)
    transient: tuple[str, ...] = ()
    """Fields read on the way in and used there, not stored (a building's floor area, read to
    estimate its households)."""

    @property
    def fields(self) -> tuple[str, ...]:
        """Every field a file's column may be read as."""
        return (*self.stored_fields, *self.transient)

    @property
    def stored_fields(self) -> tuple[str, ...]:
        """The fields the store keeps (a column each), written back by export."""
        return (self.id_field, *self.required, *self.optional)


DISTRICTS = LayerSpec("districts", "polygon", "code", ("name",), ("synthetic",))
STREETS = LayerSpec("streets", "polygon", "code", ("name",), ("district_code", "synthetic"))
COMMUNITIES = LayerSpec(
    "communities",
    "polygon",
    "code",
    ("name",),
    ("street_code", "area_type", "households", "synthetic"),
)
BUILDINGS = LayerSpec(
    "buildings",
    "polygon",
    "building_id",
    (),
    ("levels", "households", "households_source", "compound_id", "use", "synthetic"),
    # gross floor area (建筑面积, m²) or a parcel's floor area ratio (容积率): the floor that
    # holds households, when a delivery gives it instead of levels
    transient=("floor_area", "floor_area_ratio"),
)
ROADS = LayerSpec("roads", "line", "road_id", (), ("road_class", "name", "synthetic"))
WATERWAYS = LayerSpec(
    "waterways", "line", "waterway_id", (), ("waterway_class", "name", "synthetic")
)
RAILWAYS = LayerSpec("railways", "line", "railway_id", (), ("name", "synthetic"))
COMPOUNDS = LayerSpec("compounds", "polygon", "compound_id", (), ("name", "synthetic"))
# Natural villages (自然村): the settlements of a village, rural or mountain parent that the
# partition keeps in one grid where they fit ("about 300 households or one natural village").
NATURAL_VILLAGES = LayerSpec("natural_villages", "polygon", "village_id", (), ("name", "synthetic"))

LAYERS: Final[dict[str, LayerSpec]] = {
    spec.name: spec
    for spec in (
        DISTRICTS,
        STREETS,
        COMMUNITIES,
        BUILDINGS,
        ROADS,
        WATERWAYS,
        RAILWAYS,
        COMPOUNDS,
        NATURAL_VILLAGES,
    )
}
BARRIER_LAYERS: Final[dict[str, str]] = {
    "roads": "road",
    "waterways": "waterway",
    "railways": "railway",
}


def layer_spec(name: str) -> LayerSpec:
    """The spec of a layer kind, or a clear error listing the kinds there are."""
    from geogrid.errors import InputError

    try:
        return LAYERS[name]
    except KeyError:
        raise InputError(
            f"unknown layer kind {name!r}; expected one of {', '.join(LAYERS)}"
        ) from None
