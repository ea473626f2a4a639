"""Time ``geogrid synth``: Laoshan at 1x, 2x and 4x, and Chang'an at 1x.

Run: .venv/bin/python benchmarks/bench_synth.py  (writes benchmarks/results/synth.json)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from geogrid.synth import synth_city, write_city

RESULTS = Path(__file__).resolve().parent / "results" / "synth.json"
CASES = (
    ("370212", "Laoshan", 1.0),
    ("370212", "Laoshan", 2.0),
    ("370212", "Laoshan", 4.0),
    ("610116", "Chang'an", 1.0),
)


def run(code: str, scale: float, folder: Path) -> dict[str, object]:
    start = time.perf_counter()
    layers = synth_city(code, seed=1, scale=scale)
    generated = time.perf_counter()
    path = write_city(layers, folder / f"{code}_{scale:g}.gpkg")
    written = time.perf_counter()
    return {
        "generate_s": round(generated - start, 2),
        "write_s": round(written - generated, 2),
        "total_s": round(written - start, 2),
        "file_mb": round(path.stat().st_size / 1e6, 1),
        **{f"{name}": len(frame) for name, frame in layers.items()},
        "households": int(layers["buildings"]["households"].sum()),
    }


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for code, name, scale in CASES:
            row = {"district": code, "name": name, "scale": scale, **run(code, scale, Path(tmp))}
            print(json.dumps(row, ensure_ascii=False))
            rows.append(row)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "synth",
                "date": dt.date.today().isoformat(),
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                },
                "results": rows,
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
