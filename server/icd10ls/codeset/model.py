"""One fiscal year's ICD-10-CM code set, as the rest of icd10ls sees it.

A `CodeSet` wraps a compiled tabular index and answers the questions coders ask
of a code: does it exist, is it billable, what is its title, where does it sit
in the tree, which notes apply to it (its own and inherited), which 7th
characters it takes.  Codes with a 7th character are not nodes of the tabular
list; they are the leaf below them plus one character, and `CodeInfo` models
both cases the same way.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path

from .codes import compact, normalize
from .tabular import KIND_CHAPTER, KIND_DIAG, KIND_SECTION, CompiledTabular

NOTE_LABELS = {
    "includes": "Includes",
    "inclusionTerm": "Inclusion terms",
    "excludes1": "Excludes1",
    "excludes2": "Excludes2",
    "codeFirst": "Code first",
    "useAdditionalCode": "Use additional code",
    "codeAlso": "Code also",
    "notes": "Notes",
    "sevenChrNote": "7th characters",
}


@dataclass(frozen=True, slots=True)
class Note:
    """An instructional note in effect for a code, with the node it comes from."""

    kind: str
    texts: tuple[str, ...]
    source: str  # name of the node carrying it: a code, a section id, or "Chapter N"
    source_kind: str
    inherited: bool

    @property
    def label(self) -> str:
        return NOTE_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True, slots=True)
class SeventhCharacters:
    """The 7th characters a code takes and the node whose definition applies."""

    source: str
    characters: tuple[tuple[str, str], ...]
    forbidden: str  # characters excluded for this code by a restriction note

    @property
    def allowed(self) -> tuple[tuple[str, str], ...]:
        return tuple((c, m) for c, m in self.characters if c not in self.forbidden)

    def meaning(self, char: str) -> str | None:
        return dict(self.characters).get(char)


class CodeInfo:
    """A code as written in an encounter: a tabular node, or a node plus a 7th character."""

    __slots__ = ("codeset", "code", "node", "seventh")

    def __init__(self, codeset: "CodeSet", code: str, node: int, seventh: str = "") -> None:
        self.codeset = codeset
        self.code = code
        self.node = node
        self.seventh = seventh

    def __repr__(self) -> str:
        return f"<CodeInfo {self.code} FY{self.codeset.fiscal_year}>"

    @property
    def kind(self) -> str:
        return self.codeset.kind_of(self.node) if not self.seventh else "code"

    @property
    def billable(self) -> bool:
        return self.codeset.is_billable(self.code)

    @property
    def title(self) -> str:
        base = self.codeset.title_of(self.node)
        if not self.seventh:
            return base
        meaning = self.seventh_characters.meaning(self.seventh) if self.seventh_characters else None
        return f"{base}, {meaning}" if meaning else base

    @property
    def base_code(self) -> str:
        """The tabular node's name (the code without its 7th character)."""
        return self.codeset.name_of(self.node)

    @property
    def seventh_characters(self) -> SeventhCharacters | None:
        return self.codeset.seventh_characters(self.node)

    @property
    def needs_seventh(self) -> bool:
        return not self.seventh and self.codeset.needs_seventh(self.node)

    @property
    def category(self) -> str:
        return self.code[:3]


def _section_key(name: str) -> tuple[str, str]:
    first, _, last = name.partition("-")
    return first, last or first


