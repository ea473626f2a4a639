"""Draft edits as pure functions: each delta validates, applies and inverts exactly."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import shapely
from _draft_city import EAST_CODE, WEST_CODE

from geogrid.errors import EditRefused, InputError
from geogrid.plans import checks, editing
from geogrid.plans.draft import Delta, Draft

B1, B2 = WEST_CODE + "001", WEST_CODE + "002"


def _apply(draft: Draft, delta: Delta) -> list[str]:
    before = checks.parts_before(draft, delta)
    checks.refuse_locked(draft, delta)
    draft.apply(delta)
    try:
        return checks.validate(draft, delta, before)
    except EditRefused:
        draft.apply(delta.inverse())
        raise


def _households(draft: Draft, code: str) -> int:
    return int(draft.households[draft.units_of(code)].sum())


def _snapshot(draft: Draft) -> tuple[dict[int, str], dict[str, tuple[str, str, str | None, bool]]]:
    grids = {c: (g.level, g.parent_code, g.name, g.locked) for c, g in draft.grids.items()}
    return draft.assignment(), grids


def _roundtrip(draft: Draft, delta: Delta) -> list[str]:
    """Apply, check the JSON form, undo: the draft is as before."""
    before = _snapshot(draft)
    assert Delta.from_json(delta.to_json()).to_json() == delta.to_json()
    touched = _apply(draft, delta)
    _apply(draft, delta.inverse())
    assert _snapshot(draft) == before
    return touched


def test_split_basic_grid_along_a_line(make_draft: Callable[[], Draft]) -> None:
    draft = make_draft()
    minx, miny, maxx, maxy = draft.shape(B1).bounds
    line = shapely.LineString([((minx + maxx) / 2, miny - 5), ((minx + maxx) / 2, maxy + 5)])
    delta = editing.split_line(draft, grid_code=B1, line=line)
    new = delta.added[0]["code"]
    assert new == WEST_CODE + "006"  # the next free number in the community (5 basic grids)
    _apply(draft, delta)
    # whole micro grids of 16 or 24 households went to each side; nothing was lost
    assert _households(draft, B1) + _households(draft, new) == 384
    assert all(m.startswith(new) for m in draft.children[new])
    assert draft.shape(B1).geom_type == draft.shape(new).geom_type == "Polygon"
    with pytest.raises(InputError, match="does not cross"):
        editing.split_line(draft, grid_code=B1, line=shapely.LineString([(0, 0), (1, 1)]))


def test_split_into_parts_and_merge_back(make_draft: Callable[[], Draft]) -> None:
    draft = make_draft()
    delta = editing.split_n(draft, grid_code=B1, parts=3)
    assert len(delta.added) == 2
    touched = _roundtrip(draft, delta)
    assert B1 in touched
    _apply(draft, delta)
    assert sum(_households(draft, c) for c in [B1] + [g["code"] for g in delta.added]) == 384
    merge = editing.merge(draft, grids=[B1] + [g["code"] for g in delta.added])
    _apply(draft, merge)
    assert _households(draft, B1) == 384 and len(draft.children[B1]) == 19


def test_recode_carries_micro_codes_and_refuses_bad_codes(make_draft: Callable[[], Draft]) -> None:
    draft = make_draft()
    delta = editing.recode(draft, grid_code=B1, code=WEST_CODE + "050")
    _roundtrip(draft, delta)
    _apply(draft, delta)
    assert B1 not in draft.grids
    assert sorted(draft.children[WEST_CODE + "050"])[0] == WEST_CODE + "050001"
    with pytest.raises(InputError, match="3 digits"):
        editing.recode(draft, grid_code=B2, code=EAST_CODE + "001")
    with pytest.raises(InputError, match="taken"):
        editing.recode(draft, grid_code=B2, code=WEST_CODE + "050")


def test_locked_grid_refuses_moves_but_can_be_renamed(make_draft: Callable[[], Draft]) -> None:
    draft = make_draft()
    _apply(draft, editing.set_fields(draft, grids=[B2], locked=True))
    border = next(
        i for i in draft.units_of(B1) if draft.geoms[i].intersection(draft.shape(B2)).length > 0
    )
    move = editing.move(draft, to=B2, units=[int(draft.unit_ids[border])])
    with pytest.raises(EditRefused) as refused:
        _apply(draft, move)
    assert refused.value.check == "locked" and refused.value.grids == [B2]
    # and out of it: a unit of B2 on its border with B1 may not leave
    inner = next(
        i for i in draft.units_of(B2) if draft.geoms[i].intersection(draft.shape(B1)).length > 0
    )
    with pytest.raises(EditRefused, match=f"^grid {B2} is locked and this edit would change it"):
        _apply(draft, editing.move(draft, to=B1, units=[int(draft.unit_ids[inner])]))
    _apply(draft, editing.set_fields(draft, grids=[B2], name="harbour"))
    assert draft.grids[B2].name == "harbour"


def test_rebalance_moves_back_what_a_move_unbalanced(make_draft: Callable[[], Draft]) -> None:
    draft = make_draft()
    micros = sorted(draft.children[B1])
    outer = [m for m in micros if draft.shape(m).intersection(draft.shape(B2)).length > 0]
    # give B2 two border micro grids of B1 by hand: 384 -> 432 or more
    for m in outer[:2]:
        moved = Delta(
            changed={m: {"parent_code": (B1, B2)}},
            recodes=[(m, editing.next_code(draft, B2))],
        )
        _apply(draft, moved)
    heavy = _households(draft, B2)
    assert heavy > 400
    delta = editing.rebalance(draft, grids=[B1, B2])
    _apply(draft, delta)
    assert abs(_households(draft, B2) - 400) < abs(heavy - 400)
    assert _households(draft, B1) + _households(draft, B2) == 768


def test_move_keeps_buildings_whole_and_refuses_emptying(make_draft: Callable[[], Draft]) -> None:
    draft = make_draft()
    micro = sorted(draft.children[B1])[0]
    units = [int(draft.unit_ids[i]) for i in draft.units_of(micro)]
    target = next(
        m
        for m in sorted(draft.children[B1])
        if m != micro and draft.shape(m).intersection(draft.shape(micro)).length > 0
    )
    with pytest.raises(EditRefused) as refused:
        _apply(draft, editing.move(draft, to=target, units=units))
    assert refused.value.check == "tiling" and refused.value.grids == [micro]
    building = next(iter(draft.building_units))
    delta = editing.move(draft, to=target, buildings=[building])
    assert set(delta.moves) == set(draft.building_units[building]) - {
        u for u in draft.building_units[building] if draft.micro[draft.position[u]] == target
    }


B4 = WEST_CODE + "004"


def _give(draft: Draft, src: str, dst: str, n: int) -> None:
    """Hand ``n`` micro grids of basic grid ``src`` on its border with ``dst`` to ``dst``."""
    border = [
        m
        for m in sorted(draft.children[src])
        if draft.shape(m).intersection(draft.shape(dst)).length > 0
    ]
    for m in border[:n]:
        _apply(
            draft,
            Delta(
                changed={m: {"parent_code": (src, dst)}},
                recodes=[(m, editing.next_code(draft, dst))],
            ),
        )


def test_rebalance_leaves_a_locked_grid_of_the_selection_as_it_is(
    make_draft: Callable[[], Draft],
) -> None:
    draft = make_draft()
    _give(draft, B2, B1, 2)  # B2 light (below 384), B1 heavy: a rebalance would refill B2
    light = _households(draft, B2)
    assert light < 384 < _households(draft, B1)
    _apply(draft, editing.set_fields(draft, grids=[B2], locked=True))
    kids = set(draft.children[B2])
    delta = editing.rebalance(draft, grids=[B1, B2, B4])
    _apply(draft, delta)
    assert set(draft.children[B2]) == kids and _households(draft, B2) == light
    assert B2 not in checks.changed_grids(draft, delta.inverse())
    # the heavy grid gave to the other unlocked one: 384 x 3 households are all still there
    assert _households(draft, B1) + _households(draft, B4) == 3 * 384 - light
    with pytest.raises(EditRefused) as refused:
        editing.rebalance(draft, grids=[B1, B2])
    assert refused.value.check == "locked" and refused.value.grids == [B2]


def test_rebalance_keeps_a_locked_micro_grid_in_its_basic_grid(
    make_draft: Callable[[], Draft],
) -> None:
    draft = make_draft()
    _give(draft, B1, B2, 2)  # B2 heavy: a rebalance hands micro grids on its border back
    border = [
        m
        for m in sorted(draft.children[B2])
        if draft.shape(m).intersection(draft.shape(B1)).length > 0
    ]
    _apply(draft, editing.set_fields(draft, grids=border, locked=True))
    delta = editing.rebalance(draft, grids=[B1, B2])
    checks.refuse_locked(draft, delta)  # nothing locked is touched
    assert not set(border) & set(delta.changed)


@pytest.mark.parametrize("kept_locked", [True, False])
def test_merge_with_a_locked_grid_is_refused_whichever_code_it_keeps(
    make_draft: Callable[[], Draft], kept_locked: bool
) -> None:
    draft = make_draft()
    locked = B1 if kept_locked else B2  # a merge keeps the lowest code: B1
    _apply(draft, editing.set_fields(draft, grids=[locked], locked=True))
    with pytest.raises(EditRefused, match=f"grid {locked} is locked and this merge would") as e:
        checks.refuse_locked(draft, editing.merge(draft, grids=[B1, B2]), edit="merge")
    assert e.value.check == "locked" and e.value.grids == [locked]


def test_split_of_a_locked_grid_or_its_micro_grid_is_refused(
    make_draft: Callable[[], Draft],
) -> None:
    draft = make_draft()
    _apply(draft, editing.set_fields(draft, grids=[B1], locked=True))
    with pytest.raises(EditRefused) as basic:
        checks.refuse_locked(draft, editing.split_n(draft, grid_code=B1, parts=2))
    micro = sorted(draft.children[B1])[0]
    with pytest.raises(EditRefused) as inner:
        checks.refuse_locked(draft, editing.split_n(draft, grid_code=micro, parts=2))
    assert basic.value.grids == inner.value.grids == [B1]


def test_an_edit_that_changes_nothing_is_an_empty_delta(make_draft: Callable[[], Draft]) -> None:
    draft = make_draft()
    micro = sorted(draft.children[B1])[0]
    units = [int(draft.unit_ids[i]) for i in draft.units_of(micro)]
    assert editing.move(draft, to=micro, units=units).is_empty()
    assert editing.set_fields(draft, grids=[B1], locked=False).is_empty()
    assert not editing.set_fields(draft, grids=[B1], locked=True).is_empty()


def test_the_band_check_counts_a_single_building_over_band_apart(
    make_draft: Callable[[], Draft],
) -> None:
    draft = make_draft()
    assert checks.band_of_draft(draft)["within"] == 140  # 7 basic + 133 micro grids, all in band
    draft.households, draft.buildings = draft.households.copy(), draft.buildings.copy()
    tower = draft.units_of(sorted(draft.children[B1])[0])
    draft.households[tower], draft.buildings[tower] = 0, 0
    draft.households[tower[0]], draft.buildings[tower[0]] = 120, 1  # one building, band 10-30
    block = draft.units_of(sorted(draft.children[B2])[0])
    first = {int(draft.group[u]): u for u in block[::-1]}  # a unit of each building
    assert len(first) >= 2
    draft.households[block] = 0
    draft.households[list(first.values())[:2]] = 30  # 60 in two buildings of 30: a miss
    assert checks.band_of_draft(draft) == {
        "grids": 140,
        "within": 138,
        "within_share": 0.9857,
        "out_of_band": 1,
        "exempt": {"single_over_band_building": 1},
    }
    stats = checks.grid_stats(draft, sorted(draft.children[B1])[0])
    assert stats["exempt"] == "single_over_band_building"
    assert stats["flags"] == [
        "above band: 120 households > 30 (exempt: a single building, kept whole)"
    ]


def test_micro_grids_of_a_basic_grid_under_the_micro_band_are_exempt(
    make_draft: Callable[[], Draft],
) -> None:
    """A basic grid left with 8 households: none of its micro grids can reach 10 (micro grids
    stay inside their basic grid), so they are exempt, the basic grid itself a miss."""
    draft = make_draft()
    draft.households = draft.households.copy()
    micros = sorted(draft.children[B1])
    units = draft.units_of(B1)
    draft.households[units] = 0
    draft.households[units[0]] = 8
    band = checks.band_of_draft(draft)
    assert band["out_of_band"] == 1  # B1: 8 < 300, and its community could hold more
    assert band["exempt"] == {"parent_too_small": len(micros)}
    assert band["within"] == 140 - 1 - len(micros)
    stats = checks.grid_stats(draft, micros[0])
    assert stats["exempt"] == "parent_too_small"
    assert stats["flags"][0].endswith("(exempt: its parent holds fewer households than the band)")
