"""What the rules need to know about one written code, worked out once per code set.

A file of ten thousand encounters names a few thousand distinct codes, and
every question the rules ask of a code (is it valid, which Excludes1 notes
apply, is it a manifestation, a sequela, one side of a bilateral pair) depends
only on the code and the code set.  `Knowledge` answers those questions once
per canonical code and keeps the answer (`CodeFacts`), so checking an
encounter is a few dictionary look-ups plus the pair tests of the codes that
have something to test.  `flags` tell the engine which encounter rules a code
can take part in, so a rule is not even called for encounters where it cannot
find anything.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Iterable

from ..codeset.codes import compact, dotted, pad_for_seventh
from ..codeset.model import CodeSet
from ..codeset.suggest import placeholder_readings  # noqa: F401  (where the rules read it)
from ..findings import Severity
from .notes import NoteEntry, NoteRef, entries_in_effect
from .scopes import guideline_flags

if TYPE_CHECKING:
    from ..codeset.dated import DateValidity
    from ..codeset.store import DataStore

# How a written code resolves in a code set.
VALID = "valid"  # a billable code
HEADER = "header"  # a category or subcategory with codes below it
NEEDS_SEVENTH = "needs-seventh"  # a code that is only complete with a 7th character
BAD_SEVENTH = "bad-seventh"  # a 7th character its code does not take
PLACEHOLDER = "placeholder"  # becomes a code once placeholder X are put right
OTHER_YEAR = "other-year"  # a code of another installed fiscal year only
UNKNOWN = "unknown"  # not an ICD-10-CM code in any installed year
# Where CMS's code table of the date decides (no installed file covers the date exactly):
NOT_ON_DATE = "not-on-date"  # a code of the installed file that the date's table does not have
VALID_ON_DATE = "valid-on-date"  # valid on the date, but not a code of the installed file

IN_CODE_SET = frozenset({VALID, HEADER, NEEDS_SEVENTH, BAD_SEVENTH, VALID_ON_DATE})

# Which encounter rules a code can take part in.
EXCLUDES1 = 1
CODE_FIRST = 2  # a "code first" note naming codes
UNDERLYING_FIRST = 4  # a "code first the underlying condition" note
MANIFESTATION = 8
EXTERNAL_CAUSE = 16
SEQUELA = 32
LATERAL = 64
USE_ADDITIONAL = 128
CODE_ALSO = 256

# "in diseases classified elsewhere", "in other diseases ...", "in infectious and parasitic
# diseases ...", "in conditions ..."; not "as the cause of" or "due to" (B95-B97, N52.1).
_MANIFESTATION_TITLE = re.compile(
    r"\bin\b(?:(?!\bdue to\b|\bcause of\b)[^,;])*?\b(?:diseases?|conditions?|disorders?|reactions?)\b"
    r"[^,;]*\bclassified elsewhere\b",
    re.IGNORECASE,
)
# "Code first the underlying ...", and the notes that ask the same in other words:
# "associated renal disease" (M10.3-), "associated neoplasm" (R53.0), "the infection" (Z16),
# "condition resulting from (sequela)" (B90-B94, G09, E64, O94).  "any associated" (N18,
# R40.2) does not: it asks for a code if there is such a condition.
_UNDERLYING_LEAD = re.compile(
    r"^\s*(?:the\s+)?(?:underlying\b|associated\b|infection\b|condition resulting from\b"
    r"|malignant neoplasm\b)", re.IGNORECASE)
_CAUSAL_CONDITION = re.compile(r"\bany causal condition\b", re.IGNORECASE)
# T36-T50: "Code first, for adverse effects, the nature of the adverse effect": it binds the
# adverse-effect codes only; a poisoning code comes before its manifestations (I.C.19.e.5).
_FOR_ADVERSE_EFFECTS = re.compile(r"^\W*for adverse effects?\b", re.IGNORECASE)
_ADVERSE_EFFECT_TITLE = re.compile(r"^adverse effect of\b", re.IGNORECASE)
# A title that itself says the condition rests on another one: "Delirium due to known
# physiological condition", "Secondary esophageal varices", "Vascular syndromes of brain in
# cerebrovascular diseases"; or names a condition that only exists as the response to an
# infection or a treatment (sepsis and SIRS, septic emboli, graft-versus-host disease,
# cytokine release and immune effector cell syndromes), a sequela (B90-B94, G09, E64, O94),
# a resistance to drugs (Z16) or a condition "related" to another (R53.0).  Then "code
# first the underlying ..." always has something to name.
_DEPENDENT_TITLE = re.compile(
    r"\bdue to\b|\bsecondary\b|\bin (?:[\w-]+ ){0,3}(?:diseases?|conditions?)\b"
    r"|\bsep(?:sis|tic)\b|\binflammatory response syndrome\b|\bgraft-versus-host\b"
    r"|\bcytokine release\b|\bimmune effector cell"
    r"|\bsequelae?\b|\bresistance to\b|\brelated\b",
    re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FixSpec:
    """A fix that replaces the code token; spans are added when a finding is made."""

    title: str
    new_code: str
    safe: bool = False
    preferred: bool = False


# Stands for the code as written in a problem's message: cached messages are per
# canonical code, but "T07A lacks its placeholder" reads better than "T07.A ...".
WRITTEN = "\x00"


@dataclass(frozen=True, slots=True)
class Problem:
    """A finding about a code on its own, independent of where it is written."""

    rule: str
    message: str
    fixes: tuple[FixSpec, ...] = ()
    severity: Severity | None = None  # None: the rule's severity


@dataclass(frozen=True, slots=True)
class Lateral:
    """One side of a condition that also has a bilateral code."""

    side: str  # "right" or "left"
    key: tuple  # the same for the right and the left code of one condition
    bilateral: str  # the bilateral code, with the same 7th character


class CodeFacts:
    """Everything the rules ask of one canonical code in one code set."""

    __slots__ = ("kb", "code", "status", "in_set", "node", "seventh", "candidates", "flags", "problems",
                 "__dict__")

    def __init__(self, kb: "Knowledge", code: str, status: str, node: int = -1, seventh: str = "",
                 candidates: tuple[str, ...] = ()) -> None:
        self.kb = kb
        self.code = code
        self.status = status
        self.in_set = status in IN_CODE_SET  # the pair and sequence rules look at these codes only
        self.node = node  # the tabular node (the code without a 7th character), -1 if none
        self.seventh = seventh
        self.candidates = candidates  # PLACEHOLDER: the codes the placeholder reading gives
        self.flags = 0
        self.problems: tuple[Problem, ...] = ()

    def __repr__(self) -> str:
        return f"<CodeFacts {self.code} {self.status} FY{self.kb.codeset.fiscal_year}>"

    @property
    def codeset(self) -> CodeSet:
        return self.kb.codeset

    @property
    def category(self) -> str:
        return self.code[:3]

    @cached_property
    def title(self) -> str:
        info = self.kb.codeset.get(self.code)
        if info is not None:
            return info.title
        if self.node >= 0:
            return self.kb.codeset.title_of(self.node)
        for other in self.kb.others():  # a code valid on the date that only another year titles
            info = other.get(self.code)
            if info is not None:
                return info.title
        return ""

    @cached_property
    def _entries(self) -> dict[str, tuple[NoteEntry, ...]]:
        return entries_in_effect(self.kb.codeset, self.node) if self.node >= 0 else {}

    def entries(self, kind: str) -> tuple[NoteEntry, ...]:
        """Notes of one kind in effect for the code (own, then inherited), as entries."""
        return self._entries.get(kind, ())

    # -- pair tests, prepared on first use ------------------------------------
    @cached_property
    def excludes1(self) -> tuple[tuple[NoteEntry, NoteRef], ...]:
        return tuple((e, r) for e in self.entries("excludes1") for r in e.refs)

    @cached_property
    def excludes1_categories(self) -> frozenset[str]:
        return _union(e.categories for e in self.entries("excludes1"))

    @cached_property
    def code_first(self) -> tuple[tuple[NoteEntry, NoteRef], ...]:
        """References of "code first" notes that say which code must precede this one."""
        return tuple((e, r) for e in self._code_first_entries for r in e.refs)

    @cached_property
    def is_adverse_effect(self) -> bool:
        """An "Adverse effect of ..." code (T36-T50, 6th character 5)."""
        return _ADVERSE_EFFECT_TITLE.match(self.title) is not None

    @cached_property
    def _binding_code_first(self) -> list[tuple[NoteEntry, str]]:
        """The code-first entries that bind this code, with their lead-in: T36-T50's "for adverse
        effects" one binds the adverse-effect codes only."""
        out = []
        for entry in self.entries("codeFirst"):
            lead = entry.lead or entry.texts[0]
            if self.is_adverse_effect or not _FOR_ADVERSE_EFFECTS.match(lead):
                out.append((entry, lead))
        return out

    @cached_property
    def _code_first_entries(self) -> list[NoteEntry]:
        return [e for e, lead in self._binding_code_first if not _CAUSAL_CONDITION.search(lead)]

    @cached_property
    def code_first_categories(self) -> frozenset[str]:
        return _union(e.categories for e in self._code_first_entries)

    @cached_property
    def underlying_first(self) -> NoteEntry | None:
        """A "code first the underlying condition" note: this code is never first-listed.  The
        nature of an adverse effect is such a condition for an adverse-effect code (I.C.19.e.5.a)."""
        for entry, lead in self._binding_code_first:
            if not entry.conditional and (_UNDERLYING_LEAD.match(lead) or _FOR_ADVERSE_EFFECTS.match(lead)):
                return entry
        return None

    @cached_property
    def underlying_is_certain(self) -> bool:
        """Whether the title (the code's, or an ancestor's up to its category) says there is an
        underlying condition; otherwise "code first the underlying ..." applies only when the
        record documents one (Official Guidelines I.B.7: "if known")."""
        cs = self.kb.codeset
        for node in [self.node, *cs.ancestors(self.node)]:
            if _DEPENDENT_TITLE.search(cs.title_of(node)):
                return True
            if cs.kind_of(node) == "category":
                break
        return False

    @cached_property
    def use_additional(self) -> tuple:
        from .reminders import reminders_of  # the concept lives with its rule

        return reminders_of(self, "useAdditionalCode")

    @cached_property
    def code_also(self) -> tuple:
        from .reminders import reminders_of

        return reminders_of(self, "codeAlso")

    @cached_property
    def lateral(self) -> Lateral | None:
        from .laterality import lateral_of

        return lateral_of(self)


