"""Fixes that move or remove whole diagnosis lines.

Sequencing problems are fixed by changing the order of lines, not of codes
inside a line: a line's POA flag, free text and `# allow:` comment belong to
its code and must travel with it.  Line endings stay where they are, so a
CRLF file stays CRLF.
"""

from __future__ import annotations

from ..encounter import EncounterFile, Span
from ..findings import Fix, TextEdit


def move_line_up(file: EncounterFile, line: int, above: int, title: str) -> Fix:
    """Move `line` so that it comes right before `above`; the lines between shift down."""
    lines = file.lines
    order = [line, *range(above, line)]
    edits = tuple(TextEdit(Span(target, 0, len(lines[target])), lines[source])
                  for target, source in zip(range(above, line + 1), order))
    return Fix(title, edits)


def delete_line(file: EncounterFile, line: int, title: str, safe: bool = False) -> Fix:
    return Fix(title, (TextEdit.delete_line(line, len(file.lines[line])),), safe=safe, preferred=safe)
