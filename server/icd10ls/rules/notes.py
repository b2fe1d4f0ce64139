"""Instructional notes as the rules read them: entries, lead-ins and narrowed references.

A tabular note element often is a lead-in and a list ("code first the
underlying condition, such as:" followed by examples); the lead-in decides how
the whole list is meant ("if applicable", "any associated"), so rules look at
entries, not at loose texts.  A reference may be narrowed by a qualifier
("E08-E13 with .42", "T36-T50 with fifth or sixth character 5"): a rule that
warns must not fire on the rest of the range, so each reference carries a test
built from its qualifier, and an unreadable qualifier is reported back as such
for the rule to decide which way to err.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from ..codeset.codes import compact
from ..codeset.model import CodeSet
from ..codeset.describe import leading_condition_apart
from ..codeset.noterefs import CodeRef, parse_note

_CONDITIONAL = re.compile(r"\bif (?:applicable|known|present|any|desired|documented)\b", re.IGNORECASE)
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "six": 6, "seventh": 7,
             "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "6th": 6, "7th": 7}
_POSITION = r"(first|second|third|fourth|fifth|sixth|six|seventh|final|[1-7](?:st|nd|rd|th))"
# "-20" in "with final characters -20" stands for the characters after the dash.
_CHARACTER_QUALIFIER = re.compile(
    rf"^with {_POSITION}(?:(?: or | to |-){_POSITION})?[- ]characters? [-.]?([0-9A-Z]+)(?:-\.?([0-9A-Z]+))?$",
    re.IGNORECASE,
)
_SUFFIX_QUALIFIER = re.compile(r"^with \.([0-9A-Z]+)(?:-\.([0-9A-Z]+))?-?$", re.IGNORECASE)

CodeTest = Callable[[str], bool]


def _position(word: str) -> int:
    word = word.lower()
    return 0 if word == "final" else _ORDINALS[word]


def _character_test(first: int, second: int | None, joined_by_to: bool, low: str, high: str) -> CodeTest:
    """Characters at fixed 1-based positions of the bare code (0 = the last before any 7th)."""

    def chars_at(bare: str, position: int, width: int) -> str:
        if position == 0:
            end = 6 if len(bare) == 7 else len(bare)
            return bare[end - width:end] if end >= width else ""
        return bare[position - 1:position - 1 + width]

    width = len(low)
    if joined_by_to and second is not None:  # "fifth to sixth characters 51": one run of characters
        positions = (first,)
    else:
        positions = (first,) if second is None else (first, second)

    def test(code: str) -> bool:
        bare = compact(code)
        for position in positions:
            value = chars_at(bare, position, width)
            if len(value) == width and low <= value <= high:
                return True
        return False

    return test


@lru_cache(maxsize=1024)
def qualifier_test(qualifier: str) -> CodeTest | None:
    """A test for the codes a qualifier keeps, or None if the qualifier is not understood."""
    text = " ".join(qualifier.split())
    m = _SUFFIX_QUALIFIER.match(text)
    if m:
        low = m.group(1).upper()
        high = (m.group(2) or m.group(1)).upper()
        return lambda code: _suffix_in(code, low, high)
    m = _CHARACTER_QUALIFIER.match(text)
    if m:
        first, second, low, high = m.group(1), m.group(2), m.group(3).upper(), (m.group(4) or m.group(3)).upper()
        if len(low) != len(high):
            return None
        joined_by_to = " to " in text.lower()
        return _character_test(_position(first), _position(second) if second else None, joined_by_to, low, high)
    return None


def _suffix_in(code: str, low: str, high: str) -> bool:
    """'E11.42' against '.42', or against '.51-.52' (the characters after the dot)."""
    rest = compact(code)[3:]
    value = rest[:len(low)]
    return len(value) == len(low) and low <= value <= high


@dataclass(frozen=True, slots=True)
class NoteRef:
    """A code reference inside a note, with the text to quote and its narrowing test."""

    ref: CodeRef
    text: str
    test: CodeTest | None  # from the qualifier; None when there is none
    understood: bool  # False when a qualifier could not be read

    def covers(self, code: str, *, unknown_qualifier_covers: bool) -> bool:
        if not self.ref.covers(code):
            return False
        if not self.understood:
            return unknown_qualifier_covers
        return self.test is None or self.test(code)


@dataclass(frozen=True, slots=True)
class NoteEntry:
    """One note element: its lead-in (when the first text ends with ':') and its texts."""

    kind: str
    source: str  # the node carrying the note: a code, a section id or "Chapter N"
    source_kind: str
    lead: str
    texts: tuple[str, ...]
    refs: tuple[NoteRef, ...]
    categories: frozenset[str]  # every category a reference can touch

    @property
    def conditional(self) -> bool:
        """'if applicable', 'if known' and the like: the note applies only when the record says so."""
        first = self.lead or (self.texts[0] if self.texts else "")
        return _CONDITIONAL.search(first) is not None

    @property
    def from_code(self) -> bool:
        """A note of a category, subcategory or code, not a general one of a section or chapter."""
        return self.source_kind not in ("chapter", "section")

    def sentence(self) -> str:
        """The whole note as one line: 'lead-in: item, item' or 'text; text'."""
        if self.lead:
            items = ", ".join(t.strip(" ,") for t in self.texts[1:])
            return f"{self.lead.strip(' ,')} {items}".strip()
        return "; ".join(t.strip(" ,") for t in self.texts)

    def quote(self, ref: NoteRef | None = None) -> str:
        """The words to quote in a message: the text naming the reference, after its lead-in."""
        text = ref.text if ref is not None else (self.texts[0] if self.texts else "")
        if self.lead and text != self.lead:
            return f"{self.lead.rstrip(':').strip(' ,')}: {text}"
        return text.strip(" ,")


def note_ref(ref: CodeRef, text: str) -> NoteRef:
    """A reference of a note's text, with the test its qualifier narrows it by."""
    if ref.qualifier and not ref.seventh:
        test = qualifier_test(ref.qualifier)
        return NoteRef(ref, text, test, test is not None)
    return NoteRef(ref, text, None, True)


