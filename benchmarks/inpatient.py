"""Inpatient coding: what the editor shows after an edit, and `icd10ls drg` beside CMS's grouper.

1. A 5,000-line file of inpatient stays (POA flags, procedures): change one
   digit of a code, then time from the didChange to the arrival of its
   diagnostics, the code lenses (MS-DRG per stay) and the inlay hints of the
   screen around the edit, as an editor asks for them.
2. `icd10ls drg` on 10,000 stays (reading the file, parsing, grouping, JSON
   lines) against msdrg's grouper called directly on the same claims, already
   built, in the same process: throughput ratio, target >= 0.8.
"""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

from .common import Config, Spec, at_least, at_most, join_notes
from .documents import dx_lines
from .edit import edit_rounds

NAME = "inpatient"
LINES = 5000
STAYS = 10_000
EDIT = Spec("inpatient-edit", f"inpatient edit -> diagnostics + code lens + inlay, {LINES:,}-line file", "ms", "",
            (at_most("ours", 150, "median ≤ 150 ms"),))
DRG = Spec("drg-throughput", f"icd10ls drg, {STAYS:,} stays (stays/s)", "stays/s", "msdrg grouper direct",
           (at_least("ratio", 0.8, "≥ 0.8× the grouper"),))
SPECS = (EDIT, DRG)
SCREEN = 60  # lines of inlay hints an editor asks for

# Principal diagnoses that group to different DRGs, secondary codes of every severity and
# procedures; all valid in FY2026.  Each stay takes its own combination, so no two claims
# are the same (a repeated claim would be answered from memory).
_PRINCIPALS = ("I50.21", "A41.51", "J18.9", "S72.001A", "K35.80", "I21.4", "J44.1", "N39.0", "I63.9", "K92.2")
_SECONDARY = ("N17.9", "I50.23", "J96.01", "E11.9", "R65.20", "E87.1", "I10", "E11.65", "E66.9", "I25.10",
              "E78.5", "N18.31", "D62", "F32.A", "Z79.4", "J45.909", "K21.9", "G47.33", "E03.9", "M81.0")
_PROCEDURES = ((), ("02703DZ",), ("0SR9019",), ("0DTJ4ZZ",), ("02703DZ", "5A1955Z"), ())


def _stay(number: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    count = 2 + number % 4
    start = (number * 7) % len(_SECONDARY)
    secondary = tuple(_SECONDARY[(start + i * (1 + number % 3)) % len(_SECONDARY)] for i in range(count))
    principal = _PRINCIPALS[number % len(_PRINCIPALS)]
    return (principal, *dict.fromkeys(c for c in secondary if c != principal)), \
        _PROCEDURES[number % len(_PROCEDURES)]


def stays_file(count: int | None = None, lines: int | None = None, date: str = "2026-05-14") -> str:
    out: list[str] = []
    number = 0
    while (count is not None and number < count) or (lines is not None and len(out) < lines):
        codes, procedures = _stay(number)
        number += 1
        sex = "FMU"[(number // 4980) % 3]  # 4,980 = the period of the other choices
        out += [f"encounter S{number:05d}", f"date: {date}", "setting: inpatient", f"sex: {sex}",
                f"age: {18 + number % 83}"]
        out += [f"dx: {code}  poa=Y" for code in codes] + [f"px: {px}" for px in procedures] + [""]
    return "\n".join(out[:lines] if lines is not None else out) + "\n"


def measure(cfg: Config) -> list:
    rows = []
    for spec, run in ((EDIT, _edit), (DRG, _drg)):
        try:
            rows.append(run(cfg))
        except Exception as error:  # noqa: BLE001 - one broken figure must not hide the other
            rows.append(spec.error(f"{type(error).__name__}: {error}"))
    return rows


def _edit(cfg: Config):
    text = stays_file(lines=LINES)
    samples, open_ms, diagnostics, logged = edit_rounds(cfg, text, "inpatient", dx_lines(text), _everything)
    note = f"opening it: {open_ms:.0f} ms to its {diagnostics} diagnostics"
    return EDIT.row(samples, note=join_notes(note, logged), extra={"open_ms": open_ms, "lines": LINES})


def _everything(server, uri: str, version: int, line: int) -> float:
    """The diagnostics, then the code lenses and the inlay hints of the screen, as an editor asks."""
    server.diagnostics(uri, version, timeout=30)
    top = max(0, line - SCREEN // 2)
    lens, _ = server.send_request("textDocument/codeLens", {"textDocument": {"uri": uri}})
    hints, _ = server.send_request("textDocument/inlayHint", {
        "textDocument": {"uri": uri},
        "range": {"start": {"line": top, "character": 0}, "end": {"line": top + SCREEN, "character": 0}}})
    server.answer(lens, timeout=30)
    return server.answer(hints, timeout=30)[0]


def _drg(cfg: Config):
    import msdrg  # the peer: CMS's grouper, called directly

    from icd10ls.cli.drg import run
    from icd10ls.encounter import parse
    from icd10ls.inpatient.claims import claim_of

    text = stays_file(count=STAYS)
    claims = [claim_of(e) for e in parse(text).encounters]
    prepared = [c.to_msdrg(c.drg_version) for c in claims]
    distinct = len(set(claims))
    ours, peer = [], []
    with tempfile.TemporaryDirectory() as directory, msdrg.MsdrgGrouper() as grouper:
        path = Path(directory) / "stays.enc"
        path.write_text(text)
        for _ in range(cfg.rounds(3, 1)):
            started = time.perf_counter()
            for claim in prepared:
                grouper.group(claim)
            peer.append(STAYS / (time.perf_counter() - started))
            out = io.StringIO()
            started = time.perf_counter()
            run([str(path)], "json", out, io.StringIO())
            ours.append(STAYS / (time.perf_counter() - started))
            assert out.getvalue().count("\n") == STAYS
    row = DRG.row(ours, peer, percentiles=False, note=f"{distinct:,} distinct claims")
    row.extra["ratio"] = row.ratio
    return row
