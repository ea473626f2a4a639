"""Settings, one pydantic-settings class per concern. Built by the caller, never at import time."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class StoreSettings(BaseSettings):
    """Where the store lives: a SpatiaLite file by default, PostGIS via ``DATABASE_URL``."""

    model_config = SettingsConfigDict(env_prefix="GEOGRID_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///geogrid.sqlite",
        validation_alias=AliasChoices("DATABASE_URL", "GEOGRID_DATABASE_URL"),
    )
    spatialite_library: str = Field(
        default="mod_spatialite",
        description="Name or path of the SpatiaLite extension module.",
    )
    echo_sql: bool = False


class HouseholdSettings(BaseSettings):
    """Assumptions for estimating households of buildings that carry no count."""

    model_config = SettingsConfigDict(env_prefix="GEOGRID_HOUSEHOLDS_", extra="ignore")

    dwelling_size_m2: float = Field(default=90.0, gt=0, description="Gross floor area per dwelling")
    residential_share: float = Field(
        default=0.85, gt=0, le=1, description="Share of floor area that is residential"
    )
    default_levels: int = Field(default=1, ge=1, description="Levels when a building gives none")
    min_footprint_m2: float = Field(
        default=30.0, ge=0, description="Footprints smaller than this hold no households (sheds)"
    )


class ApiSettings(BaseSettings):
    """How the HTTP API is served."""

    model_config = SettingsConfigDict(env_prefix="GEOGRID_API_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    title: str = "geogrid"
    anonymous_read: bool = Field(
        default=False, description="Serve reads without a key, as a viewer of the whole store"
    )
    anonymous_jurisdiction: str = Field(
        default="", description="NBS code prefix anonymous readers are limited to ('' = all)"
    )
    max_body_bytes: int = Field(default=10_000_000, gt=0, description="Largest request body")
    kpi_refresh_s: float = Field(
        default=30.0, ge=0, description="Big-screen KPIs are recomputed at most this often"
    )


class Settings(BaseSettings):
    """All settings of one geogrid process."""

    model_config = SettingsConfigDict(env_prefix="GEOGRID_", extra="ignore")

    store: StoreSettings = Field(default_factory=StoreSettings)
    households: HouseholdSettings = Field(default_factory=HouseholdSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    data_dir: Path = Field(default=Path("data"), description="Where demo data is written")
