"""Options that say how to read a layer file, shared by ``geogrid import`` and ``geogrid
partition FILE`` so that both take the same words and read them by the same functions:
``--map field=COLUMN`` / ``--mapping FILE`` (:mod:`geogrid.io.mapping`) and ``--source-crs``
(:func:`geogrid.crs.to_storage_crs`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geogrid.io import FieldMapping, load_mapping_file, merge_mappings, parse_map_options

MapOption = Annotated[
    list[str] | None,
    typer.Option("--map", "-m", help="field=COLUMN (or layer.field=COLUMN), e.g. --map name=MC"),
]
MappingFile = Annotated[Path | None, typer.Option("--mapping", help="A JSON or TOML field mapping")]
SourceCrs = Annotated[
    str | None,
    typer.Option(
        "--source-crs",
        help="The CRS when the file has none or it is wrong: EPSG:4490, gcj02, bd09",
    ),
]


def field_mapping(options: list[str] | None, path: Path | None) -> FieldMapping:
    """The mapping of ``--map`` options over that of a ``--mapping`` file (``--map`` wins)."""
    mapping = parse_map_options(options or [])
    if path is not None:
        mapping = merge_mappings(load_mapping_file(path), mapping)
    return mapping