def _union(sets: Iterable[frozenset[str]]) -> frozenset[str]:
    out: set[str] = set()
    for s in sets:
        out.update(s)
    return frozenset(out)


def _flags(facts: CodeFacts) -> int:
    flags = 0
    if facts.entries("excludes1"):
        if facts.excludes1:
            flags |= EXCLUDES1
    if facts.entries("codeFirst"):
        if facts.code_first:
            flags |= CODE_FIRST
        if facts.underlying_first is not None:
            flags |= UNDERLYING_FIRST
    if facts.kb.is_manifestation(facts.node):
        flags |= MANIFESTATION
    if facts.code[0] in "VWXY":
        flags |= EXTERNAL_CAUSE
    if facts.seventh and facts.status == VALID:
        chars = facts.kb.codeset.seventh_characters(facts.node)
        meaning = chars.meaning(facts.seventh) if chars else None
        if meaning and "sequela" in meaning.lower():
            flags |= SEQUELA
    if facts.entries("useAdditionalCode") and facts.use_additional:
        flags |= USE_ADDITIONAL
    if facts.entries("codeAlso") and facts.code_also:
        flags |= CODE_ALSO
    if facts.lateral is not None:
        flags |= LATERAL
    if facts.status == VALID:
        flags |= guideline_flags(facts.kb.codeset, facts.code, facts.node, facts.title, facts.seventh)
    return flags


