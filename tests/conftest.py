"""Shared fixtures: a real store on SpatiaLite and on PostGIS (a throwaway database per session).

A missing PostGIS is a failure, never a skip: `make test` installs and starts it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import _repo_paths
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from geogrid.settings import StoreSettings
from geogrid.store import Store, open_store
from geogrid.store.all_tables import metadata

REPO = Path(__file__).resolve().parents[1]
TEST_DATA = REPO / "tests" / "data"
LIECHTENSTEIN = TEST_DATA / "liechtenstein"  # OSM 2013, ODbL 1.0: see its NOTICE.md
POSTGRES_ADMIN_URL = os.environ.get(
    "GEOGRID_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
STORE_KINDS = ("spatialite", "postgis")
_repo_paths.install()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Fail the run when anything opened a file beside the repository (a clone has none)."""
    if _repo_paths.opened_outside:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for path in sorted(set(_repo_paths.opened_outside)):
        terminalreporter.write_line(
            f"FAILED: a test opened {path}, outside the repository", red=True
        )


@pytest.fixture(scope="session")
def postgis_url() -> Iterator[str]:
    """A throwaway PostGIS database for this test session, dropped at the end."""
    name = f"geogrid_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # a missing server must fail the run loudly
        pytest.fail(f"PostgreSQL at {POSTGRES_ADMIN_URL} is not usable: {exc}")
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def _stores(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], Store]]:
    """Opens each kind of store once per session, on first use."""
    opened: dict[str, Store] = {}

    def get(kind: str) -> Store:
        if kind not in opened:
            if kind == "spatialite":
                path = tmp_path_factory.mktemp("store") / "geogrid.sqlite"
                url = f"sqlite:///{path}"
            else:
                url = request.getfixturevalue("postgis_url")
            store = open_store(StoreSettings(database_url=url))
            store.migrate()
            opened[kind] = store
        return opened[kind]

    yield get
    for store in opened.values():
        store.dispose()


def empty_store(store: Store) -> Store:
    """Delete every row of every geogrid table, children first."""
    with store.transaction() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    return store


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, _stores: Callable[[str], Store]) -> Store:
    """An empty, migrated store; the test runs once on SpatiaLite and once on PostGIS."""
    return empty_store(_stores(request.param))


@pytest.fixture
def spatialite_store(_stores: Callable[[str], Store]) -> Store:
    """An empty SpatiaLite store only, for tests that are about the embedded default."""
    return empty_store(_stores("spatialite"))
