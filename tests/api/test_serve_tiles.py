"""`geogrid serve --workers 2` as a process (uvicorn, uvloop, httptools): tiles over real HTTP
from two worker processes, each with its own cache, agreeing on the ETag and answering 304."""

from __future__ import annotations

import gzip
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import mapbox_vector_tile
import pytest
from _tiles_data import A1, A2, B1, B2, STRADDLING, fill

from geogrid.settings import StoreSettings
from geogrid.store import open_store


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.mark.slow
def test_serve_with_two_workers_serves_gzip_tiles_and_304(tmp_path: Path) -> None:
    db = tmp_path / "serve.sqlite"
    store = open_store(StoreSettings(database_url=f"sqlite:///{db}"))
    store.migrate()
    fill(store)
    store.dispose()
    port = _free_port()
    env = os.environ | {"DATABASE_URL": f"sqlite:///{db}", "GEOGRID_API_ANONYMOUS_READ": "true"}
    command = [sys.executable, "-m", "geogrid", "serve", "--port", str(port), "--workers", "2"]
    proc = subprocess.Popen(
        command, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    z, y, x = STRADDLING
    url = f"http://127.0.0.1:{port}/collections/basic_grids/tiles/WebMercatorQuad/{z}/{y}/{x}"
    try:
        deadline = time.monotonic() + 180  # two workers importing geopandas on a busy machine
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5).close()
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "the server did not start in 180 s"
                time.sleep(0.2)
        answers = [_get(url, {"Accept-Encoding": "gzip"}) for _ in range(6)]
        etags = {headers["etag"] for _, headers, _ in answers}
        assert {status for status, _, _ in answers} == {200} and len(etags) == 1
        _, headers, body = answers[0]
        assert headers["content-encoding"] == "gzip"
        decoded = mapbox_vector_tile.decode(gzip.decompress(body))
        codes = {f["properties"]["code"] for f in decoded["basic_grids"]["features"]}
        assert codes == {A1, A2, B1, B2}
        etag = next(iter(etags))
        again = [_get(url, {"If-None-Match": etag})[0] for _ in range(4)]
        assert again == [304] * 4
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    assert "Started parent process" in stderr or "Uvicorn running" in stderr