class CodeSet:
    """A compiled ICD-10-CM code set for one fiscal year (one release)."""

    def __init__(self, compiled: CompiledTabular, *, fiscal_year: int, effective: date, release: str,
                 digest: str = "", cache_dir: Path | None = None) -> None:
        self.compiled = compiled
        self.digest = digest  # SHA-256 of the source file: caches derived from the code set are keyed by it
        self.cache_dir = cache_dir  # where those caches live (None: nowhere, they are made each time)
        self.fiscal_year = fiscal_year
        self.effective = effective
        self.release = release
        c = compiled
        self._names = c.names
        self._titles = c.titles
        self._kinds = c.kinds
        self._parents = c.parents
        self._children = c.children
        self._notes = c.notes
        # Section ids such as "B10" come just before the category of the same name,
        # so the category wins; chapter numbers and ranges are never code-shaped.
        self._diag_index = dict(zip(c.names, range(len(c.names))))
        self._billable = dict(zip(c.billable_codes, c.billable_nodes))

    @cached_property
    def _sorted_billable(self) -> list[str]:
        return sorted(self.compiled.billable_codes)

    @property
    def label(self) -> str:
        return f"ICD-10-CM FY{self.fiscal_year}"

    # -- nodes -------------------------------------------------------------
    def kind_of(self, node: int) -> str:
        kind = self._kinds[node]
        if kind == KIND_CHAPTER:
            return "chapter"
        if kind == KIND_SECTION:
            return "section"
        name = self._names[node]
        if len(name) == 3:
            return "category"
        return "subcategory" if self._children[node] else "code"

    def name_of(self, node: int) -> str:
        return self._names[node]

    def title_of(self, node: int) -> str:
        return self._titles[node]

    def display_name(self, node: int) -> str:
        return f"Chapter {self._names[node]}" if self._kinds[node] == KIND_CHAPTER else self._names[node]

    def parent_of(self, node: int) -> int:
        return self._parents[node]

    def children_of(self, node: int) -> tuple[int, ...]:
        return self._children[node]

    def node_index(self, code: str) -> int | None:
        node = self._diag_index.get(code)
        return node if node is not None and self._kinds[node] == KIND_DIAG else None

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, code: str) -> bool:
        return self.node_index(code) is not None or code in self._billable

    def ancestors(self, node: int) -> list[int]:
        """Nearest first: subcategories, category, sections, chapter."""
        chain = []
        node = self._parents[node]
        while node >= 0:
            chain.append(node)
            node = self._parents[node]
        return chain

    def chapters(self) -> list[int]:
        return [i for i, k in enumerate(self._kinds) if k == KIND_CHAPTER]

    # -- codes -------------------------------------------------------------
    def get(self, text: str) -> CodeInfo | None:
        """The code (canonical, with or without a 7th character), or None if not in this set."""
        code = normalize(text)
        if code is None:
            return None
        node = self.node_index(code)
        if node is not None:
            return CodeInfo(self, code, node)
        node = self._billable.get(code)
        if node is not None:
            return CodeInfo(self, code, node, code[-1])
        return None

    def is_billable(self, code: str) -> bool:
        return code in self._billable

    def billable_codes(self) -> list[str]:
        """Every billable code in document order."""
        return self.compiled.billable_codes

    def all_codes(self) -> list[str]:
        """Every diag node in document order (headers and leaves, without 7th characters)."""
        return [n for i, n in enumerate(self._names) if self._kinds[i] == KIND_DIAG]

    def billable_with_prefix(self, prefix: str) -> list[str]:
        """Billable codes whose canonical form starts with `prefix`, sorted."""
        codes = self._sorted_billable
        # "\x7f" sorts after every character a code has: the end of the codes below `prefix`.
        return codes[bisect.bisect_left(codes, prefix):bisect.bisect_right(codes, prefix + "\x7f")]

    def billable_below(self, node: int) -> list[str]:
        """Billable codes at or below a node (any kind), in document order."""
        kind = self._kinds[node]
        if kind == KIND_DIAG:
            return self.billable_with_prefix(self._names[node])
        first, last = self.range_of(node)
        return self.billable_in_range(first, last)

    def billable_in_range(self, first: str, last: str) -> list[str]:
        """Billable codes from `first` through everything below `last`, sorted."""
        codes = self._sorted_billable
        return codes[bisect.bisect_left(codes, first):bisect.bisect_right(codes, last + "\x7f")]

    def range_of(self, node: int) -> tuple[str, str]:
        kind = self._kinds[node]
        if kind == KIND_SECTION:
            return self.compiled.section_ranges[node]
        if kind == KIND_CHAPTER:
            sections = [c for c in self._children[node] if self._kinds[c] == KIND_SECTION]
            ranges = [self.compiled.section_ranges[s] for s in sections]
            return min(r[0] for r in ranges), max(r[1] for r in ranges)
        name = self._names[node]
        return name, name

    def section_by_id(self, section_id: str) -> int | None:
        return self._sections.get(section_id.upper())

    @cached_property
    def _sections(self) -> dict[str, int]:
        return {self._names[i]: i for i in self.compiled.section_ranges}

    def chapter_by_number(self, number: str) -> int | None:
        for node in self.chapters():
            if self._names[node] == str(number):
                return node
        return None

    # -- notes -------------------------------------------------------------
    def own_notes(self, node: int) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return self._notes.get(node, ())

    def notes_in_effect(self, node: int) -> list[Note]:
        """The code's own notes, then every ancestor's, nearest first, each labelled with its source."""
        return list(_notes_in_effect(self, node))

    def notes_of_kind(self, node: int, kind: str) -> list[Note]:
        return [n for n in _notes_in_effect(self, node) if n.kind == kind]

    # -- 7th characters ------------------------------------------------------
    def seventh_characters(self, node: int) -> SeventhCharacters | None:
        return _seventh_characters(self, node)

    def needs_seventh(self, node: int) -> bool:
        return self._kinds[node] == KIND_DIAG and not self._children[node] and self.seventh_characters(node) is not None


@lru_cache(maxsize=65536)
def _notes_in_effect(codeset: CodeSet, node: int) -> tuple[Note, ...]:
    out: list[Note] = []
    chain = [node, *codeset.ancestors(node)]
    for depth, current in enumerate(chain):
        kind = codeset.kind_of(current)
        source = codeset.display_name(current)
        for note_kind, texts in codeset.own_notes(current):
            out.append(Note(note_kind, texts, source, kind, depth > 0))
    return tuple(out)


@lru_cache(maxsize=65536)
def _seventh_characters(codeset: CodeSet, node: int) -> SeventhCharacters | None:
    compiled = codeset.compiled
    definitions = None
    source = ""
    forbidden = ""
    name = codeset.name_of(node)
    padded = compact(name) + "X" * max(0, 6 - len(compact(name)))
    current = node
    while current >= 0 and compiled.kinds[current] == KIND_DIAG:
        if definitions is None and current in compiled.seventh_definitions:
            definitions = compiled.seventh_definitions[current]
            source = compiled.names[current]
        for sixth, chars in compiled.seventh_restrictions.get(current, ()):
            if len(padded) >= 6 and padded[5] == sixth:
                forbidden += chars
        current = compiled.parents[current]
    if definitions is None:
        return None
    return SeventhCharacters(source, definitions, forbidden)

