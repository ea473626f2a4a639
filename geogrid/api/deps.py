"""Dependencies: the store and the settings, read from ``app.state`` (set by the lifespan)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from geogrid.settings import Settings
from geogrid.store import Store


def get_store(request: Request) -> Store:
    """The store the lifespan opened."""
    store: Store = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
