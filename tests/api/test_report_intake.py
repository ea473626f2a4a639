"""The public QR intake (no key) and the QR sheet, on both stores through the real app."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from _api import LAOSHAN, issue_key
from _city import build_city
from fastapi.testclient import TestClient
from sqlalchemy import text

from geogrid.api import create_app
from geogrid.errors import TooLarge
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


def _config(html: str) -> dict:
    """The ``#geogrid-config`` JSON a page shell carries."""
    return dict(json.loads(html.split('id="geogrid-config">', 1)[1].split("</script>", 1)[0]))


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


def _post(client: TestClient, code: str = GRID, files: dict | None = None, **data: str) -> tuple[int, dict]:  # fmt: skip
    answer = client.post(f"/report/{code}/incidents", data={"category": "0201", **data}, files=files)  # fmt: skip
    return answer.status_code, answer.json()


def test_intake_refuses_what_it_must(client: TestClient) -> None:
    status, problem = _post(client, "370212001001")  # a community, not a grid
    assert (status, problem["detail"]) == (404, "grid 370212001001 is not a basic or micro grid of the published plan")  # fmt: skip
    status, problem = _post(client, files={"photo": ("a.png", b"not an image", "image/png")})
    assert (status, problem["detail"]) == (400, "field photo: not a JPEG, PNG or WebP image")
    # 5,900 bytes sent, 2,000 allowed (the fixture's max_photo_bytes): both named, as people read them
    status, problem = _post(client, files={"photo": ("big.png", b"\x89PNG" + b"\0" * 5896, "image/png")})  # fmt: skip
    assert (status, problem["detail"]) == (413, "field photo: 5.9 KB is over the 2 KB limit; send a smaller photo")  # fmt: skip
    status, problem = _post(client, lon="120.41")
    assert (status, problem["field"]) == (400, "lat")
    status, problem = _post(client, category="0999")  # a code the responsibility list lacks
    assert status == 400 and problem["field"] == "category" and "feature" not in problem
    assert problem["detail"].startswith("field category: unknown category 0999;")
    for bad in ("nan", "inf", "-inf"):
        status, problem = _post(client, lon=bad, lat="36.09")
        assert (status, problem["detail"]) == (422, "lon: not a number")
        status, problem = _post(client, lon="120.41", lat=bad)
        assert (status, problem["detail"]) == (422, "lat: not a number")


def test_failed_attempts_leave_the_allowance_of_reports_whole(client: TestClient) -> None:
    # five unknown grids, a bad photo and a lone lon from one address: nothing filed, nothing
    # counted; the fixture's allowance (4) is all there for the reports that are filed
    for k in range(5):
        assert _post(client, f"37021200100100{k + 3}")[0] == 404
    assert _post(client, files={"photo": ("a.png", b"not an image", "image/png")})[0] == 400
    assert _post(client, lon="120.41")[0] == 400
    assert [_post(client)[0] for _ in range(4)] == [201, 201, 201, 201]
    status, problem = _post(client)
    assert status == 429
    assert problem["detail"].startswith("at most 4 reports per 60 minutes from one address")
    # at its limit, an address is refused before anything else is looked at
    assert _post(client, "370212001001009")[0] == 429


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that says it is ``width`` x ``height`` (greyscale) but holds 10 rows of zeros: a
    few hundred bytes. Pillow would need width x height bytes to decode all of it."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    rows = zlib.compress(b"\0" * (width + 1) * 10, 9)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")  # fmt: skip


def test_a_photo_of_too_many_pixels_is_refused_before_it_is_decoded(
    client: TestClient, tmp_path: Path
) -> None:
    small = _png_header_only(13000, 13000)
    assert len(small) < 2000  # within the fixture's byte limit: only its pixels are too many
    status, problem = _post(client, files={"photo": ("bomb.png", small, "image/png")})
    assert (status, problem["field"]) == (413, "photo")
    assert problem["detail"] == "field photo: 13000 x 13000 pixels is over the 40-megapixel limit; send a smaller photo"  # fmt: skip
    # beyond Pillow's own guard (2 x 89 megapixels): the same answer, not a 500
    status, problem = _post(client, files={"photo": ("bomb.png", _png_header_only(30000, 30000), "image/png")})  # fmt: skip
    assert (status, problem["detail"]) == (413, "field photo: 30000 x 30000 pixels is over the 40-megapixel limit; send a smaller photo")  # fmt: skip
    assert not (tmp_path / "photos").exists() or not any((tmp_path / "photos").iterdir())


