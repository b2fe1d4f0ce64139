"""The encounter files the language-server benchmarks open.  Deterministic: no randomness."""

from __future__ import annotations

from .queries import SEARCH_QUERIES

# One bad code (E11.99 does not exist) after the example encounter.
SMALL = """encounter E1
date: 2026-03-14
setting: outpatient
dx: E11.22
dx: N18.4
dx: I12.9
dx: E11.99
"""
HOVER_LINE, HOVER_CHARACTER = 3, 6  # inside "E11.22"

# Realistic encounters; a few carry a mistake (a header code, a missing 7th character).
_ENCOUNTERS = (
    ("outpatient", ("E11.22", "N18.4", "I12.9")),
    ("outpatient", ("J44.1", "J96.01")),
    ("inpatient", ("A41.51", "R65.20", "N39.0", "N17.9")),
    ("outpatient", ("S03.40XA", "W01.0XXA")),
    ("outpatient", ("L70.0",)),
    ("inpatient", ("I50.23", "I11.0", "E87.1")),
    ("outpatient", ("M17.0", "Z79.01")),
    ("outpatient", ("E11.2", "N18.4")),
    ("outpatient", ("S52.521", "W09.1XXA")),
    ("outpatient", ("F33.1", "G43.009")),
)


def encounter_file(lines: int, date: str = "2026-03-14") -> str:
    """About `lines` lines of encounters (8 lines each with the blank line), all on one date."""
    out: list[str] = []
    number = 0
    while len(out) < lines:
        setting, codes = _ENCOUNTERS[number % len(_ENCOUNTERS)]
        number += 1
        block = [f"encounter B{number:05d}", f"date: {date}", f"setting: {setting}", "sex: F", "age: 64"]
        poa = "  poa=Y" if setting == "inpatient" else ""
        block += [f"dx: {code}{poa}" for code in codes]
        block.append("")
        out += block
    return "\n".join(out[:lines]) + "\n"


def dx_lines(text: str) -> list[tuple[int, int]]:
    """(line, index of the code's last character) of every `dx:` line whose code ends in a digit."""
    found = []
    for number, line in enumerate(text.split("\n")):
        if line.startswith("dx: "):
            code = line[4:].split()[0]
            if code[-1].isdigit():
                found.append((number, 4 + len(code) - 1))
    return found


def query_file(date: str = "2026-03-14") -> tuple[str, list[tuple[int, int]]]:
    """An encounter with one `dx: <query>` line per benchmark query, and the cursor at each line's end."""
    lines = ["encounter Q1", f"date: {date}", "setting: outpatient"]
    cursors = []
    for query in SEARCH_QUERIES:
        line = f"dx: {query}"
        cursors.append((len(lines), len(line)))
        lines.append(line)
    return "\n".join(lines) + "\n", cursors
