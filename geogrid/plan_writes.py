"""Draft writes: edit, undo, redo (version compare-and-set, one transaction each), publish, copy
and archive. Wires :mod:`geogrid.plan_drafts` sessions to the store."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from sqlalchemy import Connection, update

from geogrid.crs import STORAGE_CRS
from geogrid.errors import Conflict, EditRefused, Forbidden, InputError, StaleVersion
from geogrid.grid_bands import band_summary, grid_bands
from geogrid.partition_jobs import stored_plan
from geogrid.plan_drafts import (
    DraftSessions,
    OnWrite,
    Session,
    build_delta,
    largest_buildings,
    require_draft,
)
from geogrid.plans import checks
from geogrid.plans.draft import Delta, Draft
from geogrid.store import Store, plan_info, read_plan, save_plan
from geogrid.store import drafts as sd
from geogrid.store import tables as t
from geogrid.store.draft_writes import DraftChange, save_change
from geogrid.store.incident_bulk import publish_and_reattribute
from geogrid.store.versions import PLANS, bump_data_versions, plan_layer

Allowed = Callable[[str], bool]
_PLANS = t.table_of(t.GridPlan)


def etag(plan_id: int, version: int) -> str:
    """The draft's entity tag: plan id and version."""
    return f'"{plan_id}.{version}"'


def parse_if_match(value: str | None, plan_id: int) -> int | None:
    """The version an If-Match header names (``"7.12"`` or ``12``), None when absent."""
    if value is None:
        return None
    tag = value.strip().removeprefix("W/").strip('"')
    plan, _, version = tag.rpartition(".")
    if (plan and plan != str(plan_id)) or not (version.isascii() and version.isdigit()):
        raise StaleVersion(
            f"If-Match {value} does not name a version of draft {plan_id}", current=-1, changes=[]
        )
    return int(version)


def _check_version(store: Store, session: Session, expected: int | None) -> None:
    draft = session.draft
    if expected is None:
        raise StaleVersion(
            f"send If-Match: {etag(draft.plan_id, draft.version)} (the version you edit)",
            current=draft.version,
            changes=[],
        )
    if expected != draft.version:
        raise _stale(store, draft, expected)


def _stale(store: Store, draft: Draft, expected: int) -> StaleVersion:
    """409 naming the stored version and every change since ``expected``."""
    stored = sd.draft_row(store.engine, draft.plan_id)
    current = max(draft.version, 0 if stored is None else int(stored["version"]))
    changes = [
        {k: e[k] for k in ("version", "kind", "target", "op", "touched", "actor")}
        | {"at": e["at"].isoformat()}
        for e in sd.edits(store.engine, draft.plan_id, after=min(expected, current))
    ]
    return StaleVersion(
        f"draft {draft.plan_id} is at version {current}, not {expected}; "
        f"{len(changes)} change(s) since: reload and redo the edit",
        current=current,
        changes=changes,
    )


def change(
    sessions: DraftSessions,
    plan_id: int,
    kind: str,
    op: dict[str, Any] | None = None,
    *,
    if_match: int | None,
    actor: str,
    allowed: Allowed,
    on_write: OnWrite,
) -> dict[str, Any]:
    """One change of a draft: an ``edit`` (``op`` names it), or ``undo`` the newest edit not
    undone, or ``redo`` the newest undone one. The touched grids are validated, the change is
    stored (compare-and-set on the version) and their new statistics are returned."""
    with sessions.session(plan_id, expect=if_match) as session:
        _check_version(sessions.store, session, if_match)
        try:
            return _change(sessions.store, session, kind, op, actor, allowed, on_write)
        except (InputError, EditRefused, Forbidden, Conflict) as exc:
            if isinstance(exc, StaleVersion) or not _is_draft(sessions.store, plan_id):
                raise
            # the session was not checked against the store first: a refusal on a version the
            # store has moved past is a stale edit (409), whatever the old state said
            stored = sd.draft_row(sessions.store.engine, plan_id)
            if stored is not None and int(stored["version"]) != session.draft.version:
                raise _stale(sessions.store, session.draft, session.draft.version) from None
            raise


def _is_draft(store: Store, plan_id: int) -> bool:
    return bool(plan_info(store.engine, plan_id)["status"] == "draft")


def _change(
    store: Store,
    session: Session,
    kind: str,
    op: dict[str, Any] | None,
    actor: str,
    allowed: Allowed,
    on_write: OnWrite,
) -> dict[str, Any]:
    target: int | None = None
    if kind == "edit":
        delta = build_delta(session.draft, op or {})
        if delta.is_empty():
            return _unchanged(session.draft, op or {}, allowed)
    else:
        stack = session.undo if kind == "undo" else session.redo
        if not stack:
            raise Conflict(f"there is nothing to {kind} in draft {session.draft.plan_id}")
        target = stack[-1]
        delta = session.deltas[target]
        delta = delta.inverse() if kind == "undo" else delta
        op = {"op": kind, "target": target}
    checks.refuse_locked(session.draft, delta, edit=str((op or {}).get("op", kind)))
    kept = _locked_left_out(session.draft, op or {})
    result = _commit(store, session, delta, op or {}, kind, target, actor, allowed, on_write)
    result["flags"] += [f"{code}: locked, left as it is" for code in kept]
    return result


