"""The partition engine: parents, buildings and barrier lines in; grids per level and a report out.

Pure functions over GeoDataFrames and arrays (no database, web or file access). The pipeline,
one parent at a time (``parent.plan_parent``), in the order a newcomer should read it:

1. **prepare** (``inputs.prepare``): check the frames, go to the parents' metric CRS, refuse
   overlapping parents, place every building in a parent (``intake``: inside, by overlap, or
   the nearest within ``reach_m``; the rest listed), clean the barrier line network
   (``network``: lines on a bridge or in a tunnel left out, duplicates, dangles, near-misses,
   false nodes) and class each line
   (``barriers``: major / secondary / local, with their cut costs in one table). Buildings
   and lines are taken in a canonical order, lines in one direction (``_canonical``): the
   same data in another row order, or a road digitised the other way, gives the same plan.
2. **tessellate** (``units.build_units``): blocks cut by the barrier lines, each block cut
   into one cell per building, so cells tile the parent exactly; large empty land is cut
   into lattice pieces (``_empty_land``).
3. **build the graph** (``parent._graph``, ``balance.Graph``): one node per building group,
   weighted by households; each edge costs its length, a stretch on a barrier its class's cost.
4. **split** (``divide.divide`` -> ``balance.split``, pymetis): into the band of the area type
   (``bands``), over-band buildings and institutions apart, and each region bounded by major
   barriers (``_graph.major_regions``) apart where each divides within the band alone (METIS's
   balanced bisection does not follow a river that parts 14 grids from 5).
5. **refine** (``balance.REFINEMENT``, one ordered list of moves, each keeping every grid
   connected and its band state no worse): connectivity and band (``_repair``; ``_local.mend``
   and the proofs of ``divide`` where METIS leaves grids out of band), then single units,
   road-block pieces and exchanges of block pieces between neighbouring grids
   (``_shape_moves``) move under one objective (``_refine``: band first, cut cost by barrier
   class, compactness of empty land, convexity); pairs where one grid wraps around the other
   are re-divided by straight cuts (``_wrap_moves``), and neighbouring grids re-cut together
   by a balanced minimum cut (``_recut``), also on a division that ``_local.mend`` or the
   exact search (``exact``) drew to meet the band (``balance.unwrap``); then no holes
   (``_holes.fill_holes``). What each move adds, measured by leaving it out:
   ``benchmarks/partition/ablation.py``. Micro grids the same way within each basic grid
   (``_levels.micro_grids``).
6. **draw** (``drawn.drawn_cells``): grid boundaries through blocks straightened between the
   buildings (``_straighten``); a grid left enclosed by another (an over-band building's own
   grid in a block it can leave only through other buildings' land) is drawn out by a 1 m
   strip along the cells' edges (``_corridors``), or, where none keeps clear of the
   buildings, joins the grid around it (``_levels.drawn_grids``).
7. **assemble** (``parent._assemble``): cells merged per grid, codes in reading order.
8. **measure** (``quality.level_report``, ``exemptions``, ``intake.household_account``).

Words used throughout:

- *parent*: the polygon being divided (a community or village; a street with none).
- *unit*: a cell of the tessellation, the smallest piece a grid is made of; a building's cell
  (its *building group*: the faces its footprint spans) is never split between grids.
- *plan*: the grids of every level plus the quality report (:class:`Plan`); stored plans are
  versioned by the store, outside this package.
- *layer*: an input kind (communities, buildings, roads, ...; ``geogrid.schema``).

Index spaces in ``parent.py``: *face* (a unit of the tessellation), *node* (a building group:
the graph the division works on), *group* (a node after compounds are contracted), *grid*
(a basic or micro grid of one parent). Their arrays are typed by aliases there.

The public output of :func:`partition_plan` is a :class:`Plan`:

- ``grids``: one GeoDataFrame per level (``basic``, ``micro``, and ``large`` / ``medium`` when
  asked), in the parents' CRS, columns ``code``, ``parent_code``, ``level``, ``households``,
  ``buildings``, ``geometry``; sorted by code; every grid one polygon unless its parent is in
  pieces.
- ``report``: ``households`` first (in, in grids per level, unassigned with reasons,
  ``balanced``), ``network`` (fixes made to the lines), then one dict per level (see
  ``quality.LEVEL_KEYS``: within-band share over all grids, exemptions by reason, empty grids,
  convexity against the parents, barrier share per class, ...), and ``seconds``.
- ``units`` (when ``with_units=True``): the cells, each with ``parent_code``, ``basic_code``,
  ``micro_code``, ``households`` and ``buildings``: what a draft editor moves between grids.
"""

from __future__ import annotations

from geogrid.partition.bands import BANDS, Band, band_for
from geogrid.partition.barriers import CLASSES as BARRIER_CLASSES
from geogrid.partition.barriers import COST as BARRIER_COST
from geogrid.partition.engine import ENGINE_LEVELS, GRID_COLUMNS, Plan, partition_plan
from geogrid.partition.redraw import redraw_plan

__all__ = [
    "BANDS",
    "BARRIER_CLASSES",
    "BARRIER_COST",
    "ENGINE_LEVELS",
    "GRID_COLUMNS",
    "Band",
    "Plan",
    "band_for",
    "partition_plan",
    "redraw_plan",
]