def test_a_jpeg_with_a_multi_picture_index_is_kept_as_its_first_picture() -> None:
    from PIL import Image

    from geogrid.report_photos import strip_metadata

    red, blue = Image.new("RGB", (40, 30), (255, 0, 0)), Image.new("RGB", (40, 30), (0, 0, 255))
    sent = io.BytesIO()
    red.save(sent, format="MPO", save_all=True, append_images=[blue])  # as phones write them
    with Image.open(io.BytesIO(strip_metadata(sent.getvalue()))) as kept:
        assert (kept.format, kept.size, getattr(kept, "n_frames", 1)) == ("JPEG", (40, 30), 1)
        r, g, b = kept.convert("RGB").getpixel((20, 15))
        assert r > 240 and g < 15 and b < 15  # the first picture, red


def test_photo_sizes_read_as_people_read_them() -> None:
    from geogrid.report_photos import size_text

    sizes = (5_900_001, 5_000_000, 5_900, 2_000, 812)
    assert [size_text(n) for n in sizes] == ["5.9 MB", "5 MB", "5.9 KB", "2 KB", "812 bytes"]


def test_the_pixel_limit_is_a_setting(tmp_path: Path) -> None:
    from geogrid.report_photos import PhotoLimits, save_photo

    limits = ReportSettings(max_photo_megapixels=0.001, max_photo_bytes=10_000)
    pixels = PhotoLimits(limits.max_photo_bytes, int(limits.max_photo_megapixels * 1e6))
    with pytest.raises(TooLarge, match=r"^field photo: 40 x 30 pixels is over the 0\.001-megapixel limit"):  # fmt: skip
        save_photo(_png((40, 30)), folder=tmp_path, limits=pixels)
    assert save_photo(_png((40, 25)), folder=tmp_path, limits=pixels).endswith(".png")  # 1,000
    with pytest.raises(ValueError, match="less than or equal to 89"):
        ReportSettings(max_photo_megapixels=90)


def test_a_phone_opening_an_unknown_code_gets_a_page_and_an_api_client_a_problem(
    client: TestClient, store: Store
) -> None:
    import geopandas as gpd
    from shapely.geometry import box

    from geogrid.store import save_plan

    retired = "370212001001009"  # a grid of an earlier plan, merged away since
    frame = gpd.GeoDataFrame([{"code": retired, "parent_code": retired[:12], "households": 300, "geometry": box(120.40, 36.08, 120.41, 36.09)}], crs="EPSG:4326")  # fmt: skip
    with store.transaction() as conn:
        save_plan(conn, {"basic": frame}, author="test", report={}, note="before the merge")
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    odd = ("370212009009001", "3702120010O1001", "abc")  # unknown, a letter O for a 0, no code
    for code, was, community in ((retired, True, "社区001"), *((c, False, "") for c in odd)):
        page = client.get(f"/report/{code}", headers=browser)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        config = _config(page.text)
        assert config["grid"] is None
        assert config["unknown"] == {"code": code, "retired": was, "community": community, "contact": "12345"}  # fmt: skip
        api = client.get(f"/report/{code}", headers={"Accept": "application/json"})
        assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"
        assert api.json()["detail"] == f"grid {code} is not a basic or micro grid of the published plan"  # fmt: skip


def test_the_page_and_the_sheet_label_grids_in_chinese(client: TestClient) -> None:
    page = client.get(f"/report/{GRID}")
    config = _config(page.text)
    assert config["grid"] | {} == {"code": GRID, "name": "社区001 网格 001", "level": "basic", "community": "社区001", "basic": "001", "micro": ""}  # fmt: skip
    sanitation = next(c for c in config["categories"] if c["code"] == "02")
    assert (sanitation["name"], sanitation["name_en"]) == ("环境卫生", "Sanitation")
    assert sanitation["subcategories"][0] == {"code": "0201", "name": "生活垃圾", "name_en": "Household waste"}  # fmt: skip
    micro = client.get(f"/report/{GRID}002")
    assert _config(micro.text)["grid"]["name"] == "社区001 网格 001 微网格 002"  # fmt: skip


