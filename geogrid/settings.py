"""Settings, one pydantic-settings class per concern. Built by the caller, never at import time."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

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
    spatialite_synchronous: Literal["normal", "full"] = Field(
        default="normal",
        description=(
            "SpatiaLite files run with a write-ahead log. 'normal': a commit does not wait for "
            "the disk (the file is never corrupted, but the last commits can be lost when the "
            "machine loses power); 'full': every commit is flushed to disk (several ms each)."
        ),
    )
    spatialite_busy_timeout_s: float = Field(
        default=5.0,
        ge=0,
        description=(
            "How long a SpatiaLite write transaction waits for another writer to finish before "
            "it fails with 'database is locked' (seconds)."
        ),
    )
    echo_sql: bool = False


class HouseholdSettings(BaseSettings):
    """Assumptions for estimating households of buildings that carry no count."""

    model_config = SettingsConfigDict(env_prefix="GEOGRID_HOUSEHOLDS_", extra="ignore")

    dwelling_size_m2: float = Field(default=90.0, gt=0, description="Gross floor area per dwelling")
    residential_share: float = Field(
        default=0.85, gt=0, le=1, description="Share of floor area that is residential"
    )
    mixed_residential_share: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Share of a mixed-use building (homes above shops, 商住) counted as homes",
    )
    default_levels: int = Field(default=1, ge=1, description="Levels when a building gives none")
    min_footprint_m2: float = Field(
        default=30.0, ge=0, description="Footprints smaller than this hold no households (sheds)"
    )


class PartitionSettings(BaseSettings):
    """How the partition engine runs when the CLI (``partition``, ``demo``) calls it."""

    model_config = SettingsConfigDict(env_prefix="GEOGRID_PARTITION_", extra="ignore")

    workers: int = Field(
        default=0,
        ge=0,
        description=(
            "Processes that plan parents side by side (0: one per core this process may use; "
            "1: all in the calling process). The plan is the same whatever the count."
        ),
    )

    def process_count(self) -> int:
        """``workers``, with 0 read as the cores this process may use (its CPU affinity)."""
        if self.workers:
            return self.workers
        try:
            return max(len(os.sched_getaffinity(0)), 1)
        except AttributeError:  # not on Linux
            return max(os.cpu_count() or 1, 1)


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
    max_bbox_area_deg2: float = Field(
        default=10_000.0, gt=0, description="Largest bbox (square degrees, lon/lat) a query takes"
    )
    kpi_refresh_s: float = Field(
        default=30.0,
        ge=0,
        description="Big-screen KPIs are recomputed at most this often (for all the server's"
        " processes together); a stale answer is at most this old plus one computation",
    )
    kpi_max_stale_s: float = Field(
        default=300.0,
        gt=0,
        description="A KPI answer older than this is not served for newer data: the caller"
        " waits for the new one (younger ones are served, labelled stale, while it computes)",
    )
    kpi_worker: Literal["process", "thread"] = Field(
        default="process",
        description="Where KPIs are computed on PostGIS: a worker process of each API process"
        " (off its GIL) or a thread (SpatiaLite always uses a thread)",
    )
    kpi_warmup: bool | None = Field(
        default=None,
        description="At start, in the background: load stored KPI answers, bring the whole"
        " area's and every street's up to date, build the big screen's first grid tiles."
        " Default: on PostGIS only (on SpatiaLite the warm-up's statistics writes would"
        " compete with the first requests' writes for the file's one writer)",
    )
    kpi_warmup_as_of: list[str] = Field(
        default=["now"],
        description='The as_of moments warmed up: "now" or a Beijing time such as'
        ' "2025-12-31T18:00" (a screen showing a fixed moment)',
    )
    screen_as_of: str | None = Field(
        default=None,
        description="The moment the big screen reports on when its URL gives none (`?as_of=`):"
        ' a Beijing time such as "2025-12-31T18:00", for data of a past year (the demo\'s);'
        " none: now",
    )
    basemap_url: str | None = Field(
        default=None,
        description="A raster XYZ template ({z}/{x}/{y}) of your own for the pages' background;"
        " none by default, so pages never reach outside",
    )
    page_language: str = Field(
        default="zh", pattern="^(zh|en)$", description="The pages' language before a user picks one"
    )


class TileSettings(BaseSettings):
    """How vector tiles are built and cached."""

    model_config = SettingsConfigDict(env_prefix="GEOGRID_TILES_", extra="ignore")

    cache_mb: int = Field(default=256, ge=0, description="Tile cache per server process (MiB)")
    max_tile_bytes: int = Field(
        default=500_000, gt=0, description="Largest tile (uncompressed) before it is refused"
    )
    simplify_units: float = Field(
        default=1.0, ge=0, description="Simplification tolerance in tile units (4096 a side)"
    )
    gzip_level: int = Field(default=6, ge=1, le=9, description="gzip level of stored tiles")


class ReportSettings(BaseSettings):
    """The residents' report page (\"one grid, one code\"), its QR codes and the offline maps."""

    model_config = SettingsConfigDict(env_prefix="GEOGRID_REPORT_", extra="ignore")

    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
        description="The address residents' phones reach the server at; each QR code holds "
        "<public_base_url>/report/<grid code>",
    )
    photo_dir: Path | None = Field(
        default=None,
        description="Where report photos are kept (default: a folder beside the SpatiaLite "
        "file, or <data_dir>/report-photos on PostGIS)",
    )
    max_photo_bytes: int = Field(default=5_000_000, gt=0, description="Largest photo accepted")
    max_photo_megapixels: float = Field(
        default=40.0,
        gt=0,
        le=89,
        description="Largest photo accepted in pixels (width x height, millions), checked "
        "before it is decoded; at most 89 (Pillow's own guard against decompression bombs)",
    )
    rate_limit: int = Field(
        default=5,
        ge=1,
        description="Reports filed per address per window (failed attempts do not count)",
    )
    rate_window_s: float = Field(default=3600.0, gt=0, description="The rate limit's window")
    browser_location_crs: str = Field(
        default="EPSG:4326",
        pattern="^(EPSG:4326|gcj02)$",
        description="CRS of a phone browser's position (in-app browsers of WeChat, Alipay, "
        "DingTalk and AMap are taken as gcj02 whatever this says)",
    )
    help_contact: str = Field(
        default="12345",
        max_length=200,
        description="Whom a resident calls when a grid's QR code is not known (shown on the "
        "page instead of the form): by default 12345, the citizens' service hotline",
    )
    maps_dir: Path | None = Field(
        default=None, description="A folder of `geogrid map` output served at /maps/files/"
    )


