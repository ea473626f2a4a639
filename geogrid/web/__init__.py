"""The web pages: HTML shells in ``pages/`` and the bundles ``make web`` builds into ``static/dist``.

The front end's sources live in ``web/`` at the repository root (npm, esbuild); nothing here
reaches the internet at run time.
"""

from __future__ import annotations

from pathlib import Path

PAGES_DIR = Path(__file__).parent / "pages"
STATIC_DIR = Path(__file__).parent / "static"
DIST_DIR = STATIC_DIR / "dist"


def built_pages() -> frozenset[str]:
    """The pages whose bundle ``make web`` has built (read from ``dist/BUILT``)."""
    marker = DIST_DIR / "BUILT"
    if not marker.is_file():
        return frozenset()
    return frozenset(marker.read_text(encoding="utf-8").split())
