#!/bin/sh
# Import each case of import_cases.py into a fresh store, partition it, check the plan.
# Run: sh benchmarks/partition/messy/run_import.sh CASES_DIR [GEOGRID]   (from the repository)
set -u
DIR=$1
G=${2:-.venv/bin/geogrid}
PY=$(dirname "$G")/python
HERE=$(dirname "$0")
for d in "$DIR"/*/; do
  name=$(basename "$d")
  store="$d/store.sqlite"; rm -f "$store" "$d"/*.log "$d"/plan.gpkg "$d"/report.json
  echo "=== $name"
  for kind in communities buildings roads; do
    src=$(ls "$d"/$kind.shp "$d"/$kind.geojson 2>/dev/null | head -1)
    $G --store "$store" import "$src" --layer $kind --report "$d/import_$kind.json" \
      >"$d/import_$kind.log" 2>&1
    echo "import $kind rc=$? $(grep -h 'error' "$d/import_$kind.log" | head -2)"
    grep -c Traceback "$d/import_$kind.log" | sed 's/^/  tracebacks: /'
  done
  $G --store "$store" partition --report "$d/report.json" >"$d/partition.log" 2>&1
  echo "partition rc=$? $(grep -h '^households\|error' "$d/partition.log" | head -3)"
  if [ -s "$d/report.json" ]; then
    $G --store "$store" export --plan 1 --out "$d/plan.gpkg" >/dev/null 2>&1
    $G --store "$store" export --layer communities --out "$d/in_comm.gpkg" >/dev/null 2>&1
    $G --store "$store" export --layer roads --out "$d/in_roads.gpkg" >/dev/null 2>&1
    $PY - "$d" "$HERE" <<'PY'
import json, sys
from pathlib import Path
import geopandas as gpd
sys.path.insert(0, str(Path(sys.argv[2]).resolve().parent))
from messy.check import check
d = Path(sys.argv[1])
rep = json.loads((d / "report.json").read_text())
roads = gpd.read_file(d / "in_roads.gpkg") if (d / "in_roads.gpkg").exists() else None
r = check(d / "plan.gpkg", rep, gpd.read_file(d / "in_comm.gpkg"), roads)
print("  check:", json.dumps(r, ensure_ascii=False))
print("  network:", rep.get("network"), "classes:", rep["basic"].get("barrier_boundary_share_by_class"))
PY
  fi
done
