"""Every table module, imported so that ``metadata`` is complete (for migrations and tests)."""

import geogrid.store.access_tables
import geogrid.store.draft_tables
import geogrid.store.grid_stats
import geogrid.store.incident_tables
import geogrid.store.kpi_answers
import geogrid.store.report_hits
import geogrid.store.staff_tables  # noqa: F401
from geogrid.store.tables import Base

metadata = Base.metadata

__all__ = ["metadata"]
