"""Files in and out: read (any common vector format), map fields to the schema, write."""

from geogrid.io.mapping import (
    FieldMapping,
    apply_mapping,
    layer_for,
    load_mapping_file,
    merge_mappings,
    parse_map_options,
)
from geogrid.io.readers import SourceLayer, file_format, read_layers
from geogrid.io.writers import EXPORT_FORMATS, export_format, to_export_crs, write_layers

__all__ = [
    "EXPORT_FORMATS",
    "FieldMapping",
    "SourceLayer",
    "apply_mapping",
    "export_format",
    "file_format",
    "layer_for",
    "load_mapping_file",
    "merge_mappings",
    "parse_map_options",
    "read_layers",
    "to_export_crs",
    "write_layers",
]
