"""``geogrid qr`` as a process: the sheet decodes back to the grids' report page URLs."""

from __future__ import annotations

from pathlib import Path

from _city import build_city
from _cli import messages, run_geogrid

from geogrid.store import Store

# tests/_city.py: community 370212002001 holds three basic grids
EAST = ["370212002001001", "370212002001002", "370212002001003"]


def test_qr_sheet_pdf_holds_each_grid_report_url(spatialite_store: Store, tmp_path: Path) -> None:
    import pypdfium2
    import zxingcpp

    build_city(spatialite_store)
    url = spatialite_store.engine.url.render_as_string(hide_password=False)
    out = tmp_path / "sheet.pdf"
    result = run_geogrid(
        "qr", "--community", "370212002001", "--out", str(out),
        "--base-url", "http://10.1.2.3:8000", env={"DATABASE_URL": url},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("3 QR codes of ")
    image = pypdfium2.PdfDocument(out.read_bytes())[0].render(scale=2).to_pil()
    found = sorted(b.text for b in zxingcpp.read_barcodes(image))
    assert found == [f"http://10.1.2.3:8000/report/{code}" for code in EAST]


def test_qr_refuses_an_unknown_format_in_one_line(spatialite_store: Store, tmp_path: Path) -> None:
    url = spatialite_store.engine.url.render_as_string(hide_password=False)
    result = run_geogrid(
        "qr", "--community", "370212002001", "--out", str(tmp_path / "sheet.svg"),
        env={"DATABASE_URL": url},
    )  # fmt: skip
    assert result.returncode == 1
    assert messages(result) == [
        "geogrid: error: field out: --out must end in .pdf or .png, not 'sheet.svg'"
    ]
    assert not (tmp_path / "sheet.svg").exists()
