"""Self-contained HTML maps for reports and people without the server (``geogrid map``).

:mod:`geogrid.maps.data` reads what the maps show from a store (grids of a plan, incident
points, hot-spot and coverage results, which data are synthetic); :mod:`geogrid.maps.style`
classes and colours them and writes the legends (pure); :mod:`geogrid.maps.folium_maps` is the
one module that imports folium (lazily) and writes each map with Leaflet and its heat-map plugin
inlined from the locally built vendor copies, so a map opens with no network at all.
"""

from __future__ import annotations

from geogrid.maps.data import MapData, read_map_data
from geogrid.maps.folium_maps import MAP_FILES, write_maps

__all__ = ["MAP_FILES", "MapData", "read_map_data", "write_maps"]
