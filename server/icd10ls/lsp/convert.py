"""Positions between the engine (code points) and LSP clients (UTF-16 code units).

The engine's spans count Python characters; VS Code counts UTF-16 units, so an
emoji before a code shifts the column by one.  Client positions may also be
out of range (a stale position after an edit): they are clamped, never trusted.
"""

from __future__ import annotations

from lsprotocol import types

from ..encounter import Span


def utf16_length(text: str) -> int:
    if text.isascii():
        return len(text)
    # A lone surrogate (JSON can carry one, e.g. "\ud800") is one unit, as in from_client_character.
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def to_client_character(line_text: str, character: int) -> int:
    if line_text.isascii():
        return min(character, len(line_text))
    return utf16_length(line_text[:character])


def from_client_character(line_text: str, units: int) -> int:
    """Code-point offset for a UTF-16 offset; one that splits a surrogate pair rounds down."""
    if units <= 0:
        return 0
    if line_text.isascii():
        return min(units, len(line_text))
    counted = 0
    for index, char in enumerate(line_text):
        width = 2 if ord(char) > 0xFFFF else 1
        if counted + width > units:
            return index
        counted += width
    return len(line_text)


def position_to_engine(lines: list[str], position: types.Position) -> tuple[int, int]:
    if not lines:
        return 0, 0
    line = min(max(position.line, 0), len(lines) - 1)
    if position.line >= len(lines):
        return line, len(lines[line])
    return line, from_client_character(lines[line], position.character)


def span_to_range(lines: list[str], span: Span) -> types.Range:
    text = lines[span.line] if 0 <= span.line < len(lines) else ""
    return types.Range(
        start=types.Position(line=span.line, character=to_client_character(text, span.start)),
        end=types.Position(line=span.line, character=to_client_character(text, span.end)),
    )
