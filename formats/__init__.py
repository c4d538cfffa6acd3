"""Pure wire-format parsers and writers: bytes in -> typed records + typed errors out.

One module per format, each implementing :class:`formats.base.Format` and registered by
slug (``formats.base.get_format("nach_ach")``). No database, web or HTTP imports here.
"""

from formats.base import (
    ENTRY_POINT_GROUP,
    FILE_LEVEL,
    ControlCheck,
    Format,
    FormatWriteError,
    ParseResult,
    RecordError,
    WritableFormat,
    get_format,
    registry,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "FILE_LEVEL",
    "ControlCheck",
    "Format",
    "FormatWriteError",
    "ParseResult",
    "RecordError",
    "WritableFormat",
    "get_format",
    "registry",
]