def _locked_left_out(draft: Draft, op: dict[str, Any]) -> list[str]:
    """Locked grids of a rebalance's selection (the rebalance leaves them out)."""
    if op.get("op") != "rebalance":
        return []
    return sorted(c for c in op.get("grids") or [] if c in draft.grids and draft.grids[c].locked)


def _unchanged(draft: Draft, op: dict[str, Any], allowed: Allowed) -> dict[str, Any]:
    """The answer to an edit that changes nothing (units moved to the grid they are in, a lock
    of a locked grid): the same version, nothing written, no undo step. An empty delta in the
    log would make the next Undo undo nothing visible."""
    named = [op.get("to"), op.get("grid"), *(op.get("grids") or [])]
    _refuse_outside((c for c in named if c in draft.grids), allowed)
    return {
        "plan_id": draft.plan_id,
        "version": draft.version,
        "etag": etag(draft.plan_id, draft.version),
        "unchanged": True,
        "grids": [],
        "removed": [],
        "recoded": [],
        "moved_units": 0,
        "flags": [],
    }


def _refuse_outside(codes: Iterable[str], allowed: Allowed) -> None:
    """Forbidden, naming the first of ``codes`` outside the caller's jurisdiction."""
    outside = sorted(c for c in codes if not allowed(c))
    if outside:
        raise Forbidden(f"grid {outside[0]} is outside your jurisdiction")


def _commit(
    store: Store,
    session: Session,
    delta: Delta,
    op: dict[str, Any],
    kind: str,
    target: int | None,
    actor: str,
    allowed: Allowed,
    on_write: OnWrite,
) -> dict[str, Any]:
    draft = session.draft
    before = checks.parts_before(draft, delta)
    _refuse_outside(checks.affected(draft, _codes(delta)), allowed)
    draft.apply(delta)
    try:
        touched = checks.validate(draft, delta, before)
        bands = checks.draft_bands(draft)
        stats = [checks.grid_stats(draft, c, bands=bands) for c in touched]
        flags = [f"{s['code']}: {f}" for s in stats for f in s["flags"]]
        _store(store, draft, delta, touched, op, kind, target, actor, flags, on_write)
    except BaseException:
        draft.apply(delta.inverse())
        raise
    draft.version += 1
    session.follow(
        {"version": draft.version, "kind": kind, "target": target, "delta": delta.to_json()}
    )
    return {
        "plan_id": draft.plan_id,
        "version": draft.version,
        "etag": etag(draft.plan_id, draft.version),
        "grids": stats,
        "removed": sorted(g["code"] for g in delta.removed),
        "recoded": [list(r) for r in delta.recodes],
        "moved_units": len(delta.moves),
        "flags": flags,
        "unchanged": False,
    }


def _codes(delta: Delta) -> set[str]:
    codes = {c for pair in delta.moves.values() for c in pair} | set(delta.changed)
    return codes | {c for pair in delta.recodes for c in pair} | {g["code"] for g in delta.removed}


def _store(
    store: Store,
    draft: Draft,
    delta: Delta,
    touched: list[str],
    op: dict[str, Any],
    kind: str,
    target: int | None,
    actor: str,
    flags: list[str],
    on_write: OnWrite,
) -> None:
    renamed = dict(delta.recodes)
    change = DraftChange(
        expected=draft.version,
        locked=sorted(c for c, g in draft.grids.items() if g.locked),
        unit_codes=_unit_codes(draft, delta),
        drop={g["code"] for g in delta.removed} | set(renamed),
        grids=grid_rows(draft, touched),
        log={
            "kind": kind,
            "target": target,
            "op": op,
            "delta": delta.to_json(),
            "touched": touched,
            "flags": flags,
            "actor": actor,
        },
    )
    with store.transaction() as conn:
        if not save_change(conn, draft.plan_id, change):
            status = plan_info(conn, draft.plan_id)["status"]
            if status != "draft":
                raise Conflict(f"grid plan {draft.plan_id} is {status}, no longer a draft")
            raise _stale(store, draft, draft.version)
        on_write(conn, f"plan.{kind}", plan_layer(draft.plan_id))


def _unit_codes(draft: Draft, delta: Delta) -> dict[int, str]:
    """Unit id -> micro code, as the draft (with ``delta`` applied) has it, of every unit the
    delta moved or whose micro grid it recoded."""
    positions = {draft.position[u] for u in delta.moves}
    for _, new in delta.recodes:
        positions |= draft.members.get(new, set())
    return {int(draft.unit_ids[i]): str(draft.micro[i]) for i in sorted(positions)}


@lru_cache(maxsize=16)
def _transformer(metric_wkt: str) -> Transformer:
    """Metric CRS -> storage CRS, built once per CRS (building one costs milliseconds)."""
    return Transformer.from_crs(metric_wkt, STORAGE_CRS, always_xy=True)


