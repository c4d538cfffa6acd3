"""Declarative field mappings: a counterpart's file layout as data, applied by one engine.

Each YAML file under ``mappings/<counterpart>/`` says how a file's columns, positions,
XPaths or JSON paths become Sangam's canonical fields (and back, for outbound files).
A new partner layout is a new file, never new code. See docs/MAPPINGS.md.
"""

from mappings.engine import (
    Format,
    MappedRecord,
    Mapping,
    MappingError,
    RecordError,
    apply_mapping,
    load_mapping,
    mapping_path,
    partition,
)
from mappings.writer import WriteResult, render_rows, write_csv

__all__ = [
    "Format",
    "MappedRecord",
    "Mapping",
    "MappingError",
    "RecordError",
    "WriteResult",
    "apply_mapping",
    "load_mapping",
    "mapping_path",
    "partition",
    "render_rows",
    "write_csv",
]