class Knowledge:
    """The per-code-set cache of `CodeFacts`, and the code-set questions several rules share."""

    def __init__(self, codeset: CodeSet, store: "DataStore | None", code_rules: Iterable,
                 validity: "DateValidity | None" = None) -> None:
        self.codeset = codeset
        self.store = store
        self.validity = validity  # CMS's table of the date, when the file does not cover it exactly
        self._code_rules = tuple(code_rules)
        self._facts: dict[str, CodeFacts] = {}
        self._lock = threading.Lock()
        self._others: list[CodeSet] | None = None
        # Facts kept on disk (`factcache`): records by code, and the records made since.
        self.stored: dict[str, tuple] | None = None
        self.fresh: dict[str, tuple] = {}

    @property
    def known(self) -> dict[str, CodeFacts]:
        """The facts made so far, by code (read-only: the engine's fast path)."""
        return self._facts

    def facts(self, code: str) -> CodeFacts:
        """Facts for a canonical code (as `codes.normalize` writes it)."""
        facts = self._facts.get(code)
        if facts is None:
            facts = self._make(code)
            with self._lock:
                facts = self._facts.setdefault(code, facts)
        return facts

    def _make(self, code: str) -> CodeFacts:
        stored = self.stored
        if stored is not None:
            record = stored.get(code)
            if record is not None:
                return from_record(self, code, record)
        facts = resolve(self, code)
        if facts.node >= 0 and facts.status in IN_CODE_SET:
            facts.flags = _flags(facts)
        problems = []
        for rule in self._code_rules:
            problems.extend(rule.run(facts) or ())
        facts.problems = tuple(problems)
        if stored is not None:
            self.fresh[code] = to_record(facts)
        return facts

    # -- other fiscal years --------------------------------------------------
    def others(self) -> list[CodeSet]:
        """The other installed code sets, nearest year first (loaded on first need)."""
        if self._others is None:
            others: list[CodeSet] = []
            if self.store is not None:
                years = sorted(self.other_years(), key=lambda y: (abs(y - self.codeset.fiscal_year), -y))
                others = [self.store.for_year(y) for y in years]
            self._others = others
        return self._others

    def other_years(self) -> list[int]:
        """The other installed fiscal years (without loading their code sets)."""
        if self.store is None:
            return []
        return [y for y in self.store.fiscal_years() if y != self.codeset.fiscal_year]

    def in_other_year(self, code: str) -> bool:
        """Whether another installed year has the code (see `DataStore.has_code`)."""
        if self._others is not None or self.store is None:
            return any(code in other for other in self.others())
        return any(self.store.has_code(year, code) for year in self.other_years())

    def years_valid(self, code: str) -> list[int]:
        """Other installed fiscal years in which the code is billable."""
        return sorted(cs.fiscal_year for cs in self.others() if cs.is_billable(code))

    # -- shared questions ----------------------------------------------------
    def is_manifestation(self, node: int) -> bool:
        """Titled, or under a title, "in diseases classified elsewhere" (sections and chapters aside)."""
        cached = self._manifestation.get(node)
        if cached is None:
            cs = self.codeset
            if cs.kind_of(node) in ("chapter", "section"):
                return False
            parent = cs.parent_of(node)
            cached = bool(_MANIFESTATION_TITLE.search(cs.title_of(node))) or (
                parent >= 0 and self.is_manifestation(parent))
            self._manifestation[node] = cached
        return cached

    @cached_property
    def _manifestation(self) -> dict[int, bool]:
        return {}

    @cached_property
    def titles(self) -> dict[str, list[str]]:
        """Billable codes by lower-case title: finds a code that moved or was renamed."""
        out: dict[str, list[str]] = {}
        cs = self.codeset
        for code in cs.billable_codes():
            info = cs.get(code)
            if info is not None:
                out.setdefault(info.title.lower(), []).append(code)
        return out

    def nearest_node(self, code: str) -> int | None:
        """The longest existing node the code starts with (itself, or an ancestor)."""
        bare = compact(code)
        for length in range(min(len(bare), 6), 2, -1):
            node = self.codeset.node_index(dotted(bare[:length]))
            if node is not None:
                return node
        return None

    def with_seventh(self, node: int) -> list[tuple[str, str]]:
        """(code, meaning) for each 7th character a node allows."""
        chars = self.codeset.seventh_characters(node)
        if chars is None:
            return []
        base = pad_for_seventh(self.codeset.name_of(node))
        return [(compact_join(base, c), meaning) for c, meaning in chars.allowed]