STAFF_ROLES = (
    "grid_worker",
    "part_time_worker",
    "building_head",
    "grid_chief",
    "community_police",
    "traffic_police",
)
"""Staff roles: full-time and part-time grid workers, building heads (micro grids), grid chiefs,
and "one grid, two police" (community and traffic police)."""


class CoverageSettings(BaseSettings):
    """Thresholds of the staff coverage layer and the defaults of its recommendations."""

    model_config = SettingsConfigDict(env_prefix="GEOGRID_COVERAGE_", extra="ignore")

    max_grids: dict[str, int] = Field(
        default={
            "grid_worker": 2,
            "part_time_worker": 3,
            "building_head": 6,
            "grid_chief": 60,
            "community_police": 12,
            "traffic_police": 30,
        },
        description="Most grids one person of each role may answer for before being spread too thin",
    )
    overload_incidents_per_worker: float = Field(
        default=300.0,
        gt=0,
        description="Incidents per worker in the period above which a grid is overloaded",
    )
    overload_median_share: float = Field(
        default=2.0, gt=0, description="...or above this multiple of the district's median"
    )
    persons_per_household: float = Field(
        default=2.62, gt=0, description="Residents per household (2020 census national mean)"
    )
    walk_distance_m: float = Field(default=500.0, gt=0, description="Covering distance, metres")
    time_limit_s: float = Field(default=10.0, gt=0, description="Budget of a recommendation")


class HotspotSettings(BaseSettings):
    """Defaults of the hot spot analyses."""

    model_config = SettingsConfigDict(env_prefix="GEOGRID_HOTSPOTS_", extra="ignore")

    inference: Literal["normal", "permutation"] = Field(
        default="normal",
        description="p-value the Gi* bins use: of the z-score (as ArcGIS) or of the permutations",
    )
    permutations: int = Field(
        default=999, ge=0, description="Conditional permutations of Gi* (reported as p_sim)"
    )
    fdr: bool = Field(default=True, description="Benjamini-Hochberg control of the bins")
    max_permutations: int = Field(
        default=200_000,
        ge=1,
        description="Most permutations permutation inference under FDR is raised to",
    )
    emerging_confidence: float = Field(default=0.90, gt=0, lt=1)
    trend_alpha: float = Field(default=0.05, gt=0, lt=1, description="Mann-Kendall level")
    time_lag: int = Field(
        default=1, ge=0, description="Earlier steps in a space-time neighbourhood"
    )
    density_cell_m: float = Field(default=50.0, gt=0, description="Kernel density raster cell")


class Settings(BaseSettings):
    """All settings of one geogrid process."""

    model_config = SettingsConfigDict(env_prefix="GEOGRID_", extra="ignore")

    store: StoreSettings = Field(default_factory=StoreSettings)
    households: HouseholdSettings = Field(default_factory=HouseholdSettings)
    partition: PartitionSettings = Field(default_factory=PartitionSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    tiles: TileSettings = Field(default_factory=TileSettings)
    coverage: CoverageSettings = Field(default_factory=CoverageSettings)
    hotspots: HotspotSettings = Field(default_factory=HotspotSettings)
    report: ReportSettings = Field(default_factory=ReportSettings)
    data_dir: Path = Field(default=Path("data"), description="Where demo data is written")
