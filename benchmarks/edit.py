"""Diagnostics of a 5,000-line encounter file after a one-character edit.

icd10ls only (pinned to the server CPU): open the file, wait for its
diagnostics, then repeatedly change one digit of a code (an incremental
change, lines spread over the file) and time from the write of the
didChange to the arrival of the publishDiagnostics for that version.  The
server's ~50 ms debounce is part of the figure, as it is for a coder.
"""

from __future__ import annotations

from . import lspclient
from .common import Config, Spec, at_most, join_notes
from .documents import dx_lines, encounter_file

NAME = "edit"
LINES = 5000
EDIT = Spec("edit", f"diagnostics after a 1-character edit, {LINES:,}-line file", "ms", "",
            (at_most("ours", 150, "median ≤ 150 ms"),))
SPECS = (EDIT,)
WARM_UP = 2


def measure(cfg: Config) -> list:
    text = encounter_file(LINES)
    samples, open_ms, diagnostics, logged = edit_rounds(cfg, text, "large", dx_lines(text), _diagnostics)
    note = f"opening it: {open_ms:.0f} ms to its {diagnostics} diagnostics"
    return [EDIT.row(samples, note=join_notes(note, logged), extra={"open_ms": open_ms, "lines": LINES})]


def _diagnostics(server, uri: str, version: int, line: int) -> float:
    return server.diagnostics(uri, version, timeout=30)[0]


def edit_rounds(cfg: Config, text: str, name: str, places: list[tuple[int, int]], answered):
    """Open `text`, then change one digit at a time (at `places`, spread over the file) and time
    from the didChange to `answered(server, uri, version, line)`, the arrival of what is waited for.

    Returns (samples in ms, ms to the first diagnostics, their number, a note of logged errors)."""
    lines = text.split("\n")
    samples = []
    with lspclient.ours(cfg) as server:
        server.initialize()
        uri = lspclient.document_uri(name)
        opened = server.open(uri, text)
        arrived, params = server.diagnostics(uri, 1, timeout=120)
        open_ms = (arrived - opened) * 1000
        version = 1
        for number in range(cfg.rounds(30, 8) + WARM_UP):
            line, column = places[(number * 997) % len(places)]
            new = "2" if lines[line][column] == "1" else "1"
            lines[line] = lines[line][:column] + new + lines[line][column + 1:]
            version += 1
            sent = server.change(uri, version, line, column, column + 1, new)
            arrived = answered(server, uri, version, line)
            if number >= WARM_UP:
                samples.append((arrived - sent) * 1000)
        logged = server.errors_note()
    return samples, open_ms, len(params["diagnostics"]), logged
