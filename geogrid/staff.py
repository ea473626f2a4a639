"""The staff registry file: read (CSV in UTF-8 or GB18030, Excel .xlsx / .ods), map its columns,
normalise roles and grid codes, place base locations in EPSG:4326, and validate.

One row per person: ``staff_id``, ``role``, ``grid_codes`` (separated by ``;``, ``,``, ``、``
or spaces), optional ``name``, ``phone`` (personal data) and a base location in ``lon``/``lat``
columns (the CRS must be declared, as for layers). Columns are mapped with the same
``--map field=COLUMN`` / mapping files as layers. Validation findings follow the layer import's
report: unknown grid codes, a person in more grids than their role allows, duplicate ids and
duplicate people are errors; nothing is stored when any error is found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geogrid.crs import to_storage_crs
from geogrid.errors import InputError
from geogrid.io.mapping import FieldMapping, apply_mapping
from geogrid.io.readers import read_text_table
from geogrid.schema import LayerSpec
from geogrid.settings import STAFF_ROLES, CoverageSettings
from geogrid.validation import LayerFindings, ValidationReport

STAFF: Final = LayerSpec(
    "staff", "point", "staff_id", ("role", "grid_codes"), ("name", "phone", "synthetic")
)
"""The staff file's fields, in the form the layer field mapping understands."""
STAFF_SPECS: Final = {"staff": STAFF}
PERSONAL_FIELDS: Final = ("name", "phone")
ROLE_ALIASES: Final[dict[str, str]] = {
    "专职网格员": "grid_worker",
    "网格员": "grid_worker",
    "full_time": "grid_worker",
    "worker": "grid_worker",
    "兼职网格员": "part_time_worker",
    "part_time": "part_time_worker",
    "楼栋长": "building_head",
    "微网格长": "building_head",
    "网格长": "grid_chief",
    "chief": "grid_chief",
    "社区民警": "community_police",
    "片警": "community_police",
    "交警": "traffic_police",
    "交通民警": "traffic_police",
}
_SPLIT: Final = re.compile(r"[;,、，；\s]+")
_PHONE: Final = re.compile(r"^\+?[\d\- ]{5,20}$")
_LON: Final = ("lon", "lng", "longitude", "经度")
_LAT: Final = ("lat", "latitude", "纬度")


@dataclass
class StaffFile:
    """A read and checked staff file: one row per person (geometry: base location or None),
    one row per (person, grid code), the CRS the locations came in and the report."""

    people: gpd.GeoDataFrame
    assignments: pd.DataFrame
    source_crs: str
    report: ValidationReport
    notes: list[str] = field(default_factory=list)


def read_staff_file(
    path: str | Path,
    *,
    mapping: FieldMapping | None = None,
    encoding: str | None = None,
    source_crs: str | None = None,
) -> tuple[gpd.GeoDataFrame, str, list[str]]:
    """The mapped rows of a staff file (fields of :data:`STAFF`, geometry in EPSG:4326 or None)
    and the CRS label of the locations ('none' when the file has none)."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file", file=str(path))
    table, notes = _table(path, encoding)
    lon = next((c for c in table.columns if str(c).strip().lower() in _LON), None)
    lat = next((c for c in table.columns if str(c).strip().lower() in _LAT), None)
    geometry = [None] * len(table)
    if lon is not None and lat is not None:
        x = pd.to_numeric(table[lon], errors="coerce")
        y = pd.to_numeric(table[lat], errors="coerce")
        points: Any = shapely.points(x.to_numpy(), y.to_numpy())
        geometry = [
            None if pd.isna(a) or pd.isna(b) else p
            for p, a, b in zip(list(points), x, y, strict=True)
        ]
        table = table.drop(columns=[lon, lat])
    frame = gpd.GeoDataFrame(table, geometry=geometry)
    frame, mapped_notes = apply_mapping(frame, STAFF, mapping, file=str(path))
    crs_label = "none"
    if frame.geometry.notna().any():
        frame, crs_label = to_storage_crs(frame, source_crs=source_crs, file=str(path))
    else:
        frame = frame.set_crs("EPSG:4326", allow_override=True)
    return frame, crs_label, notes + mapped_notes


def _table(path: Path, encoding: str | None) -> tuple[pd.DataFrame, list[str]]:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        table, used = read_text_table(path, encoding)
        return table, [] if used == "utf-8" else [f"text decoded as {used}"]
    if suffix in (".xlsx", ".ods"):
        try:
            table = pyogrio.read_dataframe(path, read_geometry=False)
        except Exception as exc:
            raise InputError(f"cannot read the spreadsheet ({exc})", file=str(path)) from exc
        return table.map(_cell_text), []
    raise InputError(
        f"unknown staff file type {suffix!r}; expected .csv, .txt, .xlsx or .ods", file=str(path)
    )


def _cell_text(value: object) -> str | None:
    """A spreadsheet cell as text: codes stored as numbers lose the '.0', empty cells are None."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() or None


