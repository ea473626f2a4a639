"""The command line feeds the live feed too: ``geogrid incidents import`` writes an ``import``
event per stored incident and ``geogrid incidents place`` a ``place`` event (both stores, the
CLI run as a process)."""

from __future__ import annotations

from pathlib import Path

from _cli import run_geogrid

from geogrid.store import Store
from geogrid.store.incident_feed import feed_events

CASES = Path(__file__).resolve().parents[1] / "data" / "cases"


def test_cli_import_and_place_write_feed_events(store: Store) -> None:
    env = {"DATABASE_URL": store.engine.url.render_as_string(hide_password=False)}
    requests = CASES / "c19-open311-address-only" / "requests.json"
    done = run_geogrid("incidents", "import", str(requests), "--actor", "12345", env=env)
    assert done.returncode == 0, done.stderr
    events = feed_events(store.engine, after=0)
    # one located request stored (the address-only one is kept for a dispatcher, no event)
    assert [(e["action"], e["ref"], e["actor"], e["to_status"]) for e in events] == [
        ("import", "638344", "12345", "reported")
    ]
    placed = run_geogrid(
        "incidents",
        "place",
        "638349",
        "--lon",
        "120.47",
        "--lat",
        "36.11",
        "--actor",
        "王",
        env=env,
    )
    assert placed.returncode == 0, placed.stderr
    later = feed_events(store.engine, after=events[-1]["id"])
    assert [(e["action"], e["ref"], e["actor"]) for e in later] == [("place", "638349", "王")]
    assert (later[0]["lon"], later[0]["lat"]) == (120.47, 36.11)