# -- facts as plain records (what `factcache` keeps on disk) ---------------------

# Kept with the record too: the cheap first tests of the pair rules and the reminders
# (their messages are what a file of distinct codes mostly shows), which every encounter
# asks of each of its codes; the rest is worked out on use, for the few codes that need it.
_KEPT = ("excludes1_categories", "code_first_categories")
_REMINDERS = ("use_additional", "code_also")


def to_record(facts: CodeFacts) -> tuple:
    """What a code's facts are made of, as marshal-friendly tuples."""
    from .reminders import to_plain

    problems = tuple((p.rule, p.message, None if p.severity is None else int(p.severity),
                      tuple((f.title, f.new_code, f.safe, f.preferred) for f in p.fixes))
                     for p in facts.problems)
    kept = (*(getattr(facts, name) for name in _KEPT), *(to_plain(getattr(facts, name)) for name in _REMINDERS))
    return facts.status, facts.node, facts.seventh, facts.candidates, facts.flags, problems, kept


def from_record(kb: Knowledge, code: str, record: tuple) -> CodeFacts:
    status, node, seventh, candidates, flags, problems, kept = record
    facts = CodeFacts(kb, code, status, node, seventh, candidates)
    facts.flags = flags
    if problems:
        facts.problems = tuple(
            Problem(rule, message, tuple(FixSpec(*fix) for fix in fixes),
                    None if severity is None else Severity(severity))
            for rule, message, severity, fixes in problems)
    # What the cached properties would compute.
    values = facts.__dict__
    for name, value in zip(_KEPT, kept):
        values[name] = value
    for name, value in zip(_REMINDERS, kept[len(_KEPT):]):
        values[name] = _from_plain(value) if value else ()
    return facts


