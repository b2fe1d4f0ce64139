"""Code references inside instructional notes.

Tabular notes name other codes in running text: a single code (`G47.63`), a
whole category or subcategory (`N40.-`), a range (`C00-C96`, `S06.1- to
S06.6-`), or lists of those, sometimes narrowed by a qualifier ("with 7th
character D").  Rules such as Excludes1 need these as structured references; a
token is only taken as a code when the code set knows it, so words such as
"vitamin B12" or "CD30" never turn into references.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .codes import compact
from .model import CodeSet

_CODE = r"[A-Z](?:[0-9][0-9A-Z]|[A-Z][0-9])(?:\.[0-9A-Z]{1,4})?"
_REFERENCE = re.compile(
    rf"(?<![A-Za-z0-9])({_CODE})(\.?-)?"
    rf"(?:\s*(?:-|–|\bto\b|\bthrough\b)\s*({_CODE})(\.?-)?)?"
    # A trailing dash may touch the next word: CMS writes "(S92.-with 7th character B)".
    r"(?:(?![A-Za-z0-9])|(?<=-)(?=[a-z]))"
)
# A qualifier may follow a category written with a bare dot: "(I69. with final characters -20)".
_SEVENTH_QUALIFIER = re.compile(
    r"^\.?\s*with (?:7th|seventh) characters? ([A-Z0-9](?:(?:,|,? or|,? and)\s+[A-Z0-9])*)\b"
)
# "(S52.- with open fracture 7th character)": the 7th characters whose meaning says so.
_SEVENTH_BY_MEANING = re.compile(r"^\.?\s*with ([a-z][a-z ]*?) (?:7th|seventh) characters?\b")
_QUALIFIER = re.compile(r"^\.?\s*(with [^,;)]*)")


@dataclass(frozen=True, slots=True)
class CodeRef:
    """One reference: a code (and everything below it) or an inclusive range."""

    first: str
    last: str
    written: str
    start: int  # offsets in the note text
    end: int
    qualifier: str = ""
    seventh: str = ""  # 7th characters the qualifier restricts the reference to

    @property
    def is_range(self) -> bool:
        return self.first != self.last

    def covers(self, code: str) -> bool:
        """Whether a canonical code falls under this reference (descendants included)."""
        if self.seventh:
            bare = compact(code)
            if len(bare) != 7 or bare[-1] not in self.seventh:
                return False
        if not self.is_range:
            return code.startswith(self.first)
        return (code >= self.first or code.startswith(self.first)) and code[: len(self.last)] <= self.last


@dataclass(frozen=True, slots=True)
class ParsedNote:
    text: str
    refs: tuple[CodeRef, ...]

    @property
    def text_only(self) -> bool:
        return not self.refs

    def covers(self, code: str) -> CodeRef | None:
        for ref in self.refs:
            if ref.covers(code):
                return ref
        return None


def _known(codeset: CodeSet, code: str) -> bool:
    return code in codeset or codeset.section_by_id(code) is not None


@lru_cache(maxsize=131072)
def parse_note(text: str, codeset: CodeSet) -> ParsedNote:
    refs: list[CodeRef] = []
    for match in _REFERENCE.finditer(text):
        first, last = match.group(1), match.group(3) or match.group(1)
        # A range's end points need not be codes themselves (CMS writes
        # "R10.1-R10.4-"); one known end is enough to trust the token.
        known = (_known(codeset, first), _known(codeset, last))
        if not (all(known) if first == last else any(known)):
            continue
        if last < first:
            continue
        rest = text[match.end():]
        qualifier, seventh = "", ""
        seventh_match = _SEVENTH_QUALIFIER.match(rest)
        meaning_match = _SEVENTH_BY_MEANING.match(rest)
        if seventh_match:
            qualifier = seventh_match.group(0).strip(" .")
            seventh = "".join(re.findall(r"\b([A-Z0-9])\b", seventh_match.group(1)))
        elif meaning_match and (seventh := _sevenths_meaning(codeset, first, meaning_match.group(1))):
            qualifier = meaning_match.group(0).strip(" .")
        else:
            other = _QUALIFIER.match(rest)
            if other:
                qualifier = other.group(1).strip()
        refs.append(CodeRef(first, last, match.group(0), match.start(), match.end(), qualifier, seventh))
    return ParsedNote(text, tuple(refs))


def _sevenths_meaning(codeset: CodeSet, code: str, words: str) -> str:
    """The 7th characters of `code` whose meaning contains `words` ("open fracture": B, C, E, ...)."""
    node = codeset.node_index(code)
    chars = codeset.seventh_characters(node) if node is not None else None
    if chars is None:  # defined below the category (S52.5- and the like): use the first definition
        below = codeset.billable_with_prefix(code)[:1]
        info = codeset.get(below[0]) if below else None
        chars = codeset.seventh_characters(info.node) if info is not None else None
    if chars is None:
        return ""
    return "".join(c for c, meaning in chars.characters if words.lower() in meaning.lower())


def resolve(ref: CodeRef, codeset: CodeSet) -> list[str]:
    """The billable codes a reference stands for in a code set."""
    if ref.is_range:
        codes = codeset.billable_in_range(ref.first, ref.last)
    else:
        codes = codeset.billable_with_prefix(ref.first)
    if ref.seventh:
        codes = [c for c in codes if len(compact(c)) == 7 and c[-1] in ref.seventh]
    return codes
