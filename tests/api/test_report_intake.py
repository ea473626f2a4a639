"""The public QR intake (no key) and the QR sheet, on both stores through the real app."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from _api import LAOSHAN, issue_key
from _city import build_city
from fastapi.testclient import TestClient
from sqlalchemy import text

from geogrid.api import create_app
from geogrid.settings import ReportSettings, Settings, StoreSettings
from geogrid.store import Store

GRID = "370212001001001"  # the box 120.40-120.42 E, 36.08-36.10 N
BASE = "https://grid.example.gov.cn/geogrid"
# tests/_city.py: community 370212001001 holds basic grids 001 and 002 (micro 001, 002 each)
COMMUNITY_GRIDS = ["370212001001001", "370212001001002"]


@pytest.fixture
def client(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    build_city(store)
    url = store.engine.url.render_as_string(hide_password=False)
    report = ReportSettings(
        photo_dir=tmp_path / "photos", rate_limit=4, max_photo_bytes=2000, public_base_url=BASE
    )
    settings = Settings(store=StoreSettings(database_url=url), report=report)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _png(size: tuple[int, int] = (8, 8)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def _flags(store: Store, ref: str) -> str:
    with store.engine.connect() as conn:
        return str(conn.execute(text("SELECT flags FROM incidents WHERE ref = :r"), {"r": ref}).scalar_one())  # fmt: skip


def test_intake_keeps_a_location_outside_the_grid_and_flags_it(
    client: TestClient, store: Store
) -> None:
    # (120.43, 36.09) WGS 84 lies in basic grid 370212001002001, not in the QR's grid
    answer = client.post(f"/report/{GRID}/incidents", data={"category": "0201", "description": "x", "lon": "120.43", "lat": "36.09"})  # fmt: skip
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["qr_grid"], body["basic_code"], body["inside_qr_grid"]) == (GRID, "370212001002001", False)  # fmt: skip
    assert (body["lon"], body["lat"]) == pytest.approx((120.43, 36.09), abs=1e-9)
    assert _flags(store, body["ref"]) == "outside_qr_grid"


def test_intake_without_a_location_places_the_report_in_its_grid(
    client: TestClient, store: Store
) -> None:
    answer = client.post(
        f"/report/{GRID}/incidents", data={"category": "02", "description": "no gps"}
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["basic_code"], body["inside_qr_grid"]) == (GRID, True)
    assert 120.40 < body["lon"] < 120.42 and 36.08 < body["lat"] < 36.10
    assert _flags(store, body["ref"]) == "location_from_qr"


def test_intake_refuses_what_it_must(client: TestClient) -> None:
    def post(code: str = GRID, files: dict | None = None, **data: str) -> tuple[int, dict]:
        answer = client.post(
            f"/report/{code}/incidents", data={"category": "0201", **data}, files=files
        )
        return answer.status_code, answer.json()

    status, problem = post("370212001001")  # a community, not a grid
    assert (status, problem["detail"]) == (404, "grid 370212001001 is not a basic or micro grid of the published plan")  # fmt: skip
    status, problem = post(files={"photo": ("a.png", b"not an image", "image/png")})
    assert (status, problem["field"]) == (400, "photo")
    status, problem = post(
        files={"photo": ("big.png", _png((300, 300)) + b"\0" * 3000, "image/png")}
    )
    assert (status, problem["field"]) == (413, "photo")
    status, problem = post(lon="120.41")
    assert (status, problem["field"]) == (400, "lat")
    # the four refused reports above counted against the address: the limit (4) is reached
    status, problem = post()
    assert status == 429
    assert problem["detail"].startswith("at most 4 reports per 60 minutes from one address")


def test_qr_sheet_decodes_back_to_the_report_urls(client: TestClient, store: Store) -> None:
    import pypdfium2
    import zxingcpp
    from PIL import Image

    key = issue_key(store, role="viewer", jurisdiction=LAOSHAN)
    headers = {"X-API-Key": key}
    png = client.get("/report/sheet", params={"community": "370212001001", "format": "png"}, headers=headers)  # fmt: skip
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    found = sorted(b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content))))
    assert found == [f"{BASE}/report/{code}" for code in COMMUNITY_GRIDS]

    pdf = client.get("/report/sheet", params={"community": "370212001001", "format": "pdf", "level": "micro"}, headers=headers)  # fmt: skip
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    document = pypdfium2.PdfDocument(pdf.content)
    assert len(document) == 1
    image = document[0].render(scale=2).to_pil()
    found = sorted(b.text for b in zxingcpp.read_barcodes(image))
    micro = [f"{code}{k:03d}" for code in COMMUNITY_GRIDS for k in (1, 2)]
    assert found == [f"{BASE}/report/{code}" for code in micro]

    outside = issue_key(store, role="viewer", jurisdiction="370212002", name="east")
    refused = client.get("/report/sheet", params={"community": "370212001001"}, headers={"X-API-Key": outside})  # fmt: skip
    assert refused.status_code == 403