def shortened(text: str, limit: int = 160) -> str:
    """A note's text cut at a word before `limit` characters: a message must fit a tooltip."""
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " ..."


def _note_refs(text: str, codeset: CodeSet) -> tuple[NoteRef, ...]:
    return tuple(note_ref(ref, text) for ref in parse_note(text, codeset).refs)


# An Excludes1 reference that spans this many categories names a kind of condition, not codes:
# T88.7's "specified adverse effects of drugs and medicaments (A00-R94 and T80-T88.6, T88.8)".
BROAD_CATEGORIES = 500
_CONDITION_IN = re.compile(r"^(.+?) in [a-z]", re.IGNORECASE)
_FILLER = frozenset({"and", "or", "the", "of", "a", "an", "with"})


def _with_words(title: str) -> set[str]:
    """The words after "with" in a title: "... with hypoglycemia with coma" gives hypoglycemia, coma."""
    lower = title.lower()
    at = lower.find(" with ")
    return set(re.findall(r"[a-z]+", lower[at:])) if at >= 0 else set()


def _excludes1_scope(codeset: CodeSet, refs: tuple[NoteRef, ...]) -> tuple[NoteRef, ...]:
    """Excludes1 references read as the note means them.

    A reference that spans most of the classification (T88.7) is dropped: paired with
    every code of an encounter it would only be noise.  A range of whole categories
    quoted for a condition "in" them, "somnolence, stupor and coma in diabetes (E08-E13)"
    (R40), stands for the codes of the range whose titles add that condition with "with"
    (the diabetes codes "with coma"), when the range has such codes; "psychosis in
    schizophrenia (F20-F29)" (F53) keeps its whole range, as no code there is "with
    psychosis".
    """
    out = []
    for r in refs:
        categories = ref_categories(codeset, r.ref.first, r.ref.last)
        if len(categories) >= BROAD_CATEGORIES:
            continue
        m = _CONDITION_IN.match(r.text[:r.ref.start].strip(" (")) if r.ref.is_range and r.test is None else None
        words = {w for w in re.findall(r"[a-z]+", m.group(1).lower()) if w not in _FILLER} if m else set()
        if words:
            codes = codeset.billable_in_range(r.ref.first, r.ref.last)
            named = frozenset(c for c in codes if words & _with_words(codeset.get(c).title))
            if named and len(named) * 4 <= len(codes):
                r = NoteRef(r.ref, r.text, named.__contains__, True)
        out.append(r)
    return tuple(out)