def grid_rows(draft: Draft, codes: list[str]) -> list[dict[str, Any]]:
    """Grid table rows (EPSG:4326 geometry) of the given grids as the draft has them now."""
    tr = _transformer(draft.crs.to_wkt())

    def to_storage(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    rows = []
    for code in codes:
        grid = draft.grids[code]
        units = draft.units_of(code)
        shape = draft.shape(code)
        rows.append(
            {
                "level": grid.level,
                "code": code,
                "parent_code": grid.parent_code,
                "name": grid.name,
                "households": int(draft.households[units].sum()),
                "buildings": int(draft.buildings[units].sum()),
                "area_m2": float(shapely.area(shape)),
                "geom": shapely.transform(shape, to_storage),
            }
        )
    return rows


def band_check(
    store: Store, plan_id: int, area_types: dict[str, str | None]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Basic and micro grids of a plan out of the band of their area type that an edit could
    fix (the exempt ones left out), and the plan's band summary (headline over all grids,
    exemptions counted by reason beside it)."""
    grids = read_plan(store.engine, plan_id)
    largest = largest_buildings(store, plan_id, grids)
    rows = grid_bands(grids, area_types=area_types, locked=set(), largest=largest)
    keep = ("code", "level", "households", "lo", "hi")
    out = [{k: row[k] for k in keep} for row in rows if not row["within"] and not row["exempt"]]
    return out, band_summary(rows)


def publish(
    sessions: DraftSessions,
    plan_id: int,
    *,
    reason: str | None,
    if_match: int | None,
    area_types: dict[str, str | None],
    on_write: OnWrite,
) -> dict[str, Any]:
    """Publish a draft atomically: the published plan is archived, incidents re-attributed.

    Grids out of band that an edit could fix need ``reason`` (stored with the draft and in the
    audit log); exempt grids (a single building over the band) do not. The draft's version is
    bumped in the same transaction, so an edit racing the publish fails instead of landing on it.
    """
    store = sessions.store
    require_draft(store, plan_id)
    stored = sd.draft_row(store.engine, plan_id)
    version = 0 if stored is None else int(stored["version"])
    if if_match is not None and if_match != version:
        raise StaleVersion(
            f"draft {plan_id} is at version {version}, not {if_match}", current=version, changes=[]
        )
    out, band = band_check(store, plan_id, area_types)
    reason = (reason or "").strip() or None
    if out and reason is None:
        raise EditRefused(
            f"{len(out)} grid(s) of draft {plan_id} are out of their household band "
            f"(first {out[0]['code']}: {out[0]['households']} households, band "
            f"{out[0]['lo']}-{out[0]['hi']}); publishing needs a reason",
            check="band",
            grids=[str(g["code"]) for g in out],
        )
    details = {"reason": reason, "out_of_band": len(out), "exempt": band["exempt"]}
    with store.transaction() as conn:
        sd.ensure_draft_row(conn, plan_id)
        locked = [] if stored is None else list(stored["locked"])
        if not sd.claim_version(conn, plan_id, version, locked):
            raise StaleVersion(f"draft {plan_id} changed meanwhile", current=-1, changes=[])
        conn.execute(
            update(sd.DRAFTS).where(sd.DRAFTS.c.plan_id == plan_id).values(publish_reason=reason)
        )
        summary = publish_and_reattribute(conn, plan_id)
        on_write(conn, "plan.publish", plan_layer(plan_id), details)
    sessions.forget(plan_id)
    return {
        "plan_id": plan_id,
        "status": "published",
        "out_of_band": len(out),
        "band": band,
        "reason": reason,
        "incidents_attributed": summary.attributed,
        "incidents_outside": summary.outside_grids,
    }


def copy_plan(store: Store, plan_id: int, *, author: str, note: str, on_write: OnWrite) -> int:
    """A new draft with the grids and units of plan ``plan_id`` (based on it)."""
    info = plan_info(store.engine, plan_id)
    grids = stored_plan(store, plan_id)
    with store.transaction() as conn:
        new = save_plan(
            conn, grids, report=info["report"], author=author, note=note, based_on=plan_id
        )
        sd.copy_units(conn, plan_id, new)
        on_write(conn, "plan.copy", plan_layer(new))
    return new


def archive(store: Store, plan_id: int, *, on_write: OnWrite) -> None:
    """Archive a draft (a published plan is archived by publishing another)."""
    info = plan_info(store.engine, plan_id)
    if info["status"] != "draft":
        raise Conflict(
            f"grid plan {plan_id} is {info['status']}; only a draft can be archived here "
            "(a published plan is archived by publishing its successor)"
        )
    with store.transaction() as conn:
        conn.execute(update(_PLANS).where(_PLANS.c.id == plan_id).values(status="archived"))
        sd.claim_version(conn, plan_id, _version(conn, plan_id), [])
        bump_data_versions(conn, [PLANS, plan_layer(plan_id)])
        on_write(conn, "plan.archive", plan_layer(plan_id))


def _version(conn: Connection, plan_id: int) -> int:
    row = sd.draft_row(conn, plan_id)
    return 0 if row is None else int(row["version"])
