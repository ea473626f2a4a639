"""One draft change written in one go: the version claimed (compare-and-set), the units' new
micro grids, the touched grids replaced, the edit logged and the plan's data version bumped.

On PostGIS this is a single statement (data-modifying CTEs, each guarded by the claim), so an
edit costs one round trip to the server instead of seven; the plan's data-version row is then
written inside the statement rather than in the commit (it stays locked until the commit, a
few milliseconds; edits of one draft are serialised by the claim anyway). On SpatiaLite, which
runs in the process, the same steps are separate statements in the caller's transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, text

from geogrid.store import drafts as sd
from geogrid.store import tables as t
from geogrid.store._bind import store_kind
from geogrid.store.versions import bump_data_version, plan_layer

GRID_FIELDS = ("level", "code", "parent_code", "name", "households", "buildings", "area_m2")


@dataclass(frozen=True)
class DraftChange:
    """What one accepted change writes. ``unit_codes``: unit id -> its micro code after the
    change; ``drop``: grid codes that no longer exist; ``grids``: rows of the touched grids
    (``GRID_FIELDS`` and a shapely ``geom`` in EPSG:4326); ``log``: the edit log row."""

    expected: int
    locked: list[str]
    unit_codes: dict[int, str]
    drop: set[str]
    grids: list[dict[str, Any]]
    log: dict[str, Any]


def save_change(conn: Connection, plan_id: int, change: DraftChange) -> bool:
    """Write ``change`` inside the caller's transaction; False (nothing written) when the draft
    is no longer at version ``change.expected`` or no longer a draft."""
    if store_kind(conn) == "postgis":
        return _save_postgis(conn, plan_id, change)
    if not sd.claim_version(conn, plan_id, change.expected, change.locked):
        return False
    sd.move_units(conn, plan_id, change.unit_codes)
    sd.replace_grids(conn, plan_id, change.drop, change.grids)
    sd.append_edit(conn, plan_id, version=change.expected + 1, **change.log)
    bump_data_version(conn, plan_layer(plan_id))
    return True


_POSTGIS = f"""
WITH claim AS (
  UPDATE plan_drafts SET version = :next, locked = CAST(:locked AS json), updated_at = :now
  WHERE plan_id = :plan AND version = :expected
    AND EXISTS (SELECT 1 FROM grid_plans WHERE id = :plan AND status = 'draft')
  RETURNING plan_id
), moved AS (
  UPDATE plan_units u SET micro_code = m.code
  FROM claim, unnest(CAST(:unit_ids AS integer[]), CAST(:unit_codes AS text[])) AS m(uid, code)
  WHERE u.plan_id = claim.plan_id AND u.unit_id = m.uid
  RETURNING 1
), dropped AS (
  DELETE FROM grids g USING claim
  WHERE g.plan_id = claim.plan_id AND g.code = ANY(CAST(:drop AS text[]))
  RETURNING 1
), upserted AS (
  INSERT INTO grids (plan_id, {", ".join(GRID_FIELDS)}, geom)
  SELECT claim.plan_id, x.level, x.code, x.parent_code, x.name, x.households, x.buildings,
    x.area_m2, ST_GeomFromWKB(x.wkb, {t.SRID})
  FROM claim, unnest(CAST(:levels AS text[]), CAST(:codes AS text[]),
    CAST(:parents AS text[]), CAST(:names AS text[]), CAST(:households AS integer[]),
    CAST(:buildings AS integer[]), CAST(:areas AS float8[]), CAST(:wkbs AS bytea[]))
    AS x(level, code, parent_code, name, households, buildings, area_m2, wkb)
  ON CONFLICT (plan_id, code) DO UPDATE SET level = EXCLUDED.level,
    parent_code = EXCLUDED.parent_code, name = EXCLUDED.name,
    households = EXCLUDED.households, buildings = EXCLUDED.buildings,
    area_m2 = EXCLUDED.area_m2, geom = EXCLUDED.geom
  RETURNING 1
), logged AS (
  INSERT INTO plan_edits (plan_id, version, kind, target, op, delta, touched, flags, actor, at)
  SELECT claim.plan_id, :next, :kind, :target, CAST(:op AS json), CAST(:delta AS json),
    CAST(:touched AS json), CAST(:flags AS json), :actor, :now
  FROM claim
  RETURNING 1
), bumped AS (
  INSERT INTO data_versions (layer, version, updated_at)
  SELECT :layer, 1, :now FROM claim
  ON CONFLICT (layer) DO UPDATE SET version = data_versions.version + 1,
    updated_at = EXCLUDED.updated_at
  RETURNING 1
)
SELECT count(*) FROM claim
"""


def _save_postgis(conn: Connection, plan_id: int, change: DraftChange) -> bool:
    grids = change.grids
    keep = {g["code"] for g in grids}
    wkbs = shapely.to_wkb(np.asarray([g["geom"] for g in grids], dtype=object), output_dimension=2)
    log = change.log
    params: dict[str, Any] = {
        "plan": plan_id,
        "expected": change.expected,
        "next": change.expected + 1,
        "locked": json.dumps(change.locked),
        "now": t.utcnow(),
        "unit_ids": list(change.unit_codes),
        "unit_codes": list(change.unit_codes.values()),
        "drop": sorted(change.drop - keep),
        "wkbs": [bytes(w) for w in wkbs] if len(grids) else [],
        "kind": log["kind"],
        "target": log["target"],
        "actor": log["actor"],
        "layer": plan_layer(plan_id),
    }
    params |= {k: json.dumps(log[k]) for k in ("op", "delta", "touched", "flags")}
    columns = {"levels": "level", "codes": "code", "parents": "parent_code", "names": "name"}
    columns |= {"households": "households", "buildings": "buildings", "areas": "area_m2"}
    params |= {name: [g[field] for g in grids] for name, field in columns.items()}
    return int(conn.execute(text(_POSTGIS), params).scalar_one()) == 1
