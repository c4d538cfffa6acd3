"""CPU used by other processes (PostgreSQL backends, server workers), read from Linux /proc.

Benchmarks on a shared machine say little in wall time; CPU per item does. A process's
own CPU is ``time.process_time()``; this module reads anyone else's.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def ticks(pid: int) -> int:
    """Return the user + system CPU of process ``pid`` in clock ticks (0 once it is gone)."""
    try:
        # why rsplit on ")": the command name in field 2 may itself contain spaces
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def seconds(*pids: int | Iterable[int]) -> float:
    """Return the CPU seconds used so far by the given processes together."""
    flat = [p for x in pids for p in ([x] if isinstance(x, int) else x)]
    return sum(ticks(p) for p in flat) / TICK
