"""Bulk intake of incidents (all or nothing) and their attribution to the grids of a plan.

Records are validated and attributed in memory (vectorised), then loaded into a staging table
(PostGIS: ``COPY``; SpatiaLite: ``executemany``) and moved into ``incidents`` and
``incident_grids`` with one ``INSERT ... SELECT`` each, inside the caller's transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import Connection, delete, insert, select, text

from geogrid.errors import CRSError, InputError, NotFound
from geogrid.incidents.attribution import FAR_OUTSIDE_M, Attribution, attribute
from geogrid.incidents.columns import IncidentMapping
from geogrid.incidents.deadlines import CHINESE_WEEK, WorkCalendar
from geogrid.incidents.intake import IntakeBatch, normalise
from geogrid.incidents.taxonomy import Taxonomy
from geogrid.store import incident_tables as it
from geogrid.store import tables as t
from geogrid.store._bind import driver_cursor, store_kind
from geogrid.store._incident_copy import LoadTarget, Progress, load, load_attribution
from geogrid.store._unlocated import refuse_stored_unlocated, write_unlocated
from geogrid.store.incident_feed import record_place_event
from geogrid.store.plans import publish_plan, published_plan_id, read_plan
from geogrid.store.versions import INCIDENTS, bump_data_version

_IMPORTS = t.table_of(it.IncidentImport)
_GRIDS = t.table_of(it.IncidentGrid)
PlanGrids = tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame | None]
"""The basic and the micro grids of a plan (None where there are none)."""


@dataclass
class ImportSummary:
    """What a bulk import did."""

    import_id: int | None
    count: int
    plan_id: int | None
    attributed: int = 0
    outside_grids: int = 0
    unlocated: int = 0
    """Records with an address but no coordinates, kept for a dispatcher to place."""
    flags: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step of the load


def plan_grids(conn: Connection, plan_id: int | None) -> PlanGrids:
    """The basic and micro grids of a plan (None without a plan)."""
    if plan_id is None:
        return None, None
    basic = read_plan(conn, plan_id, "basic")
    micro = read_plan(conn, plan_id, "micro")
    return basic, (micro if len(micro) else None)


def prepare_records(
    conn: Connection,
    frame: pd.DataFrame,
    *,
    source_crs: str = "EPSG:4326",
    plan_id: int | None = None,
    taxonomy: Taxonomy | None = None,
    calendar: WorkCalendar | None = CHINESE_WEEK,
    source: str = "import",
    far_m: float = FAR_OUTSIDE_M,
    grids: PlanGrids | None = None,
    mapping: IncidentMapping | None = None,
) -> tuple[IntakeBatch, Attribution]:
    """Normalise and attribute records; problems (incl. far outside the district) are listed."""
    batch = normalise(
        frame,
        source_crs=source_crs,
        taxonomy=taxonomy,
        calendar=calendar,
        source=source,
        mapping=mapping,
    )
    records = batch.records
    basic, micro = grids if grids is not None else plan_grids(conn, plan_id)
    lon, lat = records["lon"].to_numpy(), records["lat"].to_numpy()
    located = np.isfinite(lon) & np.isfinite(lat)
    att = attribute(
        np.where(located, lon, 0.0),
        np.where(located, lat, 0.0),
        basic,
        micro,
        declared=records["location_crs"].to_numpy(),
    )
    far = located & (att.outside_m > far_m)
    message = pd.Series(
        [
            f"location ({x:.5f}, {y:.5f}) lies {d / 1000:.1f} km outside the district"
            for x, y, d in zip(lon[far], lat[far], att.outside_m[far], strict=True)
        ],
        index=np.flatnonzero(far),
        dtype=object,
    ).reindex(range(len(records)))
    batch.add(far, records["ref"], "location", message)
    records["flags"] = np.where(located, att.flags, records["flags"])
    att.basic[~located] = None
    att.flags[~located] = ""
    records["basic_code"], records["micro_code"] = att.basic, att.micro
    return batch, att


def import_incidents(
    conn: Connection,
    frame: pd.DataFrame,
    *,
    source_file: str,
    fmt: str = "records",
    source_crs: str = "EPSG:4326",
    plan_id: int | None = None,
    actor: str = "import",
    taxonomy: Taxonomy | None = None,
    calendar: WorkCalendar | None = CHINESE_WEEK,
    synthetic: bool = False,
    progress: Progress | None = None,
    mapping: IncidentMapping | None = None,
) -> ImportSummary:
    """Validate, attribute and store a batch of incidents: every record or none.

    ``plan_id`` defaults to the published plan. Raises ValidationFailed listing the bad records
    (record id and field) and leaves the store untouched.
    """
    started = time.perf_counter()
    plan_id = plan_id if plan_id is not None else published_plan_id(conn)
    try:
        batch, att = prepare_records(
            conn,
            frame,
            source_crs=source_crs,
            plan_id=plan_id,
            taxonomy=taxonomy,
            calendar=calendar,
            source=fmt,
            mapping=mapping,
        )
    except InputError as exc:  # a fault of the whole file (no id column, say): name the file
        if exc.file is not None or type(exc) not in (InputError, CRSError):
            raise
        raise type(exc)(
            exc.message, file=source_file, feature=exc.feature, field=exc.field
        ) from exc
    batch.raise_errors(file=source_file)
    records = batch.records
    unlocated = records["unlocated"].to_numpy(dtype=bool)
    refuse_stored_unlocated(conn, records)
    if synthetic:
        records["synthetic"] = True
    import_id = conn.execute(
        insert(_IMPORTS).returning(_IMPORTS.c.id),
        {
            "source_file": source_file,
            "format": fmt,
            "source_crs": source_crs,
            "record_count": len(records),
            "actor": actor,
            "imported_at": t.utcnow(),
            "synthetic": synthetic,
        },
    ).scalar_one()
    steps = write_records(
        conn,
        records[~unlocated].reset_index(drop=True),
        LoadTarget(plan_id=plan_id, import_id=int(import_id)),
        progress=progress,
    )
    write_unlocated(conn, records[unlocated], import_id=int(import_id))
    lost = _outside(att) - int(unlocated.sum())
    flags = pd.Series(",".join(records["flags"][records["flags"] != ""]).split(",")).value_counts()
    return ImportSummary(
        import_id=int(import_id),
        count=len(records),
        plan_id=plan_id,
        attributed=len(records) - int(unlocated.sum()) - lost,
        outside_grids=lost if plan_id is not None else 0,
        unlocated=int(unlocated.sum()),
        flags={str(k): int(v) for k, v in flags.items() if k},
        seconds=time.perf_counter() - started,
        steps=steps,
    )


def write_records(
    conn: Connection,
    records: pd.DataFrame,
    target: LoadTarget,
    *,
    progress: Progress | None = None,
) -> dict[str, float]:
    """Load normalised records inside the caller's transaction; a stored id fails the lot.

    Returns the seconds each step of the load took.
    """
    with driver_cursor(conn) as cursor:
        steps = load(cursor, store_kind(conn), records, target, progress=progress)
    bump_data_version(conn, INCIDENTS)
    return steps


def attribute_incidents(conn: Connection, plan_id: int) -> ImportSummary:
    """(Re-)attribute every stored incident to the grids of ``plan_id``.

    Rows of other plans are left as they are, so statistics under an old plan stay available.
    """
    started = time.perf_counter()
    kind = store_kind(conn)
    x, y = ("ST_X(geom)", "ST_Y(geom)") if kind == "postgis" else ("X(geom)", "Y(geom)")
    rows = conn.execute(text(f"SELECT id, {x}, {y} FROM incidents")).all()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    lon = np.array([r[1] for r in rows], dtype=float)
    lat = np.array([r[2] for r in rows], dtype=float)
    att = attribute(lon, lat, *plan_grids(conn, plan_id))
    conn.execute(delete(_GRIDS).where(_GRIDS.c.plan_id == plan_id))
    attribution = pd.DataFrame(
        {"incident_id": ids, "basic_code": att.basic, "micro_code": att.micro}
    )
    with driver_cursor(conn) as cursor:
        load_attribution(cursor, kind, attribution, plan_id=plan_id)
    bump_data_version(conn, INCIDENTS)
    lost = _outside(att)
    return ImportSummary(
        import_id=None,
        count=len(ids),
        plan_id=plan_id,
        attributed=len(ids) - lost,
        outside_grids=lost,
        seconds=time.perf_counter() - started,
    )


def _outside(att: Attribution) -> int:
    """How many points lie outside every basic grid."""
    return int(np.sum(att.basic == None))  # noqa: E711 - elementwise on an object array


def publish_and_reattribute(conn: Connection, plan_id: int) -> ImportSummary:
    """Publish a draft plan and attribute every incident to its grids, in one transaction."""
    publish_plan(conn, plan_id)
    return attribute_incidents(conn, plan_id)


def attributed_plans(
    conn: Connection, incident_id: int
) -> dict[int, tuple[str | None, str | None]]:
    """Plan id -> (basic code, micro code) of one incident, under every plan it was attributed to."""
    rows = conn.execute(select(_GRIDS).where(_GRIDS.c.incident_id == incident_id)).all()
    return {int(r.plan_id): (r.basic_code, r.micro_code) for r in rows}


def place_unlocated(
    conn: Connection,
    ref: str,
    lon: float,
    lat: float,
    *,
    plan_id: int | None = None,
    actor: str = "place",
) -> ImportSummary:
    """Give a kept address-only record its WGS 84 location: it becomes a stored incident,
    attributed to the grids of ``plan_id`` (default: the published plan), in one transaction,
    with a ``place`` event on the live feed (``actor`` is who placed it).

    Raises NotFound when no unlocated record has this id; InputError for coordinates that are
    not lon/lat.
    """
    table = t.table_of(it.UnlocatedIncident)
    row = conn.execute(select(table).where(table.c.ref == ref)).first()
    if row is None:
        raise NotFound(f"no unlocated incident {ref}")
    if not (np.isfinite(lon) and np.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90):
        raise InputError(f"({lon}, {lat}) is not a WGS 84 lon/lat", feature=ref, field="location")
    records = pd.DataFrame([row.record]).assign(lon=float(lon), lat=float(lat), unlocated=False)
    plan_id = plan_id if plan_id is not None else published_plan_id(conn)
    att = attribute(np.array([float(lon)]), np.array([float(lat)]), *plan_grids(conn, plan_id))
    records["flags"] = att.flags
    records["basic_code"], records["micro_code"] = att.basic, att.micro
    write_records(conn, records, LoadTarget(plan_id=plan_id, import_id=row.import_id))
    conn.execute(delete(table).where(table.c.ref == ref))
    record_place_event(conn, ref, actor=actor)
    lost = _outside(att) if plan_id is not None else 0
    return ImportSummary(row.import_id, 1, plan_id, 1 - _outside(att), lost)
