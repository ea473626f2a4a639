"""Every table module, imported so that ``metadata`` is complete (for migrations and tests)."""

from geogrid.store.tables import Base

metadata = Base.metadata

__all__ = ["metadata"]
