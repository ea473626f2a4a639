"""The responsibility list: the default's size, inheritance, and bad codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from geogrid.errors import InputError
from geogrid.incidents.taxonomy import LEVELS, default_taxonomy, load_taxonomy


def test_default_list_has_the_shape_of_lijia_streets() -> None:
    tax = default_taxonomy()
    assert len(tax.categories) == 12
    assert 120 <= len(tax.subcategories) <= 140
    assert 250 <= len(tax.items) <= 280
    for item in tax.items:
        assert item.level in LEVELS and item.tier in tax.tiers and item.department
        assert item.code.startswith(item.subcategory_code or "?")
        assert (item.subcategory_code or "").startswith(item.category_code)
    assert {tax.tiers[t].handling_hours for t in ("red", "yellow", "blue")} == {2, 24, 72}


def test_items_inherit_from_their_subcategory_and_resolve_by_name() -> None:
    tax = default_taxonomy()
    item = tax.resolve("030201")
    sub = tax.resolve("0302")
    assert (item.department, item.level, item.tier) == (sub.department, sub.level, sub.tier)
    assert tax.resolve(item.name) == item


def test_unknown_category_names_the_field() -> None:
    with pytest.raises(InputError) as info:
        default_taxonomy().resolve("9999", feature="A-1")
    assert info.value.field == "category" and "A-1" in str(info.value)


def test_a_toml_list_overrides_per_item(tmp_path: Path) -> None:
    path = tmp_path / "list.toml"
    path.write_text(
        """
name = "tiny"
[tiers.red]
response_hours = 1
handling_hours = 4
[[categories]]
code = "01"
name = "市容"
department = "城管"
[[categories.subcategories]]
code = "0101"
name = "占道"
level = "street"
tier = "red"
[[categories.subcategories.items]]
code = "010101"
name = "摊贩"
department = "市场监管"
""",
        encoding="utf-8",
    )
    tax = load_taxonomy(path)
    item = tax.resolve("010101")
    assert (item.department, item.level, item.tier) == ("市场监管", "street", "red")
    assert tax.resolve("0101").department == "城管"


def test_a_broken_list_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"categories": []}', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.json"):
        load_taxonomy(path)
