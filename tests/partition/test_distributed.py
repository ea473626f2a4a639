"""Scale-out: a local dask cluster gives the same plan as a single process."""

from __future__ import annotations

import pytest
from partition_citygen import city

from geogrid.errors import GeogridError
from geogrid.partition.engine import partition_plan


def test_local_cluster_gives_the_same_plan() -> None:
    layers = city(communities=4, buildings=500, households=2600, seed=11)
    kwargs = {"roads": layers["roads"], "waterways": layers["waterways"], "seed": 5}
    single = partition_plan(layers["communities"], layers["buildings"], **kwargs)
    done: list[int] = []
    spread = partition_plan(
        layers["communities"],
        layers["buildings"],
        **kwargs,
        scheduler="local",
        progress=lambda d, t: done.append(d),
    )
    assert sorted(done) == [1, 2, 3, 4]
    for level in ("basic", "micro"):
        a, b = single.grids[level], spread.grids[level]
        assert a["code"].tolist() == b["code"].tolist()
        assert a["households"].tolist() == b["households"].tolist()
        assert a.geometry.to_wkb().tolist() == b.geometry.to_wkb().tolist()
        same = {k: v for k, v in single.report[level].items()}
        assert same == spread.report[level]


def test_unreachable_scheduler_is_a_clear_error() -> None:
    layers = city(communities=1, buildings=60, households=300, seed=1)
    with pytest.raises(GeogridError, match="cannot reach the dask scheduler"):
        partition_plan(
            layers["communities"],
            layers["buildings"],
            scheduler="tcp://127.0.0.1:9",
            connect_timeout=0.5,
        )