def check_staff(
    frame: gpd.GeoDataFrame,
    *,
    grid_codes: set[str],
    file: str,
    settings: CoverageSettings | None = None,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, ValidationReport]:
    """Normalise roles and codes and validate; returns people, assignments and the report.

    ``grid_codes``: every code a person may be assigned to (grid codes of the plan and the
    community/street codes above them).
    """
    settings = settings or CoverageSettings()
    report = ValidationReport()
    findings = LayerFindings(report, "staff", file)
    people = frame.copy()
    labels = people["staff_id"].where(people["staff_id"].notna(), None)
    _check_ids(people, findings)
    people["role"] = [
        _role(v, label, findings) for v, label in zip(people["role"], labels, strict=True)
    ]
    rows = []
    for staff_id, role, codes in people[["staff_id", "role", "grid_codes"]].itertuples(index=False):
        parsed = _codes(codes)
        if not parsed:
            findings.add(
                "error", "missing_value", "no grid codes", feature=staff_id, field="grid_codes"
            )
        for code in sorted(set(parsed)):
            if code not in grid_codes:
                findings.add(
                    "error",
                    "unknown_grid",
                    f"grid code {code} is not in the plan (nor a community or street above it)",
                    feature=staff_id,
                    field="grid_codes",
                )
            rows.append((staff_id, role, code))
        limit = settings.max_grids.get(str(role))
        if limit is not None and len(set(parsed)) > limit:
            findings.add(
                "error",
                "too_many_grids",
                f"{len(set(parsed))} grids for a {role}; at most {limit} "
                "(GEOGRID_COVERAGE_MAX_GRIDS)",
                feature=staff_id,
                field="grid_codes",
            )
    _check_people(people, findings)
    assignments = pd.DataFrame(rows, columns=["staff_id", "role", "grid_code"])
    return people, assignments, report


def _check_ids(people: gpd.GeoDataFrame, findings: LayerFindings) -> None:
    for i in people.index[people["staff_id"].isna()]:
        findings.add(
            "error",
            "missing_id",
            "the person has no staff_id",
            feature=f"row {i + 2}",
            field="staff_id",
        )
    counts = people["staff_id"].dropna().value_counts()
    for value, n in counts[counts > 1].items():
        findings.add(
            "error",
            "duplicate_id",
            f"staff_id {value} appears {n} times",
            feature=value,
            field="staff_id",
        )


def _check_people(people: gpd.GeoDataFrame, findings: LayerFindings) -> None:
    """The same name and phone under two ids is one person registered twice."""
    if "name" not in people.columns or "phone" not in people.columns:
        return
    known = people.dropna(subset=["name", "phone"])
    for _, group in known.groupby(["name", "phone"]):
        if len(group) > 1:
            ids = ", ".join(sorted(map(str, group["staff_id"])))
            findings.add(
                "error",
                "duplicate_person",
                f"one person (same name and phone) under staff ids {ids}",
                feature=group["staff_id"].iloc[0],
                field="name",
            )
    for staff_id, phone in people[["staff_id", "phone"]].dropna().itertuples(index=False):
        if not _PHONE.match(str(phone)):
            findings.add(
                "warning",
                "bad_value",
                "the phone number looks malformed",
                feature=staff_id,
                field="phone",
            )


def _role(value: object, label: object, findings: LayerFindings) -> str | None:
    text = (
        None
        if value is None or (isinstance(value, float) and pd.isna(value))
        else str(value).strip()
    )
    role = ROLE_ALIASES.get(text or "", (text or "").lower().replace(" ", "_").replace("-", "_"))
    if role not in STAFF_ROLES:
        findings.add(
            "error",
            "bad_value",
            f"role {value!r} is not one of {', '.join(STAFF_ROLES)}",
            feature=label,
            field="role",
        )
        return None
    return role


def _codes(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    return [code for code in _SPLIT.split(str(value).strip()) if code]


def assignable_codes(grids: pd.DataFrame) -> set[str]:
    """Grid codes of a plan plus the 12-digit community and 9-digit street codes above them."""
    codes = {str(c) for c in grids["code"]}
    return codes | {c[:12] for c in codes if len(c) > 12} | {c[:9] for c in codes if len(c) >= 12}


def without_personal(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without names and phone numbers."""
    return frame.drop(columns=[c for c in PERSONAL_FIELDS if c in frame.columns])
