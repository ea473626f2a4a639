"""Feature-by-feature checks of attributes: names, counts, coded values, NBS codes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import geopandas as gpd
import pandas as pd

from geogrid.io._checks import column_or_none, feature_label
from geogrid.io.mapping import value_aliases
from geogrid.schema import AREA_TYPES, HOUSEHOLD_SOURCES, ROAD_CLASSES, layer_spec

if TYPE_CHECKING:
    from geogrid.validation import LayerFindings, ValidationReport

_CODE_DIGITS: Final = {"districts": 6, "streets": 9, "communities": 12}
_PARENT_CODE: Final = {"streets": ("district_code", 6), "communities": ("street_code", 9)}
_COUNT_FIELDS: Final = ("levels", "households")
# Above this a count is a damaged value (infinity, 1e30), and no 64-bit integer holds it anyway.
_COUNT_MAX: Final = 1e9
_FROM_TEXT: Final = "number_from_text"
_LISTED: Final = 10  # values named in a refusal's line; the report lists them all
_UNITS: Final = {"households": ("户数", "户"), "levels": ("层", "楼")}
_NUMBER: Final = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def check_values(
    frame: gpd.GeoDataFrame, findings: LayerFindings, *, names: bool = True
) -> gpd.GeoDataFrame:
    """Names present (unless ``names`` is False: ``geogrid partition FILE`` needs none),
    counts numeric and not negative, coded values known (aliases resolved)."""
    layer = findings.layer
    frame = frame.copy()
    labels = feature_label(frame, layer)
    if names and "name" in layer_spec(layer).required:
        for label in labels[frame["name"].isna()]:
            findings.add(
                "error", "missing_value", "the feature has no name", feature=label, field="name"
            )
    for name in _COUNT_FIELDS:
        if name in frame.columns:
            frame[name] = _counts(frame[name], name, labels, findings)
    if "households" in frame.columns and layer == "buildings":
        source = frame.get("households_source", pd.Series(None, index=frame.index, dtype=object))
        source = source.where(source.notna() | frame["households"].isna(), "given")
        for label in labels[source.notna() & ~source.isin(HOUSEHOLD_SOURCES)]:
            findings.add(
                "error",
                "bad_value",
                f"households_source must be one of {', '.join(HOUSEHOLD_SOURCES)}",
                feature=label,
                field="households_source",
            )
        frame["households_source"] = source
    if layer == "communities":
        frame = _area_types(frame, labels, findings)
    for name in ("road_class", "waterway_class"):
        if name in frame.columns:
            frame[name] = _classes(frame[name], name, labels, findings)
    if "synthetic" in frame.columns:
        flags = frame["synthetic"].map(lambda v: str(v).strip().lower() in ("1", "true", "yes"))
        frame["synthetic"] = flags.where(frame["synthetic"].notna(), False).astype(bool)
    return frame


def _counts(values: pd.Series, name: str, labels: pd.Series, findings: LayerFindings) -> pd.Series:
    numbers, from_text = read_counts(values, name)
    _refuse_not_numbers(values[values.notna() & numbers.isna() & ~_blank(values)], name,
                        labels, findings)  # fmt: skip
    if from_text.any():
        seen = [f"{raw!r} as {number:g}" for raw, number in zip(values[from_text][:3],
                numbers[from_text][:3], strict=True)]  # fmt: skip
        findings.add(
            "info",
            _FROM_TEXT,
            f"{name} read as a number from text for {int(from_text.sum())} feature(s) "
            f"(full-width digits or a unit after it: {', '.join(seen)})",
            field=name,
        )
    for label, number in zip(labels[numbers < 0], numbers[numbers < 0], strict=True):
        findings.add(
            "error", "bad_value", f"{name} is negative ({number:g})", feature=label, field=name
        )
    huge = numbers.abs() > _COUNT_MAX
    for label, number in zip(labels[huge], numbers[huge], strict=True):
        findings.add(
            "error", "bad_value", f"{name} {number:g} is not a count", feature=label, field=name
        )
    numbers = numbers.where(~huge)
    # a count is whole: 40.7 households would be stored as 41 without anyone saying so
    fraction = numbers.notna() & (numbers != numbers.round())
    for label, number in zip(labels[fraction], numbers[fraction], strict=True):
        findings.add(
            "error",
            "bad_value",
            f"{name} {number:g} is not a whole number; round it in the file if that is meant",
            feature=label,
            field=name,
        )
    return numbers.round().astype("Int64")


def value_notes(report: ValidationReport) -> list[str]:
    """The notes of counts read from text ("buildings: households read as a number ..."),
    for ``partition FILE``'s report, which keeps no findings."""
    return [f"{f.layer}: {f.message}" for f in report.findings if f.check == _FROM_TEXT]


def _refuse_not_numbers(
    bad: pd.Series, name: str, labels: pd.Series, findings: LayerFindings
) -> None:
    """One error naming the first values that are not numbers (the line of a refusal), and
    each of them as a note (the report lists them all)."""
    if bad.empty:
        return
    listed = [f"{label} {raw!r}" for label, raw in zip(labels[bad.index], bad, strict=True)]
    more = f", and {len(listed) - _LISTED} more" if len(listed) > _LISTED else ""
    findings.add(
        "error",
        "bad_value",
        f"{name} is not a number for {len(listed)} feature(s): {', '.join(listed[:_LISTED])}"
        f"{more}; write a number (120, not 约120户), or leave it blank to have it estimated",
        feature=labels[bad.index[0]],
        field=name,
    )
    for label, raw in zip(labels[bad.index], bad, strict=True):
        findings.add(
            "info", "not_a_number", f"{name} {raw!r} is not a number", feature=label, field=name
        )


