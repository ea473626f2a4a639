"""`/docs` works without the internet: every asset it loads is served by geogrid itself."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from geogrid.api import create_app
from geogrid.settings import Settings, StoreSettings


def test_docs_load_only_local_assets(tmp_path: Path) -> None:
    settings = Settings(store=StoreSettings(database_url=f"sqlite:///{tmp_path / 'g.sqlite'}"))
    with TestClient(create_app(settings)) as client:
        page = client.get("/docs")
        assert page.status_code == 200
        assert "http://" not in page.text and "https://" not in page.text
        assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sorted(assets) == [
            "/docs/assets/favicon-32x32.png",
            "/docs/assets/swagger-ui-bundle.js",
            "/docs/assets/swagger-ui.css",
        ]
        for asset in assets:
            assert client.get(asset).status_code == 200, asset
        assert "SwaggerUIBundle" in client.get("/docs/assets/swagger-ui-bundle.js").text
        assert "url: '/openapi.json'" in page.text
        assert client.get("/openapi.json").json()["info"]["title"] == "geogrid"
        assert client.get("/redoc").status_code == 404  # it would load from a CDN
