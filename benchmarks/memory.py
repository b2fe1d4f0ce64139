"""Resident memory of the language server once it holds both fiscal years and CMS's tables.

Each round spawns icd10ls, then the bare pygls server, and drives both the
same way: initialize, open an encounter file dated in FY2025, one dated in
FY2026 and one dated in FY2027 (validity from CMS's code tables; for icd10ls,
wait for all three diagnostics), then one completion by words (which needs the
search index).  Then psutil reads the process's RSS; the
peak (VmHWM) is noted beside it.
"""

from __future__ import annotations

from pathlib import Path

from . import lspclient
from .common import MIB, Config, Spec, at_most, join_notes, median
from .documents import encounter_file, query_file

NAME = "memory"
# Issue #6 sets no number for the server; issue #2 asks for resident memory with
# both years "well under the 185 MiB simple_icd_10_cm takes for one year".  The
# engine alone is held to 120 MiB (row 2e); the server, which also holds pygls
# and the search index, to 150 MiB: a fifth under that peer figure.
MEMORY = Spec("memory", "server RSS, both years and FY2027 validity", "MiB", "bare pygls server",
              (at_most("ours", 150, "≤ 150 MiB"),))
SPECS = (MEMORY,)


def _peak(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / MIB
    except (OSError, ValueError, IndexError):
        pass
    return None


def _session(server: lspclient.LspClient, is_ours: bool) -> tuple[float, float | None, str]:
    import psutil

    server.initialize()
    uris = []
    for date in ("2025-03-14", "2026-03-14", "2026-11-14"):
        uri = lspclient.document_uri(f"visits-{date}")
        server.open(uri, encounter_file(80, date))
        uris.append(uri)
    if is_ours:
        for uri in uris:
            server.diagnostics(uri, 1, timeout=60)
    text, cursors = query_file()
    queries = lspclient.document_uri("queries")
    server.open(queries, text)
    server.completion(queries, *cursors[0], timeout=120)
    return psutil.Process(server.pid).memory_info().rss / MIB, _peak(server.pid), server.errors_note()


def measure(cfg: Config) -> list:
    ours, bare, peaks = [], [], []
    logged = ""
    for _ in range(cfg.rounds(3, 1)):
        with lspclient.ours(cfg) as server:
            rss, peak, logged = _session(server, True)
        ours.append(rss)
        if peak is not None:
            peaks.append(peak)
        with lspclient.bare(cfg) as server:
            bare.append(_session(server, False)[0])
    note = join_notes(f"peak (VmHWM) {median(peaks):.1f} MiB" if peaks else "", logged)
    return [MEMORY.row(ours, bare, percentiles=False, note=note, extra={"peak_mib": peaks})]
