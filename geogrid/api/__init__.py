"""The HTTP API. Nothing in geogrid imports this package; it wires the parts together."""

from geogrid.api.factory import create_app

__all__ = ["create_app"]