# The note kinds rules read; the others (includes, inclusion terms, ...) only matter to people.
RULE_KINDS = frozenset({"excludes1", "codeFirst", "useAdditionalCode", "codeAlso"})


@lru_cache(maxsize=262144)
def own_entries(codeset: CodeSet, node: int) -> tuple[NoteEntry, ...]:
    """The notes a node itself carries (of the kinds rules read), as entries."""
    out = []
    for kind, texts in codeset.own_notes(node):
        if kind not in RULE_KINDS:
            continue
        texts = leading_condition_apart(texts)
        lead = texts[0] if texts and texts[0].rstrip().endswith(":") else ""
        refs = tuple(r for text in texts for r in _note_refs(text, codeset))
        if kind == "excludes1":
            refs = _excludes1_scope(codeset, refs)
        categories = categories_of(codeset, refs)
        out.append(NoteEntry(kind, codeset.display_name(node), codeset.kind_of(node), lead, texts, refs,
                             categories))
    return tuple(out)


@lru_cache(maxsize=262144)
def entries_in_effect(codeset: CodeSet, node: int) -> dict[str, tuple[NoteEntry, ...]]:
    """The node's own entries, then its ancestors', nearest first, by kind.

    Kept per node and built on the parent's: the codes below one category share
    most of their notes, and a file of distinct codes asks for tens of thousands.
    The answer is shared: do not change it.
    """
    parent = codeset.parent_of(node)
    inherited = entries_in_effect(codeset, parent) if parent >= 0 else {}
    own = own_entries(codeset, node)
    if not own:
        return inherited
    out = dict(inherited)
    for kind in dict.fromkeys(entry.kind for entry in own):
        out[kind] = tuple(entry for entry in own if entry.kind == kind) + inherited.get(kind, ())
    return out


@lru_cache(maxsize=8)
def _categories(codeset: CodeSet) -> list[str]:
    return sorted({name[:3] for name in codeset.all_codes()})


@lru_cache(maxsize=65536)
def ref_categories(codeset: CodeSet, first: str, last: str) -> frozenset[str]:
    """The categories a reference can touch: a cheap first test before `covers`."""
    if first == last:
        return frozenset((first[:3],))
    categories = _categories(codeset)
    lo = bisect.bisect_left(categories, first[:3])
    hi = bisect.bisect_right(categories, last[:3])
    return frozenset(categories[lo:hi])


def first_covering(facts, kind: str, code: str, *, unknown_qualifier_covers: bool = False):
    """The first (entry, reference) of a code's `kind` notes ("excludes1", "code_first")
    covering `code`.  The categories the notes name are tested first: they are kept with
    the code's facts between runs, while the entries are worked out only when a pair passes.

    A reference narrowed by a qualifier that cannot be read covers nothing by
    default: a warning must not rest on a guess.
    """
    if code[:3] not in getattr(facts, f"{kind}_categories"):
        return None
    for entry, ref in getattr(facts, kind):
        if ref.covers(code, unknown_qualifier_covers=unknown_qualifier_covers):
            return entry, ref
    return None


def categories_of(codeset: CodeSet, refs: tuple[NoteRef, ...]) -> frozenset[str]:
    out: set[str] = set()
    for r in refs:
        out.update(ref_categories(codeset, r.ref.first, r.ref.last))
    return frozenset(out)
