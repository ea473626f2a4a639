"""Benchmark: the planners' editor's edit round trip in a real browser on a Laoshan-scale plan.

Builds (or reads from benchmarks/out) synthetic Laoshan partitioned with seed 1 and its units,
exactly as bench_plans_api does; stores the plan as a draft with its units, runs the real server
(``geogrid serve``) and opens /maps/editor in headless Chromium (Debian's, network cut). Each
timed edit goes through the page's own paint path (what the click, brush and lasso tools call):
the request with If-Match, the server's validation and statistics, the grid table, feature-state
colours, the panel redrawn (the round trip), and, reported beside it, until the next animation
frame (the browser's render: software WebGL here). Moves of 1-50 units between neighbouring
basic grids, each followed by an undo through the page (timed too).
Writes benchmarks/results/editor.json.

    .venv/bin/python benchmarks/bench_editor.py --edits 100 --stores spatialite,postgis
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "benchmarks"), str(REPO / "tests")]
from _server import running_server  # noqa: E402
from _stores import throwaway_store  # noqa: E402
from bench_plans_api import fill, log, move_sets, percentile, prepare  # noqa: E402

from geogrid.roles import Role  # noqa: E402
from geogrid.store import Store, write_layer  # noqa: E402
from geogrid.store.access import create_api_key  # noqa: E402

RESULTS = REPO / "benchmarks" / "results" / "editor.json"
CUT_NETWORK = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"
# One edit through the page: the paint path of the tools, then the frame that shows the panel.
# A planner looks at the result before the next edit: each edit starts with the map idle (the
# previous edit's tiles drawn), so tile loading never overlaps the timed round trip.
ROUND_TRIP_JS = """async ([units, to]) => {
  const e = geogridEditor;
  await new Promise((done) => setTimeout(done, 300));
  await new Promise((done) => {
    if (e.map.loaded()) return done();
    e.map.once('idle', done);
    setTimeout(done, 3000); // a map that stays busy does not stop the run
  });
  const t0 = performance.now();
  const result = units ? await e.paint(units, to) : await e.editor.write('undo', () => e.server.undo());
  await new Promise(requestAnimationFrame);
  const message = document.getElementById('message').textContent;
  return [performance.now() - t0, result ? result.version : null, message, e.editor.lastTiming];
}"""


def _stage(store: Store, data: dict[str, Any], incidents: int) -> tuple[int, str]:
    plan_id, _, took = fill(store, data, incidents)
    city = data["city"]
    with store.transaction() as conn:
        # tiles are cut to the planner's jurisdiction: district 370212's polygon
        write_layer(
            conn, "districts", city["districts"], source_file="synth", source_crs="EPSG:4326"
        )
        key = create_api_key(conn, name="bench-planner", role=Role.planner, jurisdiction="370212")
    log(f"stored layers and the draft (plan {plan_id}) in {took:.0f} s")
    return plan_id, key


def _time_edits(page: Any, sets: list[tuple[list[int], str]]) -> dict[str, Any]:
    edits: list[float] = []  # until the next animation frame after the panel update
    undos: list[float] = []
    panels: list[float] = []  # request + validation + panel (DOM) update: the round trip
    requests: list[float] = []
    pages: list[float] = []
    by_size: dict[int, list[float]] = {}
    refused = 0
    for units, to in sets:
        took, version, message, timing = page.evaluate(ROUND_TRIP_JS, [units, to])
        if version is None:
            refused += 1
            log(f"refused: {message}")
            continue
        edits.append(took / 1000)
        requests.append(timing["requestMs"] / 1000)
        panels.append((timing["requestMs"] + timing["pageMs"]) / 1000)
        pages.append(timing["pageMs"] / 1000)
        by_size.setdefault(len(units), []).append(took / 1000)
        took, version, message, _ = page.evaluate(ROUND_TRIP_JS, [None, None])
        if version is None:
            raise RuntimeError(f"undo failed: {message}")
        undos.append(took / 1000)

    def spread(values: list[float]) -> dict[str, float]:
        return {q: percentile(values, p) for q, p in (("p50", 50), ("p95", 95), ("max", 100))}

    return {
        "edits": len(edits),
        "refused": refused,
        "round_trip_ms": spread(panels),
        "round_trip_to_next_frame_ms": spread(edits),
        "of_which_request_ms": spread(requests),
        "of_which_page_ms": spread(pages),
        "undo_to_next_frame_ms": spread(undos),
        "to_next_frame_p95_ms_by_units": {
            str(k): percentile(v, 95) for k, v in sorted(by_size.items())
        },
    }


def run_store(kind: str, data: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with throwaway_store(kind, args.tmp) as store:
        store.migrate()
        plan_id, key = _stage(store, data, args.incidents)
        sets = move_sets(data, args.edits, seed=7)
        url = store.engine.url.render_as_string(hide_password=False)
        with running_server(url) as base, sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                args=["--no-sandbox", CUT_NETWORK, "--use-gl=angle", "--use-angle=swiftshader"],
            )
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            t0 = time.perf_counter()
            page.goto(f"{base}/maps/editor?plan={plan_id}#key={key}")
            # usable: the grids drawn and the panel filled; open: also the undo / redo depth,
            # i.e. the server holds the draft in memory (the first edit needs it)
            page.wait_for_selector("body[data-ready]", timeout=600_000)
            usable = time.perf_counter() - t0
            page.wait_for_selector("body[data-ready][data-units]", timeout=600_000)
            opened = time.perf_counter() - t0
            log(
                f"{kind}: editor usable in {usable:.1f} s, open with {page.evaluate('document.body.dataset.units')} units in {opened:.1f} s"
            )
            out_of_band = int(page.inner_text("#out-count"))
            load_before = os.getloadavg()[0]
            timed = _time_edits(page, sets)
            browser.close()
        log(f"{kind}: {timed}")
        return {
            "store": kind,
            "plan_units": len(data["units"]),
            "grids": {lv: len(g) for lv, g in data["plans"][1].grids.items()},
            "usable_s": round(usable, 1),
            "open_s": round(opened, 1),
            "out_of_band_listed": out_of_band,
            "page_errors": errors,
            "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            **timed,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="Laoshan households x scale")
    parser.add_argument("--edits", type=int, default=100, help="moves to time (each undone)")
    parser.add_argument("--incidents", type=int, default=0, help="synthetic incidents to load")
    parser.add_argument("--stores", default="spatialite,postgis")
    parser.add_argument("--tmp", type=Path, default=REPO / "benchmarks" / "out")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results file")
    args = parser.parse_args()
    args.tmp.mkdir(parents=True, exist_ok=True)
    data = prepare(args.scale, args.tmp)
    runs = [run_store(kind, data, args) for kind in args.stores.split(",")]
    result = {
        "benchmark": "editor edit round trip in headless Chromium (request, validation, panel)",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores shared",
        "scale": args.scale,
        "target": "p95 < 300 ms",
        "runs": runs,
    }
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
