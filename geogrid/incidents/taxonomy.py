"""The responsibility list: categories, sub-categories and items with department, level and tier.

Loaded from JSON or TOML (see ``data/taxonomy.json``, the shipped default). An item inherits the
responsible department, handling level and deadline tier of its sub-category unless it sets its
own; a sub-category inherits the department of its category.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from geogrid.errors import InputError

DEFAULT_TAXONOMY = Path(__file__).resolve().parent / "data" / "taxonomy.json"
LEVELS = ("community", "street", "district")
PRIORITIES = ("red", "yellow", "blue")


@dataclass(frozen=True)
class Tier:
    """A deadline tier: hours to respond and to handle, counted in working hours or not."""

    name: str
    response_hours: float
    handling_hours: float
    working_hours: bool = False


@dataclass(frozen=True)
class Classification:
    """What a category, sub-category or item code resolves to."""

    code: str
    name: str
    category_code: str
    subcategory_code: str | None
    item_code: str | None
    department: str
    level: str
    tier: str
    name_en: str = ""
    """The English name ('' when the list gives none: the shipped list names its categories
    and sub-categories in English, not its items)."""


class Taxonomy:
    """A loaded responsibility list; look codes (or names) up with :meth:`resolve`."""

    def __init__(
        self, tiers: dict[str, Tier], entries: dict[str, Classification], name: str
    ) -> None:
        self.tiers = tiers
        self.entries = entries
        self.name = name
        self._by_name = {e.name: e for e in entries.values()}

    @property
    def categories(self) -> list[Classification]:
        """The top-level categories (2-digit codes)."""
        return [e for e in self.entries.values() if e.subcategory_code is None]

    @property
    def subcategories(self) -> list[Classification]:
        """The sub-categories (4-digit codes)."""
        return [e for e in self.entries.values() if e.subcategory_code and e.item_code is None]

    @property
    def items(self) -> list[Classification]:
        """The items (6-digit codes)."""
        return [e for e in self.entries.values() if e.item_code is not None]

    def resolve(self, value: str, *, feature: str | int | None = None) -> Classification:
        """The entry for a code (``01``, ``0101``, ``010101``) or an exact name, else InputError."""
        key = str(value).strip()
        found = self.entries.get(key) or self._by_name.get(key)
        if found is None:
            raise InputError(
                f"unknown category {value!r}; expected a code of the responsibility list "
                f"{self.name!r} (e.g. 01, 0101 or 010101)",
                feature=feature,
                field="category",
            )
        return found

    def tier(self, name: str) -> Tier:
        """A deadline tier by name, else InputError listing the tiers."""
        if name not in self.tiers:
            raise InputError(
                f"unknown deadline tier {name!r}; expected one of {sorted(self.tiers)}"
            )
        return self.tiers[name]


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Read a responsibility list from JSON or TOML; the shipped default without a path."""
    source = Path(path) if path is not None else DEFAULT_TAXONOMY
    try:
        text = source.read_text(encoding="utf-8")
        doc = tomllib.loads(text) if source.suffix == ".toml" else json.loads(text)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the responsibility list: {exc}", file=str(source)) from exc
    return _build(doc, file=str(source))


@lru_cache(maxsize=1)
def default_taxonomy() -> Taxonomy:
    """The shipped default list (12 categories, 132 sub-categories, 264 items)."""
    return load_taxonomy()


def _build(doc: dict[str, Any], *, file: str) -> Taxonomy:
    try:
        tiers = {
            name: Tier(
                name,
                float(t["response_hours"]),
                float(t["handling_hours"]),
                bool(t.get("working_hours", False)),
            )
            for name, t in doc["tiers"].items()
        }
        entries: dict[str, Classification] = {}
        for cat in doc["categories"]:
            _add(entries, cat, None, None, cat, tiers, file=file)
            for sub in cat.get("subcategories", []):
                _add(entries, sub, cat, None, sub, tiers, file=file)
                for item in sub.get("items", []):
                    _add(entries, item, cat, sub, item, tiers, file=file)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"malformed responsibility list: missing or bad {exc}", file=file) from exc
    return Taxonomy(tiers, entries, str(doc.get("name", Path(file).stem)))


def _add(
    entries: dict[str, Classification],
    node: dict[str, Any],
    cat: dict[str, Any] | None,
    sub: dict[str, Any] | None,
    own: dict[str, Any],
    tiers: dict[str, Tier],
    *,
    file: str,
) -> None:
    chain = [n for n in (own, sub, cat) if n is not None]

    def inherited(key: str, default: str) -> str:
        return str(next((n[key] for n in chain if key in n), default))

    code = str(node["code"])
    if code in entries:
        raise InputError(f"code {code} appears more than once", file=file, field="code")
    level = inherited("level", "street")
    tier = inherited("tier", "yellow" if "yellow" in tiers else next(iter(tiers)))
    if level not in LEVELS or tier not in tiers:
        raise InputError(f"code {code}: bad level {level!r} or tier {tier!r}", file=file)
    category = cat or node
    entries[code] = Classification(
        code=code,
        name=str(node["name"]),
        category_code=str(category["code"]),
        subcategory_code=str((sub or node)["code"]) if cat is not None else None,
        item_code=code if sub is not None else None,
        department=inherited("department", "街道综合执法中队"),
        level=level,
        tier=tier,
        name_en=str(node.get("name_en", "")),
    )
