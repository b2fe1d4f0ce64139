"""What a coder sees when pointing at something in an encounter file.

Any code-shaped token (on a dx line, in a note, in a comment) is described
against the code set its encounter's date picks; a header key is explained.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .codeset.codes import CODE_TOKEN, normalize
from .codeset.dated import DateValidity
from .codeset.model import CodeSet
from .completion import HEADER_HELP
from .codeset.describe import describe, to_markdown
from .encounter import EncounterFile, Span

_KEY = re.compile(r"^\s*(encounter|date|setting|sex|age|discharge-status|note|dx|px)(?![\w-])", re.IGNORECASE)
# A code as written in prose: upper case, dotted (E11.22) or not (E1122), standing alone.  Words
# and numbers (HbA1c, B12 vitamin, COVID-19, 2026) do not have this shape or are not codes.
_PROSE_CODE = re.compile(r"(?<![A-Za-z0-9.])[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4}|[0-9A-Z]{1,4})?(?![A-Za-z0-9]|\.[A-Za-z0-9])")


@dataclass(frozen=True, slots=True)
class HoverResult:
    markdown: str
    span: Span


def token_at(line_text: str, character: int) -> tuple[str, int, int] | None:
    """The code-shaped token under the cursor (its end included), with its offsets."""
    for match in CODE_TOKEN.finditer(line_text):
        if match.start() <= character <= match.end():
            return match.group(0), match.start(), match.end()
        if match.start() > character:
            break
    return None


def codes_in_prose(line_text: str, codesets) -> list[tuple[str, int, int]]:
    """The codes written in a line of prose, canonical, with their offsets: code-shaped tokens
    that are a code in one of `codesets` (so `B12` in "vitamin B12" is not one)."""
    out = []
    for match in _PROSE_CODE.finditer(line_text):
        code = normalize(match.group(0))
        if code is not None and any(codeset.get(code) is not None for codeset in codesets):
            out.append((code, match.start(), match.end()))
    return out


def code_in_prose(line_text: str, character: int, codesets) -> tuple[str, int, int] | None:
    """The code of prose under the cursor (its end included)."""
    for found in codes_in_prose(line_text, codesets):
        if found[1] <= character <= found[2]:
            return found
    return None


def describe_code(code: str, codeset: CodeSet, others, note: str | None = None, suggest=None,
                  validity: DateValidity | None = None) -> str:
    """Markdown for a code, or for why it is not one in this code set; where CMS's table of the
    date decides validity, what it says."""
    return _describe_code(code, codeset, tuple(others), note, suggest, validity)


@lru_cache(maxsize=4096)
def _describe_code(code: str, codeset: CodeSet, others: tuple[CodeSet, ...], note: str | None,
                   suggest, validity: DateValidity | None) -> str:
    """Cached: a coder hovers the same few codes again and again, and code sets never change."""
    info = codeset.get(code)
    verdict = validity.explain(code, info is not None and info.billable) if validity is not None else None
    if verdict is not None and verdict[0] and (info is None or not info.billable):
        lines = [f"### {code}", ""]
        titled = next((c for c in others if c.get(code) is not None and c.is_billable(code)), None)
        if titled is not None:
            lines += [f"{titled.get(code).title} _(title from {titled.label})_", ""]
        text = "\n".join(lines + [verdict[1]])
    elif info is None:
        lines = [f"### {code}", "", f"Not a code in {codeset.label}."]
        valid_in = [c.fiscal_year for c in others if c.get(code) is not None]
        if valid_in:
            lines.append(f"Valid in FY{', FY'.join(map(str, valid_in))}.")
        if suggest is not None:
            hints = suggest(codeset, code)
            if hints:
                lines.append("Did you mean " + ", ".join(f"`{h}`" for h in hints) + "?")
        text = "\n".join(lines)
    else:
        text = to_markdown(describe(codeset, info, others))
        if verdict is not None:
            text = f"**{verdict[1]}**\n\n{text}" if not verdict[0] else f"{text}\n\n_{verdict[1]}_"
    if note:
        text += f"\n\n_{note}_"
    return text


def hover(file: EncounterFile, line: int, character: int, codeset_for_line, others: list[CodeSet],
          suggest=None) -> HoverResult | None:
    """`codeset_for_line(line)` returns (CodeSet, note) or (CodeSet, note, DateValidity | None) for
    the encounter the line belongs to."""
    if not 0 <= line < len(file.lines):
        return None
    text = file.lines[line]
    found = token_at(text, character)
    if found is not None:
        token, start, end = found
        code = normalize(token)
        if code is not None:
            codeset, note, *validity = codeset_for_line(line)
            if codeset is None:
                return None
            return HoverResult(describe_code(code, codeset, others, note, suggest, *validity),
                               Span(line, start, end))
    key = _KEY.match(text)
    if key is not None and key.start(1) <= character <= key.end(1):
        name = key.group(1).lower()
        return HoverResult(f"**{name}** — {HEADER_HELP[name]}", Span(line, key.start(1), key.end(1)))
    return None
