"""Bridges, viaducts and tunnels are no barrier at street level (issue 12): which lines are."""

from __future__ import annotations

import pandas as pd

from geogrid.cli.partition_summary import network_lines
from geogrid.off_street import off_street


def test_osm_tags_mark_bridges_tunnels_and_layers() -> None:
    frame = pd.DataFrame(
        {
            "highway": ["primary", "primary", "residential", "primary", "service", "trunk"],
            "bridge": ["yes", "viaduct", None, "no", None, "T"],
            "tunnel": [None, None, "yes", None, "no", "F"],
            "layer": [None, "2", None, "0", "-1", None],
        }
    )
    assert off_street(frame).tolist() == [True, True, True, False, True, True]


def test_chinese_fields_and_road_classes_mark_them() -> None:
    frame = pd.DataFrame(
        {
            "road_class": ["主干路", "高架路", "隧道", "快速路", "支路"],
            "是否高架": ["否", "否", None, "是", "0"],
        }
    )
    assert off_street(frame).tolist() == [False, True, True, True, False]
    assert off_street(pd.DataFrame({"桥梁": [1, 0, None]})).tolist() == [True, False, False]


def test_a_layer_column_that_is_not_osm_layer_marks_nothing() -> None:
    """A CAD export's Layer holds the drawing layer's name: not a level above the street."""
    cad = pd.DataFrame({"Layer": ["道路", "1", "0"]})
    assert off_street(cad).tolist() == [False, False, False]
    assert off_street(pd.DataFrame({"layer": [1, 0, 12]})).tolist() == [False, False, False]


def test_the_summary_says_how_many_were_not_taken_as_barriers() -> None:
    network = {"lines_in": 5, "off_street": {"roads": 2, "railways": 1}}
    assert network_lines({"network": network})[1] == (
        "  check: 3 line(s) on a bridge or viaduct or in a tunnel (roads 2, railways 1; bridge, "
        "tunnel, layer, 高架, 隧道) are not barriers: no grid boundary follows them"
    )
