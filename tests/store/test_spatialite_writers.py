"""Write transactions on a SpatiaLite file begin IMMEDIATE: a writer that read first does not
fail with "database is locked" because another connection wrote in between (it waits for the
lock up to the busy timeout instead), and reads take no lock at all."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from geogrid.settings import StoreSettings
from geogrid.store import Store, open_store


def _store(path: Path, *, timeout_s: float) -> Store:
    store = open_store(
        StoreSettings(database_url=f"sqlite:///{path}", spatialite_busy_timeout_s=timeout_s)
    )
    with store.transaction() as conn:
        conn.execute(text("CREATE TABLE counts (name TEXT PRIMARY KEY, n INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO counts VALUES ('a', 0), ('b', 0)"))
    return store


def test_two_writers_at_once_both_commit(tmp_path: Path) -> None:
    store = _store(tmp_path / "g.sqlite", timeout_s=10.0)
    has_read = threading.Event()
    errors: list[BaseException] = []

    def read_then_write() -> None:
        # The shape of POST /incidents: read (a lookup), then write, in one transaction.
        try:
            with store.transaction() as conn:
                n = conn.execute(text("SELECT n FROM counts WHERE name = 'a'")).scalar_one()
                has_read.set()
                threading.Event().wait(0.3)  # the other writer tries to write meanwhile
                conn.execute(text("UPDATE counts SET n = :n WHERE name = 'a'"), {"n": n + 1})
        except BaseException as exc:  # reported by the assertion below
            has_read.set()
            errors.append(exc)

    def write() -> None:
        has_read.wait(5)
        try:
            with store.transaction() as conn:
                conn.execute(text("UPDATE counts SET n = n + 10 WHERE name = 'b'"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=read_then_write), threading.Thread(target=write)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert errors == []
    with store.engine.connect() as conn:
        found = conn.execute(text("SELECT name, n FROM counts ORDER BY name")).all()
    rows = {str(name): int(n) for name, n in found}
    assert rows == {"a": 1, "b": 10}
    store.dispose()


def test_reads_do_not_wait_for_a_writer(tmp_path: Path) -> None:
    # A busy timeout of 0.2 s: a read that asked for the write lock would fail while a write
    # transaction is open; a read that takes no lock answers.
    store = _store(tmp_path / "g.sqlite", timeout_s=0.2)
    with store.transaction() as writer:
        writer.execute(text("UPDATE counts SET n = 5 WHERE name = 'a'"))
        with store.engine.connect() as reader:
            seen = reader.execute(text("SELECT n FROM counts WHERE name = 'a'")).scalar_one()
        assert seen == 0  # the writer's change is not committed yet
    store.dispose()