def _from_plain(plain: tuple) -> tuple:
    from .reminders import from_plain

    return from_plain(plain)


def compact_join(base: str, seventh: str) -> str:
    return dotted(compact(base) + seventh)


# -- resolution ----------------------------------------------------------------


def resolve(kb: Knowledge, code: str) -> CodeFacts:
    """How a code reads in the code set; where CMS's table of the date decides, as it says."""
    facts = _resolve_in_file(kb, code)
    if kb.validity is None:
        return facts
    valid = kb.validity.valid(code)
    if facts.status == VALID:
        return facts if valid else CodeFacts(kb, code, NOT_ON_DATE, facts.node, facts.seventh)
    if valid:
        return CodeFacts(kb, code, VALID_ON_DATE)
    return facts


def _resolve_in_file(kb: Knowledge, code: str) -> CodeFacts:
    cs = kb.codeset
    info = cs.get(code)
    if info is not None:
        if info.billable:
            return CodeFacts(kb, code, VALID, info.node, info.seventh)
        if info.needs_seventh:
            return CodeFacts(kb, code, NEEDS_SEVENTH, info.node)
        return CodeFacts(kb, code, HEADER, info.node)
    if kb.in_other_year(code):
        return CodeFacts(kb, code, OTHER_YEAR)
    bare = compact(code)
    if len(bare) == 7:
        base = cs.node_index(dotted(bare[:6]))
        if base is not None and not cs.children_of(base):
            return CodeFacts(kb, code, BAD_SEVENTH, base, bare[6])
    candidates = placeholder_readings(cs, bare)
    if candidates:
        return CodeFacts(kb, code, PLACEHOLDER, candidates=candidates)
    return CodeFacts(kb, code, UNKNOWN)
