"""Files in: read (any common vector format) and map fields to the schema. Exports (files out)
are :mod:`geogrid.io.stream_export` and :mod:`geogrid.io.export_files`."""

from geogrid.io.mapping import (
    FieldMapping,
    alias_columns,
    apply_mapping,
    layer_for,
    load_mapping_file,
    merge_mappings,
    parse_map_options,
)
from geogrid.io.readers import SourceLayer, file_format, read_layers

__all__ = [
    "FieldMapping",
    "SourceLayer",
    "alias_columns",
    "apply_mapping",
    "file_format",
    "layer_for",
    "load_mapping_file",
    "merge_mappings",
    "parse_map_options",
    "read_layers",
]
