"""Real clients read every collection from the running server, each getting the full count
through paging: Debian's ogrinfo (GDAL 3.6, page size 10), pyogrio's bundled GDAL (OAPIF
driver, reads the limit maximum from /api) and headless QGIS (Debian's python3-qgis)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyogrio
import pytest
from _api import issue_key
from _city import build_city
from _server import running_server

from geogrid.store import Store

EXPECTED = {
    "districts": 1, "streets": 2, "communities": 3, "buildings": 24, "barrier_lines": 3,
    "basic_grids": 7, "micro_grids": 14, "incidents": 31,
}  # fmt: skip
# Layers stay referenced and QGIS is not torn down: QGIS 3.22 run from Python crashes when a
# layer is collected while its provider's network thread is alive, or in exitQgis.
QGIS_SCRIPT = """
import json, sys
from qgis.core import QgsApplication, QgsVectorLayer
QgsApplication.setPrefixPath("/usr", True)
app = QgsApplication([], False)
app.initQgis()
layers, out = [], {}
for cid in sys.argv[2:]:
    layer = QgsVectorLayer(f"url='{sys.argv[1]}' typename='{cid}'", cid, "OAPIF")
    layers.append(layer)
    ids = {f.id() for f in layer.getFeatures()} if layer.isValid() else set()
    out[cid] = {"valid": layer.isValid(), "read": len(ids), "count": layer.featureCount(),
                "crs": layer.crs().authid()}
print(json.dumps(out), flush=True)
"""


@pytest.fixture
def served(spatialite_store: Store) -> Iterator[tuple[str, str, dict[str, int]]]:
    """The test city behind a running server (anonymous read on, as a public deployment)."""
    city = build_city(spatialite_store)
    expected = EXPECTED | {
        f"plan-{city.published}-basic_grids": 7,
        f"plan-{city.published}-micro_grids": 14,
        f"plan-{city.draft}-basic_grids": 3,
    }
    key = issue_key(spatialite_store, role="viewer", jurisdiction="370212", name="gis")
    url = spatialite_store.engine.url.render_as_string(hide_password=False)
    with running_server(url, GEOGRID_API_ANONYMOUS_READ="true") as base:
        yield base, key, expected


def _gdal_env(key: str) -> dict[str, str]:
    return os.environ | {"GDAL_HTTP_HEADERS": f"X-API-Key: {key}", "CPL_DEBUG": "OFF"}


def test_debian_ogrinfo_reads_every_collection(served: tuple[str, str, dict[str, int]]) -> None:
    base, key, expected = served
    done = subprocess.run(
        ["/usr/bin/ogrinfo", "-ro", "-al", "-q", f"OAPIF:{base}"],
        capture_output=True, text=True, env=_gdal_env(key), timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    read: dict[str, int] = {}
    for layer, body in re.findall(
        r"Layer name: (\S+)\n(.*?)(?=Layer name: |\Z)", done.stdout, re.S
    ):
        read[layer] = len(re.findall(r"^OGRFeature\(", body, re.M))
    assert {k: read.get(k) for k in expected} == expected
    summary = subprocess.run(
        ["/usr/bin/ogrinfo", "-ro", "-so", f"OAPIF:{base}", "incidents"],
        capture_output=True, text=True, env=_gdal_env(key), timeout=120,
    )  # fmt: skip
    assert "Feature Count: 31" in summary.stdout


def test_pyogrio_oapif_reads_every_collection(
    served: tuple[str, str, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, key, expected = served
    monkeypatch.setenv("GDAL_HTTP_HEADERS", f"X-API-Key: {key}")
    layers = {name for name, _ in pyogrio.list_layers(f"OAPIF:{base}")}
    assert set(expected) <= layers
    read = {cid: len(pyogrio.read_dataframe(f"OAPIF:{base}", layer=cid)) for cid in expected}
    assert read == expected
    info: dict[str, Any] = pyogrio.read_info(f"OAPIF:{base}", layer="streets")
    assert 'AUTHORITY["OGC","CRS84"]' in info["crs"]  # storageCrs, read through Part 2
    streets = pyogrio.read_dataframe(f"OAPIF:{base}", layer="streets")
    assert streets.total_bounds.round(6).tolist() == [120.40, 36.08, 120.48, 36.12]


def test_headless_qgis_reads_every_collection(
    served: tuple[str, str, dict[str, int]], tmp_path: Path
) -> None:
    base, _, expected = served
    runtime = tmp_path / "xdg"
    runtime.mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    done = subprocess.run(
        ["/usr/bin/python3", "-c", QGIS_SCRIPT, base, *expected],
        capture_output=True, text=True, timeout=600,
        env=env | {"QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(runtime), "HOME": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert {cid: r["read"] for cid, r in result.items()} == expected
    assert {cid: r["count"] for cid, r in result.items()} == expected
    assert all(r["valid"] for r in result.values())