def test_grid_labels_name_the_grid_in_chinese() -> None:
    from geogrid.report_intake import grid_label

    assert grid_label("370212001001001", "中韩社区居民委员会") == "中韩社区居民委员会 网格 001"
    assert grid_label("370212001001003002", "中韩社区居民委员会") == "中韩社区居民委员会 网格 003 微网格 002"  # fmt: skip
    assert grid_label("370212001001003", "") == "370212001001003"


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


def _jpeg_with_gps() -> bytes:
    """A 40 x 20 JPEG whose EXIF holds a GPS position, a camera and orientation 6 (turn 90°)."""
    from PIL import Image

    image = Image.new("RGB", (40, 20), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: the camera was turned, the pixels are to be rotated
    exif.get_ifd(0x8825).update(
        {1: "N", 2: (36.0, 5.0, 24.0), 3: "E", 4: (120.0, 24.0, 18.0)}  # GPS: lat / lon
    )
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, comment=b"taken at home")
    return buffer.getvalue()


def test_a_photo_is_kept_without_its_exif_gps(client: TestClient, tmp_path: Path) -> None:
    from PIL import Image

    sent = _jpeg_with_gps()
    with Image.open(io.BytesIO(sent)) as image:  # the test's photo does carry them
        assert image.getexif().get_ifd(0x8825)[1] == "N" and image.info["comment"] == b"taken at home"  # fmt: skip
    answer = client.post(
        f"/report/{GRID}/incidents",
        data={"category": "0201"},
        files={"photo": ("p.jpg", sent, "image/jpeg")},
    )
    assert answer.status_code == 201, answer.text
    (ref,) = answer.json()["photos"]
    stored = (tmp_path / "photos" / ref.removeprefix("report-photos/")).read_bytes()
    assert b"Exif" not in stored and b"PhoneMaker" not in stored and b"taken at home" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert "comment" not in image.info and "exif" not in image.info
        # orientation 6 applied to the pixels: upright without the tag, 20 wide and 40 high
        assert image.size == (20, 40)


def test_a_png_loses_its_text_and_exif_chunks(client: TestClient, tmp_path: Path) -> None:
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "36.09N 120.405E")
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (36.0, 5.0, 24.0)})
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 200)).save(buffer, format="PNG", pnginfo=info, exif=exif)
    answer = client.post(
        f"/report/{GRID}/incidents",
        data={"category": "0201"},
        files={"photo": ("p.png", buffer.getvalue(), "image/png")},
    )
    assert answer.status_code == 201, answer.text
    (ref,) = answer.json()["photos"]
    stored = (tmp_path / "photos" / ref.removeprefix("report-photos/")).read_bytes()
    assert b"eXIf" not in stored and b"Location" not in stored and b"tEXt" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size, image.getpixel((3, 3))) == ("PNG", (8, 8), (10, 120, 200))


def test_the_rate_limit_holds_across_api_processes(store: Store) -> None:
    from _server import running_server

    build_city(store)
    url = store.engine.url.render_as_string(hide_password=False)

    def post(base: str) -> int:
        body = urllib.parse.urlencode({"category": "0201", "description": "x"}).encode()
        request = urllib.request.Request(f"{base}/report/{GRID}/incidents", data=body)
        try:
            with urllib.request.urlopen(request) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    with store.engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM incidents")).scalar_one()
    env = {"GEOGRID_REPORT_RATE_LIMIT": "3"}
    with running_server(url, **env) as one, running_server(url, **env) as two:
        # three reports from 127.0.0.1 through two processes: each process saw fewer than 3
        assert [post(one), post(two), post(one)] == [201, 201, 201]
        assert [post(two), post(one)] == [429, 429]
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM report_hits")).scalar_one() == 3
        assert conn.execute(text("SELECT count(*) FROM incidents")).scalar_one() == before + 3


def test_intake_at_zero_zero_is_a_report_without_a_location(
    client: TestClient, store: Store
) -> None:
    # a phone without a position fix sends 0,0: placed in its grid like a report with none
    answer = client.post(f"/report/{GRID}/incidents", data={"category": "02", "description": "no fix", "lon": "0", "lat": "0"})  # fmt: skip
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["basic_code"], body["inside_qr_grid"]) == (GRID, True)
    assert 120.40 < body["lon"] < 120.42 and 36.08 < body["lat"] < 36.10
    assert _flags(store, body["ref"]) == "location_from_qr"
