"""``geogrid map`` (run as a process) writes HTML maps that draw their grids with no network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from _cli import run_geogrid

from geogrid.store import Store

# tests/_city.py: the published plan's 7 basic grids, households 301-303, 30 incidents inside
BASIC_CODES = [
    "370212001001001",
    "370212001001002",
    "370212001002001",
    "370212001002002",
    "370212002001001",
    "370212002001002",
    "370212002001003",
]


def _write_maps(store: Store, out: Path) -> int:
    """Build the test city, run ``geogrid map``; returns the published plan's id."""
    from _city import build_city

    city = build_city(store)
    url = store.engine.url.render_as_string(hide_password=False)
    result = run_geogrid("map", "--out", str(out), env={"DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    assert "4 maps and index.html written" in result.stdout
    return city.published


def _open(open_page: object, path: Path) -> Any:
    web: Any = open_page(path.as_uri())  # type: ignore[operator]
    web.page.wait_for_selector("path.leaflet-interactive", timeout=20_000)  # type: ignore[attr-defined]
    return web


def test_map_files_show_their_grids_offline(
    store: Store, tmp_path: Path, open_page: object
) -> None:
    out = tmp_path / "maps"
    plan_id = _write_maps(store, out)
    assert sorted(p.name for p in out.iterdir()) == [
        "coverage.html",
        "hotspots.html",
        "incidents.html",
        "index.html",
        "plan.html",
    ]
    plan_html = (out / "plan.html").read_text(encoding="utf-8")
    assert "<script src=" not in plan_html and '<link rel="stylesheet"' not in plan_html

    plan = _open(open_page, out / "plan.html")
    page = plan.page
    assert page.locator("path.leaflet-interactive").count() == 7  # type: ignore[attr-defined]
    labels = page.locator(".geogrid-label").all_inner_texts()  # type: ignore[attr-defined]
    assert sorted(labels) == BASIC_CODES
    legend = page.locator(".geogrid-legend").inner_text()  # type: ignore[attr-defined]
    assert "300-500 (urban band) (7)" in legend
    assert f"plan {plan_id} (published), 7 basic grids" in legend
    assert "incidents: real data (31), none synthetic" in legend
    plan.assert_clean()

    heat = _open(open_page, out / "incidents.html")
    assert heat.page.locator("path.leaflet-interactive").count() == 7  # type: ignore[attr-defined]
    assert heat.page.locator("canvas.leaflet-heatmap-layer").count() == 1  # type: ignore[attr-defined]
    assert "30 inside the grids" in heat.page.locator(".geogrid-legend").inner_text()  # type: ignore[attr-defined]
    heat.assert_clean()

    for name in ("hotspots", "coverage"):
        web = _open(open_page, out / f"{name}.html")
        assert web.page.locator("path.leaflet-interactive").count() == 7  # type: ignore[attr-defined]
        web.assert_clean()
        if name == "hotspots":  # the legend says how the bins were made
            hot_legend = web.page.locator(".geogrid-legend").inner_text()  # type: ignore[attr-defined]
            assert "Gi* z-score, normal p (two-sided), FDR (Benjamini-Hochberg)" in hot_legend
    # no staff registry in the test city: every grid is unmanned
    coverage_legend = web.page.locator(".geogrid-legend").inner_text()  # type: ignore[attr-defined]
    assert "unmanned (no grid worker) (7)" in coverage_legend


def test_map_without_a_published_plan_is_one_line(spatialite_store: Store, tmp_path: Path) -> None:
    url = spatialite_store.engine.url.render_as_string(hide_password=False)
    result = run_geogrid("map", "--out", str(tmp_path / "m"), env={"DATABASE_URL": url})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "geogrid: error: no plan is published; pass --plan ID"
    )
    assert not (tmp_path / "m").exists()
