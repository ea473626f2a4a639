"""Vector tiles: tile matrix sets, layer definitions, MVT encoding and the tile cache.

Plain functions and data classes; no database or web imports (the store builds the tiles'
SQL, the API wires the cache to the routes).
"""