def read_counts(values: pd.Series, name: str) -> tuple[pd.Series, pd.Series]:
    """The numbers of a count column as people write them, and how many were read from text
    that is not a plain number (a mask): full-width digits ('８６', NFKC), a unit after the number
    ('120户', '6层'), spaces around it. A blank is missing (estimated, as an empty cell)."""
    plain = pd.to_numeric(values, errors="coerce")
    text = values.notna() & plain.isna() & ~_blank(values)
    read = values[text].map(lambda v: _number_in(str(v), _UNITS.get(name, ())))
    numbers = plain.where(~text, pd.to_numeric(read, errors="coerce"))
    return numbers, text & numbers.notna()


def _number_in(text: str, units: tuple[str, ...]) -> str | None:
    value = unicodedata.normalize("NFKC", text).strip()
    for unit in units:  # longest first: 户数 before 户
        if value.endswith(unit):
            value = value[: -len(unit)].strip()
            break
    return value if _NUMBER.match(value) else None


def _blank(values: pd.Series) -> pd.Series:
    """Text cells with nothing but spaces (a DBF writes a missing value so)."""
    return values.map(lambda v: isinstance(v, str) and not v.strip()).astype(bool)


def _area_types(
    frame: gpd.GeoDataFrame, labels: pd.Series, findings: LayerFindings
) -> gpd.GeoDataFrame:
    aliases = value_aliases()["area_type"]
    values = _canonical(column_or_none(frame, "area_type"), aliases)
    missing = values.isna()
    if missing.any():
        # NBS names end in 村委会 for villages and 社区居委会 for communities.
        guess = (
            column_or_none(frame, "name")
            .fillna("")
            .map(lambda n: "village" if "村" in n and "社区" not in n else "urban_community")
        )
        values = values.where(~missing, guess)
        findings.add(
            "info",
            "derived_value",
            f"area_type guessed from the name for {int(missing.sum())} feature(s) "
            "(村 -> village, else urban_community)",
            field="area_type",
        )
    for label, value in zip(
        labels[~values.isin(AREA_TYPES)], values[~values.isin(AREA_TYPES)], strict=True
    ):
        findings.add(
            "error",
            "bad_value",
            f"area_type {value!r} is not one of {', '.join(AREA_TYPES)}",
            feature=label,
            field="area_type",
        )
    frame["area_type"] = values.astype(object)
    return frame


def _canonical(values: pd.Series, aliases: Mapping[str, str]) -> pd.Series:
    """Coded values in lower case, known spellings replaced by the schema's value."""

    def one(value: Any) -> str | None:
        if not pd.notna(value):
            return None
        text = str(value).strip().lower()
        if not text:  # a DBF writes a missing value as an empty string
            return None
        return aliases.get(text, text)

    return values.map(one)


def _classes(values: pd.Series, name: str, labels: pd.Series, findings: LayerFindings) -> pd.Series:
    aliases = value_aliases().get(name, {})
    known = set(ROAD_CLASSES) if name == "road_class" else None
    out = _canonical(values, aliases)
    if known is None:
        return out.astype(object)
    unknown = out.notna() & ~out.isin(known)
    for value, group in labels[unknown].groupby(out[unknown]):
        findings.add(
            "warning",
            "bad_value",
            f"{name} {value!r} is not one of {', '.join(sorted(known))}: left empty for "
            f"{len(group)} feature(s) (first: {group.iloc[0]})",
            feature=group.iloc[0],
            field=name,
        )
    return out.where(~unknown, None).astype(object)


def check_codes(frame: gpd.GeoDataFrame, findings: LayerFindings) -> gpd.GeoDataFrame:
    """NBS codes: 6-digit district, 9-digit street, 12-digit community, each under its parent."""
    layer = findings.layer
    digits = _CODE_DIGITS.get(layer)
    if digits is None:
        return frame
    codes = frame["code"]
    for code in codes.dropna():
        if not _is_nbs_code(code, digits):
            findings.add(
                "error",
                "bad_code",
                f"code {code!r} is not a {digits}-digit NBS code",
                feature=code,
                field="code",
            )
    if layer not in _PARENT_CODE:
        return frame
    return _check_parent_codes(frame, findings)


def _check_parent_codes(frame: gpd.GeoDataFrame, findings: LayerFindings) -> gpd.GeoDataFrame:
    """Each code starts with its parent's; a missing parent code is taken from the code."""
    parent_field, parent_digits = _PARENT_CODE[findings.layer]
    frame = frame.copy()
    codes = frame["code"]
    parents = column_or_none(frame, parent_field).astype(object)
    derived = parents.isna() & codes.notna()
    if derived.any():
        parents = parents.where(~derived, codes.str[:parent_digits])
        findings.add(
            "info",
            "derived_value",
            f"{parent_field} taken from the first {parent_digits} digits of the code for "
            f"{int(derived.sum())} feature(s)",
            field=parent_field,
        )
    for code, parent in zip(codes[~derived], parents[~derived], strict=True):
        if code is None or parent is None:
            continue
        if not _is_nbs_code(parent, parent_digits):
            findings.add(
                "error",
                "bad_code",
                f"{parent_field} {parent!r} is not a {parent_digits}-digit NBS code",
                feature=code,
                field=parent_field,
            )
        elif not code.startswith(parent):
            findings.add(
                "error",
                "bad_code",
                f"code {code} does not start with its {parent_field} {parent}",
                feature=code,
                field="code",
            )
    frame[parent_field] = parents
    return frame


def _is_nbs_code(value: str, digits: int) -> bool:
    return re.match(rf"^\d{{{digits}}}$", value) is not None
