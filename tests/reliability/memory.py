"""The process's peak resident memory over a stretch of work, to catch unbounded allocation.

On Linux the kernel's high-water mark (VmHWM) can be reset (``/proc/self/clear_refs``), so the peak
is exactly that of the stretch, even if an earlier test peaked higher. Elsewhere the lifetime peak
(``ru_maxrss``) is the fallback: it still rises past any earlier peak when something runs away.
"""

from __future__ import annotations

import re
import resource
import sys
from pathlib import Path

MIB = 1024 * 1024
_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")
_RESET_PEAK = "5"  # clear_refs: reset the peak resident set size


def _status_kib(field: str) -> int | None:
    try:
        match = re.search(rf"^{field}:\s+(\d+) kB", _STATUS.read_text(), re.MULTILINE)
    except OSError:
        return None
    return int(match.group(1)) if match else None


def _lifetime_peak_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB elsewhere


class PeakMemory:
    """``start()`` after the warm-up; ``growth()``: how far the peak rose above the resident size then."""

    def __init__(self) -> None:
        self.baseline = 0
        self._exact = False

    def start(self) -> None:
        current = _status_kib("VmRSS")
        try:
            _CLEAR_REFS.write_text(_RESET_PEAK)
            self._exact = current is not None
        except OSError:
            self._exact = False
        self.baseline = current * 1024 if self._exact and current is not None else _lifetime_peak_bytes()

    def growth(self) -> int:
        peak = _status_kib("VmHWM") if self._exact else None
        return (peak * 1024 if peak is not None else _lifetime_peak_bytes()) - self.baseline
