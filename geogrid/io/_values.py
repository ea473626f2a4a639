"""Feature-by-feature checks of attributes: names, counts, coded values, NBS codes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import pandas as pd

from geogrid.io._checks import feature_label
from geogrid.io.mapping import value_aliases
from geogrid.schema import AREA_TYPES, HOUSEHOLD_SOURCES, ROAD_CLASSES, layer_spec

if TYPE_CHECKING:
    from geogrid.validation import ValidationReport

_CODE_DIGITS: Final = {"districts": 6, "streets": 9, "communities": 12}
_PARENT_CODE: Final = {"streets": ("district_code", 6), "communities": ("street_code", 9)}
_COUNT_FIELDS: Final = ("levels", "households")


def check_values(
    frame: gpd.GeoDataFrame, layer: str, *, file: str, report: ValidationReport
) -> gpd.GeoDataFrame:
    """Names present, counts numeric and not negative, coded values known (aliases resolved)."""
    frame = frame.copy()
    labels = feature_label(frame, layer)
    if "name" in layer_spec(layer).required:
        for label in labels[frame["name"].isna()]:
            report.add(
                "error",
                "missing_value",
                "the feature has no name",
                layer=layer,
                file=file,
                feature=label,
                field="name",
            )
    for name in _COUNT_FIELDS:
        if name in frame.columns:
            frame[name] = _counts(frame[name], name, labels, layer=layer, file=file, report=report)
    if "households" in frame.columns and layer == "buildings":
        source = frame.get("households_source", pd.Series(None, index=frame.index, dtype=object))
        source = source.where(source.notna() | frame["households"].isna(), "given")
        for label in labels[source.notna() & ~source.isin(HOUSEHOLD_SOURCES)]:
            report.add(
                "error",
                "bad_value",
                f"households_source must be one of {', '.join(HOUSEHOLD_SOURCES)}",
                layer=layer,
                file=file,
                feature=label,
                field="households_source",
            )
        frame["households_source"] = source
    if layer == "communities":
        frame = _area_types(frame, labels, file=file, report=report)
    for name in ("road_class", "waterway_class"):
        if name in frame.columns:
            frame[name] = _classes(frame[name], name, labels, layer=layer, file=file, report=report)
    if "synthetic" in frame.columns:
        flags = frame["synthetic"].map(lambda v: str(v).strip().lower() in ("1", "true", "yes"))
        frame["synthetic"] = flags.where(frame["synthetic"].notna(), False).astype(bool)
    return frame


def _counts(
    values: pd.Series,
    name: str,
    labels: pd.Series,
    *,
    layer: str,
    file: str,
    report: ValidationReport,
) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    for label, raw in zip(
        labels[values.notna() & numbers.isna()],
        values[values.notna() & numbers.isna()],
        strict=True,
    ):
        report.add(
            "error",
            "bad_value",
            f"{name} {raw!r} is not a number",
            layer=layer,
            file=file,
            feature=label,
            field=name,
        )
    for label in labels[numbers < 0]:
        report.add(
            "error",
            "bad_value",
            f"{name} is negative",
            layer=layer,
            file=file,
            feature=label,
            field=name,
        )
    return numbers.round().astype("Int64")


def _area_types(
    frame: gpd.GeoDataFrame, labels: pd.Series, *, file: str, report: ValidationReport
) -> gpd.GeoDataFrame:
    aliases = value_aliases()["area_type"]
    values = (
        frame["area_type"] if "area_type" in frame.columns else pd.Series(None, index=frame.index)
    )
    values = values.map(
        lambda v: (
            aliases.get(str(v).strip().lower(), str(v).strip().lower()) if pd.notna(v) else None
        )
    )
    missing = values.isna()
    if missing.any():
        # NBS names end in 村委会 for villages and 社区居委会 for communities.
        guess = (
            frame["name"]
            .fillna("")
            .map(lambda n: "village" if "村" in n and "社区" not in n else "urban_community")
        )
        values = values.where(~missing, guess)
        report.add(
            "info",
            "derived_value",
            f"area_type guessed from the name for {int(missing.sum())} feature(s) "
            "(村 -> village, else urban_community)",
            layer="communities",
            file=file,
            field="area_type",
        )
    for label, value in zip(
        labels[~values.isin(AREA_TYPES)], values[~values.isin(AREA_TYPES)], strict=True
    ):
        report.add(
            "error",
            "bad_value",
            f"area_type {value!r} is not one of {', '.join(AREA_TYPES)}",
            layer="communities",
            file=file,
            feature=label,
            field="area_type",
        )
    frame["area_type"] = values.astype(object)
    return frame


def _classes(
    values: pd.Series,
    name: str,
    labels: pd.Series,
    *,
    layer: str,
    file: str,
    report: ValidationReport,
) -> pd.Series:
    aliases = value_aliases().get(name, {})
    known = set(ROAD_CLASSES) if name == "road_class" else None
    out = values.map(
        lambda v: (
            aliases.get(str(v).strip().lower(), str(v).strip().lower()) if pd.notna(v) else None
        )
    )
    if known is None:
        return out.astype(object)
    unknown = out.notna() & ~out.isin(known)
    for value, group in labels[unknown].groupby(out[unknown]):
        report.add(
            "warning",
            "bad_value",
            f"{name} {value!r} is not one of {', '.join(sorted(known))}: left empty for "
            f"{len(group)} feature(s) (first: {group.iloc[0]})",
            layer=layer,
            file=file,
            feature=group.iloc[0],
            field=name,
        )
    return out.where(~unknown, None).astype(object)


def check_codes(
    frame: gpd.GeoDataFrame, layer: str, *, file: str, report: ValidationReport
) -> gpd.GeoDataFrame:
    """NBS codes: 6-digit district, 9-digit street, 12-digit community, each under its parent."""
    digits = _CODE_DIGITS.get(layer)
    if digits is None:
        return frame
    pattern = re.compile(rf"^\d{{{digits}}}$")
    codes = frame["code"]
    for code in codes.dropna():
        if not pattern.match(code):
            report.add(
                "error",
                "bad_code",
                f"code {code!r} is not a {digits}-digit NBS code",
                layer=layer,
                file=file,
                feature=code,
                field="code",
            )
    if layer not in _PARENT_CODE:
        return frame
    parent_field, parent_digits = _PARENT_CODE[layer]
    frame = frame.copy()
    parents = (
        frame[parent_field] if parent_field in frame.columns else pd.Series(None, index=frame.index)
    )
    parents = parents.astype(object)
    derived = parents.isna() & codes.notna()
    if derived.any():
        parents = parents.where(~derived, codes.str[:parent_digits])
        report.add(
            "info",
            "derived_value",
            f"{parent_field} taken from the first {parent_digits} digits of the code for "
            f"{int(derived.sum())} feature(s)",
            layer=layer,
            file=file,
            field=parent_field,
        )
    for code, parent in zip(codes[~derived], parents[~derived], strict=True):
        if code is None or parent is None:
            continue
        if not re.match(rf"^\d{{{parent_digits}}}$", parent):
            report.add(
                "error",
                "bad_code",
                f"{parent_field} {parent!r} is not a {parent_digits}-digit NBS code",
                layer=layer,
                file=file,
                feature=code,
                field=parent_field,
            )
        elif not code.startswith(parent):
            report.add(
                "error",
                "bad_code",
                f"code {code} does not start with its {parent_field} {parent}",
                layer=layer,
                file=file,
                feature=code,
                field="code",
            )
    frame[parent_field] = parents
    return frame
