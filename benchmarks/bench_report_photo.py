"""A resident's photo of many pixels and few bytes, as the report intake handles it.

The photo: a valid RGB PNG of 13000 x 13000 pixels, one colour, about 0.5 MB (the verifier's
"492 KB PNG", issue 10 item 3). Each run is a fresh process (peak memory is per process) that
calls the intake's ``save_photo`` once, as ``POST /report/{grid}/incidents`` does, and prints
the outcome, CPU seconds (process_time), wall seconds and peak resident memory (MB).

Run it with the tree under test on ``sys.path`` (its own venv):
``.venv/bin/python benchmarks/bench_report_photo.py [--out results/report_photo.json]``.
The same script runs on main's tree, whose ``save_photo`` takes ``max_bytes`` (no pixel limit).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

SIDE = 13_000
BOMB = Path(tempfile.gettempdir()) / f"geogrid-bench-photo-{SIDE}.png"
# a phone's photo within the limits: 4000 x 3000 (12 megapixels) JPEG of a colour gradient
PHONE = Path(tempfile.gettempdir()) / "geogrid-bench-photo-4000x3000.jpg"
PHOTOS = {"bomb": BOMB, "phone": PHONE}


def make_photo(path: Path) -> None:
    """A 13000 x 13000 RGB PNG of one colour, compressed row by row (never all in memory)."""
    import struct

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    packer = zlib.compressobj(9)
    row = b"\0" + bytes((10, 120, 200)) * SIDE
    rows = b"".join(packer.compress(row) for _ in range(SIDE)) + packer.flush()
    header = struct.pack(">IIBBBBB", SIDE, SIDE, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b""))  # fmt: skip


def make_phone_photo(path: Path) -> None:
    """A 4000 x 3000 JPEG (quality 90) of a smooth gradient: a phone photo within the limits."""
    from PIL import Image

    gradient = Image.linear_gradient("L").resize((4000, 3000))
    Image.merge("RGB", (gradient, gradient.rotate(180), gradient.transpose(0))).save(
        path, quality=90
    )


def one_run(photo: Path) -> dict[str, object]:
    """Call save_photo once in this process; the outcome, CPU s, wall s, peak RSS MB."""
    import inspect

    from geogrid import report_intake

    data = photo.read_bytes()
    folder = Path(tempfile.mkdtemp(prefix="geogrid-bench-photos-"))
    try:
        from geogrid.report_photos import PhotoLimits, save_photo

        call = lambda: save_photo(data, folder=folder, limits=PhotoLimits(5_000_000, 40_000_000))  # noqa: E731
    except ImportError:  # main before the change: no pixel limit
        save = report_intake.save_photo  # type: ignore[attr-defined]
        assert "max_bytes" in inspect.signature(save).parameters
        call = lambda: save(data, folder=folder, max_bytes=5_000_000)  # noqa: E731
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        outcome = f"kept {call()}"
    except Exception as exc:  # the outcome is what is measured
        outcome = f"{type(exc).__name__}: {exc}"
    return {
        "outcome": outcome,
        "cpu_s": round(time.process_time() - cpu, 3),
        "wall_s": round(time.perf_counter() - wall, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_before_mb": round(before, 1),
        "photo_bytes": len(data),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--photo", choices=sorted(PHOTOS), default="bomb")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    photo = PHOTOS[args.photo]
    if args.one:
        print(json.dumps(one_run(photo)))
        return
    if not photo.exists():
        (make_photo if args.photo == "bomb" else make_phone_photo)(photo)
    runs = []
    for _ in range(args.runs):
        command = [sys.executable, __file__, "--one", "--photo", args.photo]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        runs.append(json.loads(done.stdout))
        print(runs[-1])
    if args.out:
        shown = {"bomb": f"{SIDE} x {SIDE} RGB PNG", "phone": "4000 x 3000 JPEG"}[args.photo]
        args.out.write_text(json.dumps({"photo": shown, "runs": runs}, indent=2) + "\n")


if __name__ == "__main__":
    main()
