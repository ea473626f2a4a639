"""Synthetic compounds have internal paths: between rows of buildings, joined to the roads."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geogrid.synth._shapes import rectangles
from geogrid.synth.paths import community_paths

FAST = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(
    angle=st.floats(0.0, 1.5),
    rows=st.integers(2, 6),
    cols=st.integers(2, 6),
    per=st.integers(40, 160),
)
def test_compound_paths_cut_it_into_sub_blocks_without_touching_a_building(
    angle: float, rows: int, cols: int, per: int
) -> None:
    c, s = np.cos(angle), np.sin(angle)
    u, v = np.meshgrid(np.arange(cols) * 45.0, np.arange(rows) * 40.0)
    uv = np.column_stack([u.ravel(), v.ravel()])
    centres = np.column_stack([uv[:, 0] * c - uv[:, 1] * s, uv[:, 0] * s + uv[:, 1] * c])
    foot = rectangles(centres, 25.0, 14.0, angle)
    compound = shapely.buffer(shapely.convex_hull(shapely.union_all(foot)), 8.0, join_style="mitre")
    block = shapely.buffer(compound, 10.0, join_style="mitre")
    hh = np.full(len(foot), per, dtype=np.int64)
    arrays = {"geometry": foot, "households": hh, "compound": np.zeros(len(foot), dtype=np.int64)}
    edge = shapely.get_parts(shapely.boundary(block))
    paths = community_paths(arrays, [compound], [], angle=angle, others=edge)
    assert not shapely.intersects(paths[:, None], foot[None, :]).any() if len(paths) else True
    faces = shapely.get_parts(
        shapely.polygonize(shapely.get_parts(shapely.union_all([*edge, *paths])))
    )
    inside = shapely.STRtree(faces).query(shapely.centroid(foot), predicate="within")
    per_face = np.bincount(inside[1], weights=hh[inside[0]], minlength=len(faces))
    total = int(hh.sum())
    if total >= 1.5 * 220:  # big enough to be cut: every sub-block is a fraction of it
        assert len(paths) >= 1
        assert per_face.max() < total
    assert per_face.sum() == total  # every building lies in one closed sub-block
