"""The store: one schema on SpatiaLite (embedded default) and PostGIS."""

from geogrid.store.engine import Store, StoreKind, open_store
from geogrid.store.layers import layer_counts, layer_sources, read_layer, write_layer
from geogrid.store.plans import (
    list_plans,
    plan_info,
    publish_plan,
    published_plan_id,
    read_plan,
    read_plan_page,
    save_plan,
)

__all__ = [
    "Store",
    "StoreKind",
    "layer_counts",
    "layer_sources",
    "list_plans",
    "open_store",
    "plan_info",
    "publish_plan",
    "published_plan_id",
    "read_layer",
    "read_plan",
    "read_plan_page",
    "save_plan",
    "write_layer",
]
