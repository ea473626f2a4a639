"""Scale-out: a local dask cluster, or worker processes of this machine, give the same plan as a
single process."""

from __future__ import annotations

import pytest
from partition_citygen import city

from geogrid.errors import GeogridError, InputError
from geogrid.partition.engine import partition_plan


@pytest.mark.parametrize("spread_by", [{"scheduler": "local"}, {"workers": 2}])
def test_spread_gives_the_same_plan(spread_by: dict[str, object]) -> None:
    layers = city(communities=4, buildings=500, households=2600, seed=11)
    kwargs = {"roads": layers["roads"], "waterways": layers["waterways"], "seed": 5}
    single = partition_plan(layers["communities"], layers["buildings"], **kwargs)
    done: list[int] = []
    spread = partition_plan(
        layers["communities"],
        layers["buildings"],
        **kwargs,
        **spread_by,
        progress=lambda d, t: done.append(d),
    )
    assert done == [1, 2, 3, 4]  # progress counts parents done, in the caller's process
    if "workers" in spread_by:  # the stages sum the workers' times; their wall time beside
        assert 0 < spread.report["seconds"]["workers_wall"] <= spread.report["seconds"]["total"]
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


def test_bad_input_is_refused_while_the_workers_start_and_nothing_hangs() -> None:
    layers = city(communities=3, buildings=300, households=1500, seed=2)
    buildings = layers["buildings"].copy()
    buildings.loc[buildings.index[0], "households"] = -5
    # the pool is open (workers importing the engine) while the inputs are checked
    with pytest.raises(InputError, match="feature b0, field households: negative households"):
        partition_plan(layers["communities"], buildings, workers=2)
