"""What a building's ``use`` value means (``geogrid.building_uses``), as deliveries write it."""

from __future__ import annotations

import pytest

from geogrid.building_uses import canonical_use, residential_weight


@pytest.mark.parametrize(
    ("value", "use"),
    [
        ("住宅", "residential"),
        ("多层住宅楼", "residential"),
        ("农村宅基地", "residential"),
        ("职工宿舍", "residential"),
        ("商住楼", "mixed"),  # homes above shops: not read as 住 or as 商 alone
        ("教学楼", "school"),
        ("幼儿园", "school"),
        ("厂房", "industrial"),
        ("工矿仓储用地", "warehouse"),
        (" 办公 ", "office"),
        ("车库", "parking"),
        ("apartments", "residential"),
        ("School", "school"),
        ("retail", "commercial"),
        ("shed", "outbuilding"),
        # GB 50137-2011 land-use codes, alone or mixed
        ("R2", "residential"),
        ("R2/B1", "mixed"),
        ("Rb", "mixed"),
        ("A33", "school"),
        ("A51", "hospital"),
        ("B1", "commercial"),
        ("B2", "office"),
        ("G1", "green"),
        ("M1", "industrial"),
        ("S42", "parking"),
        # a tester's second round: 非住宅 is not homes, homes with something else are mixed,
        # shanty housing is homes, a village's construction land (H14) is homes, a code in
        # lower case is the code (--dedicated a33), a land survey's fields, ponds and roads
        ("非住宅", "non_residential"),
        ("商业/住宅", "mixed"),
        ("住宅、商业", "mixed"),
        ("B1/R2", "mixed"),
        ("棚户区", "residential"),
        ("棚改安置房", "residential"),
        ("H14", "residential"),
        ("a33", "school"),
        ("旱地", "farmland"),
        ("坑塘水面", "green"),
        ("公路用地", "utility"),
        ("农村道路", "utility"),
        # OSM's "yes", a building number, a typo: not a use
        ("yes", None),
        ("1号楼", None),
        ("residental", None),
        ("", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_a_use_as_written_is_read_as_its_canonical_use(value: object, use: str | None) -> None:
    assert canonical_use(value) == use


def test_homes_count_whole_mixed_by_the_share_and_the_rest_not() -> None:
    assert residential_weight("residential", mixed_share=0.4) == 1.0
    assert residential_weight(None, mixed_share=0.4) == 1.0  # unknown: as homes, listed
    assert residential_weight("mixed", mixed_share=0.4) == 0.4
    assert residential_weight("school", mixed_share=0.4) == 0.0
    assert residential_weight("green", mixed_share=0.4) == 0.0
