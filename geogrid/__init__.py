"""geogrid: grid division and map layers for grid-based grassroots governance.

Words used throughout the code base, in one place:

layer
    A kind of stored map data with a fixed schema (``geogrid/schema.py``): ``districts``,
    ``streets``, ``communities``, ``buildings``, ``compounds``, ``natural_villages``,
    ``roads``, ``waterways``, ``railways``. Each import replaces (or appends to) one layer and records its source file,
    the CRS it came in and its validation summary. Incidents and grid plans are not layers,
    but they have data versions like layers (``geogrid/store/versions.py``).
parent
    The area one partition divides: a community (12-digit NBS code), or a street (9 digits)
    without communities. Grids never cross their parent.
unit
    A cell of one parent that grids are built from (``geogrid/partition/units.py``): the
    parent is cut into blocks by its roads, waterways and railways, each block into one cell
    per building. A grid is a union of whole units, so buildings stay whole.
grid / level
    One polygon of a plan at one level: ``large``, ``medium``, ``basic`` (about 300-500
    households, one grid worker) or ``micro`` (10-30 households). Levels nest strictly; a
    grid's code is its parent's code plus its number.
plan
    A versioned set of grids over the whole area, at one or more levels, with the quality
    report of the partition that drew it and the data versions it was built from. A plan is
    ``draft``, ``published`` (at most one at a time: incidents are attributed to its grids)
    or ``archived``.
store
    The database behind everything: a SpatiaLite file (default ``geogrid.sqlite``) or
    PostGIS; every CLI command says which one it opened.
"""

__version__ = "0.1.0"
