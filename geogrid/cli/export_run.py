"""What ``geogrid export`` writes, on the HTTP export's code path.

A collection (``--collection``, as ``GET /collections/{id}/export``), a plan's grid levels
(``--plan``) and stored layers (``--layer``, or all of them) are each a ``Collection``: the same
filters (``build_query``), export source and streamed writers as the HTTP export, several of
them as layers of one GeoPackage. The file is written under a temporary name beside ``--out``
and renamed at the end, so a failed export leaves the old file as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine

from geogrid.errors import InputError, NotFound
from geogrid.io.export_files import save_export
from geogrid.io.stream_export import check_crs_fits
from geogrid.ogc_crs import ExportCRS
from geogrid.schema import GRID_LEVELS, LAYERS
from geogrid.settings import Settings
from geogrid.store import Store
from geogrid.store.feature_catalog import Collection, catalog, collection, layer_collection
from geogrid.store.feature_export import export_source
from geogrid.store.feature_filters import Filters, build_query
from geogrid.store.feature_query import FeatureQuery, Scope, count_features
from geogrid.store.plans import plan_info

Bind = Engine | Connection


@dataclass(frozen=True)
class Pick:
    """One layer of the export: the collection it reads and its name in the file."""

    coll: Collection
    name: str


def collection_picks(bind: Bind, cid: str) -> list[Pick]:
    """An OGC collection by id, named as over HTTP."""
    coll = collection(bind, cid)
    return [Pick(coll, coll.id)]


def plan_picks(bind: Bind, plan: int, level: str | None, fmt: str) -> list[Pick]:
    """The grids of a plan, one layer ``plan{id}_{level}`` per level (levels nest, so one
    layer would count every household twice). NotFound / InputError as the checks say."""
    if level is not None and level not in GRID_LEVELS:
        raise InputError(f"unknown grid level {level!r}; expected one of {', '.join(GRID_LEVELS)}")
    plan_info(bind, plan)
    offered = catalog(bind)
    levels = [lv for lv in GRID_LEVELS if f"plan-{plan}-{lv}_grids" in offered]
    levels = [lv for lv in levels if level in (None, lv)]
    if not levels:
        raise NotFound(f"plan {plan} has no {level or ''} grids".replace("  ", " "))
    if len(levels) > 1 and fmt != "gpkg":
        raise InputError(
            f"plan {plan} has {', '.join(levels)} grids and {fmt} holds one layer; pass "
            "--level, or use --format gpkg for one layer per level"
        )
    return [Pick(offered[f"plan-{plan}-{lv}_grids"], f"plan{plan}_{lv}") for lv in levels]


def layer_picks(bind: Bind, layer: str | None, fmt: str) -> list[Pick]:
    """The stored layer asked for, or every layer that has features (GeoPackage only), with
    the schema's field names."""
    if layer is None and fmt != "gpkg":
        raise InputError(
            f"{fmt} holds one layer: pass --layer ({', '.join(LAYERS)}) or use --format gpkg"
        )
    if layer is not None and layer not in LAYERS:
        raise InputError(f"unknown layer kind {layer!r}; expected one of {', '.join(LAYERS)}")
    names = [layer] if layer is not None else list(LAYERS)
    colls = [layer_collection(name) for name in names]
    found = [Pick(c, c.id) for c in colls if count_features(bind, c, Scope(), FeatureQuery())]
    if not found:
        raise NotFound(f"the store has no {layer or 'layers'} yet; import them first")
    return found


def export_picks(
    store: Store,
    settings: Settings,
    picks: list[Pick],
    *,
    out: Path,
    fmt: str,
    crs: ExportCRS | str | None,
    given: Filters,
    jurisdiction: str = "",
) -> dict[str, int]:
    """Write every matching feature of ``picks`` to ``out`` in ``crs`` (an EPSG code, an OGC
    URI, gcj02 / bd09; CRS84 if None); returns the features written per layer name."""
    scope = Scope(prefix=jurisdiction, personal=True)
    for pick in picks:
        if pick.coll.code_property is None and jurisdiction:
            raise InputError(
                f"{pick.coll.id} has no codes to cut by --jurisdiction; export it whole",
                field="jurisdiction",
            )
    target = check_crs_fits(fmt, crs)
    limit = settings.api.max_bbox_area_deg2
    queries = [build_query(p.coll, scope, given, max_bbox_area_deg2=limit) for p in picks]
    filter_text = " ".join(f"{k}={v}" for k, v in vars(given).items() if v is not None)
    with store.engine.connect() as conn:
        sources = [
            export_source(conn, p.coll, scope, q, crs=target, filter_text=filter_text, name=p.name)
            for p, q in zip(picks, queries, strict=True)
        ]
        return save_export(sources, out, fmt)
