"""Probe: the cost of the editor's rules on a Laoshan-sized draft, in CPU seconds.

What issue 10's rules added to each request: the band check of ``GET /plans/{id}/draft`` (now
with exemptions beside the headline) and the lock check of an edit (now every grid the computed
edit changes). The draft is built from arrays (no geometry: neither check reads polygons):
80,000 units in 8,000 micro grids of 500 basic grids of 50 communities, 1-40 households and one
building per unit (Laoshan: 65,078 buildings, about 500 basic grids). Runs on whichever geogrid
the interpreter imports, so the same file measures main (its own venv) and this branch:

    .venv/bin/python benchmarks/bench_editor_rules.py --out benchmarks/results/editor_rules.json
    /work/main/.venv/bin/python benchmarks/bench_editor_rules.py --out .../editor_rules_main.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from geogrid.plans import checks, editing
from geogrid.plans.draft import Draft, GridRecord

UNITS, MICRO, BASIC, COMMUNITIES = 80_000, 8_000, 500, 50


def laoshan_sized_draft(seed: int = 1) -> Draft:
    """Units spread evenly over micro grids, micro over basic, basic over communities."""
    rng = np.random.default_rng(seed)
    basic = [f"370212001{c:03d}{b:03d}" for c in range(COMMUNITIES) for b in range(BASIC // 50)]
    micro = [f"{basic[m % BASIC]}{m // BASIC + 1:03d}" for m in range(MICRO)]
    grids = {b: GridRecord(b, "basic", b[:12]) for b in basic}
    grids |= {m: GridRecord(m, "micro", m[:15]) for m in micro}
    of_unit = np.asarray([micro[u % MICRO] for u in range(UNITS)], dtype=object)
    return Draft(
        plan_id=1,
        version=0,
        crs=None,
        unit_ids=np.arange(UNITS, dtype=np.int64),
        community=np.asarray([m[:12] for m in of_unit], dtype=object),
        group=np.arange(UNITS, dtype=np.int64),
        households=rng.integers(1, 41, UNITS).astype(np.int64),
        buildings=np.ones(UNITS, dtype=np.int64),
        incidents=np.zeros(UNITS, dtype=np.int64),
        geoms=np.full(UNITS, shapely.Point(0, 0), dtype=object),
        micro=of_unit,
        grids=grids,
        area_types={},
        building_units={},
    )


def band_check(draft: Draft) -> Callable[[], Any]:
    """This branch's band check, or main's out-of-band count where it has none."""
    if hasattr(checks, "band_of_draft"):
        return lambda: checks.band_of_draft(draft)
    from geogrid.api.routes.plan_drafts import _out_of_band

    return lambda: _out_of_band(draft)


def merge_delta(draft: Draft) -> Any:
    """The biggest edit a planner makes in one go: ten basic grids of a community merged."""
    basic = sorted(c for c, g in draft.grids.items() if g.level == "basic")
    return editing.merge(draft, grids=basic[:10])


def cpu(call: Callable[[], Any], repeat: int) -> dict[str, float]:
    """CPU seconds per call (process_time), median and best of ``repeat``."""
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        call()
        times.append(time.process_time() - t0)
    return {
        "median_ms": round(1000 * float(np.median(times)), 3),
        "best_ms": round(1000 * min(times), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    draft = laoshan_sized_draft()
    delta = merge_delta(draft)
    result = {
        "geogrid": str(Path(checks.__file__).resolve().parents[2]),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cpu",
        "load_before": os.getloadavg(),
        "draft": {"units": UNITS, "micro": MICRO, "basic": BASIC},
        "band_check": cpu(band_check(draft), args.repeat),
        "lock_check_merge_of_10": cpu(lambda: checks.refuse_locked(draft, delta), args.repeat),
        "merge_delta_moves_changed": [len(delta.moves), len(delta.changed)],
        "load_after": os.getloadavg(),
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
