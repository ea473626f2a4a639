# Two commands do all the set-up on a fresh Debian machine (as root): `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APT_PACKAGES := python3-venv libsqlite3-mod-spatialite postgresql-15 postgresql-15-postgis-3 gdal-bin python3-qgis
SYSTEM_STAMP := $(VENV)/.system-packages
PYTHON_STAMP := $(VENV)/.python-packages
# The pages' browser tests drive Debian's Chromium (no browser download); CJK fonts for labels.
APT_PACKAGES += chromium fonts-noto-cjk
WEB_STAMP := geogrid/web/static/dist/BUILT
WEB_SOURCES := web/package-lock.json web/build.mjs $(shell find web/src -type f 2>/dev/null)

.PHONY: demo test lint web bench bench-synth bench-import bench-partition bench-incidents bench-tiles bench-export bench-analytics bench-plans-api bench-command-api bench-screen bench-editor clean

demo: $(PYTHON_STAMP) $(WEB_STAMP)
	$(BIN)/geogrid demo --serve

test: $(PYTHON_STAMP) $(WEB_STAMP)
	GEOGRID_TEST_POSTGRES_URL=$$(scripts/ensure-postgres.sh) $(BIN)/pytest

lint: $(PYTHON_STAMP)
	$(BIN)/ruff check geogrid tests benchmarks
	$(BIN)/ruff format --check geogrid tests benchmarks
	$(BIN)/mypy geogrid

bench: bench-synth bench-import bench-partition bench-incidents bench-tiles bench-export bench-analytics bench-plans-api bench-command-api bench-screen bench-editor

bench-synth bench-import bench-partition bench-analytics: $(PYTHON_STAMP)
	$(BIN)/python benchmarks/$(subst -,_,$@).py

bench-incidents: $(PYTHON_STAMP)
	GEOGRID_TEST_POSTGRES_URL=$$(scripts/ensure-postgres.sh) $(BIN)/python benchmarks/bench_incidents.py

# The tile benchmark drives both servers with wrk and installs tipg into a venv of its own.
bench-tiles: $(PYTHON_STAMP)
	@dpkg -s wrk >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	GEOGRID_TEST_POSTGRES_URL=$$(scripts/ensure-postgres.sh) $(BIN)/python benchmarks/bench_tiles.py

bench-export: $(PYTHON_STAMP)
	GEOGRID_TEST_POSTGRES_URL=$$(scripts/ensure-postgres.sh) $(BIN)/python benchmarks/bench_export.py

bench-plans-api: $(PYTHON_STAMP)
	GEOGRID_TEST_POSTGRES_URL=$$(scripts/ensure-postgres.sh) $(BIN)/python benchmarks/bench_plans_api.py

# 50 big-screen clients on KPIs and the live feed (2 API processes on PostGIS)
bench-command-api: $(PYTHON_STAMP)
	GEOGRID_TEST_POSTGRES_URL=$$(scripts/ensure-postgres.sh) $(BIN)/python benchmarks/bench_command_api.py

# The big screen's first full paint in Chromium on a year of incidents (demo city on PostGIS)
bench-screen: $(PYTHON_STAMP) $(WEB_STAMP)
	GEOGRID_TEST_POSTGRES_URL=$$(scripts/ensure-postgres.sh) $(BIN)/python benchmarks/bench_screen.py

# The editor's edit round trip in headless Chromium on a Laoshan-scale draft (both stores).
bench-editor: $(PYTHON_STAMP) $(WEB_STAMP)
	GEOGRID_TEST_POSTGRES_URL=$$(scripts/ensure-postgres.sh) $(BIN)/python benchmarks/bench_editor.py

# The pages' front end: npm packages from the lock file, bundled locally by esbuild (no CDN).
web: $(WEB_STAMP)

$(WEB_STAMP): $(WEB_SOURCES)
	cd web && npm ci --no-audit --no-fund --loglevel=error && node build.mjs

$(SYSTEM_STAMP):
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	$(PYTHON) -m venv $(VENV)
	touch $@

$(PYTHON_STAMP): $(SYSTEM_STAMP) pyproject.toml
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev,bench]"
	touch $@

clean:
	rm -rf $(VENV) geogrid.sqlite out benchmarks/out web/node_modules geogrid/web/static/dist test-artifacts
