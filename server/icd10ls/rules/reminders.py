"""Notes asking for another code: "use additional code" and "code also".

These are reminders, not errors: the note names codes that complete the
picture (the stage of chronic kidney disease for diabetic CKD, the skull
fracture with a brain injury) and only the record says whether they apply.
Only a code's own notes and those of its category or subcategory are used
(a chapter-wide "use additional code" would remind on every code of the
chapter), notes qualified "if applicable" and lists of examples ("such as:")
are left out, and one finding is made per note and encounter however many
codes inherit it.  A sequela code (7th character S) gets no reminder, nor
do notes that list several conditions after a lead-in (any of which some
patients have) or name only factors influencing health status (Z codes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..findings import Severity
from .engine import EncounterContext
from .facts import CODE_ALSO, USE_ADDITIONAL, CodeFacts
from ..codeset.noterefs import CodeRef
from .notes import NoteEntry, NoteRef, note_ref, shortened
from .registry import ENCOUNTER, rule

_LABELS = {"useAdditionalCode": "Use additional", "codeAlso": "Code also"}
# "code to identify manifestation, such as: ..." lists examples, not the codes the note asks for.
_SUCH_AS = re.compile(r"\bsuch as\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Reminder:
    """A note of one code naming other codes, with its message ready for when they are absent."""

    entry: NoteEntry
    refs: tuple[NoteRef, ...]
    categories: frozenset[str]
    message: str


def _is_sequela(facts: CodeFacts) -> bool:
    """A 7th character S code: the injury is over, its "code also any associated ..." notes
    (S02's intracranial injury) describe the acute injury, not what remains of it."""
    if not facts.seventh:
        return False
    chars = facts.kb.codeset.seventh_characters(facts.node)
    return "sequela" in ((chars.meaning(facts.seventh) if chars else None) or "").lower()


def _factors_only(refs: tuple[NoteRef, ...]) -> bool:
    """Notes naming only factors that influence health status (chapter 21: Z codes):
    "code also any therapeutic drug level monitoring (Z51.81)" on every Z79 code.  The
    circumstance belongs to some visits only, to code when the record says so."""
    return all(r.ref.first[0] == "Z" for r in refs)


def _alternatives(entry: NoteEntry) -> bool:
    """A lead-in and a list of several things: "use additional code to identify: chronic total
    occlusion (I25.82), exposure to environmental tobacco smoke (Z77.22), ..., tobacco use
    (Z72.0)" (I25), "control using: insulin (Z79.4), oral antidiabetic drugs (Z79.84)"
    (E11), "code also any associated: open wound of head (S01.-), skull fracture (S02.-)"
    (S06).  Each item is a condition some patients have, not something the code lacks;
    a note naming one thing ("stage of chronic kidney disease (N18.1-N18.6)") is."""
    return bool(entry.lead) and len([t for t in entry.texts if t != entry.lead]) > 1


def _manifestations_only(facts: CodeFacts, entry: NoteEntry, refs: tuple[NoteRef, ...]) -> bool:
    """"Use additional code to identify: autonomic neuropathy in diseases classified elsewhere
    (G99.0), calculus of urinary tract in diseases classified elsewhere (N22), ..." (M10, M1A):
    the manifestations the disease may cause, each coded only when the record documents it."""
    items = [t for t in entry.texts if t != entry.lead] or list(entry.texts)
    if all("classified elsewhere" in t.lower() for t in items):
        return True
    cs = facts.kb.codeset
    nodes = [cs.node_index(r.ref.first) for r in refs]
    return all(node is not None and facts.kb.is_manifestation(node) for node in nodes)


def reminders_of(facts: CodeFacts, kind: str) -> tuple[Reminder, ...]:
    """The code's own (or its category's) notes of `kind` naming codes, not "if applicable"."""
    out = []
    if _is_sequela(facts):
        return ()
    for entry in facts.entries(kind):
        if not entry.from_code or entry.conditional or not entry.refs or _SUCH_AS.search(entry.lead):
            continue
        refs = tuple(r for r in entry.refs if not r.ref.covers(facts.code))
        if not refs or _factors_only(refs) or _alternatives(entry) or _manifestations_only(facts, entry, refs):
            continue
        quoted = entry.sentence()
        label = _LABELS[kind]
        if kind == "useAdditionalCode" and not quoted.lower().startswith("code"):
            quoted = "code " + quoted
        named = ", ".join(dict.fromkeys(r.ref.written for r in refs))
        message = (f"{facts.code}: no code of this encounter is among {named}; add one if the record documents "
                   f"it (the note at {entry.source} says \"{shortened(label + ' ' + quoted, 120)}\")")
        categories = frozenset(c for c in entry.categories
                               if any(c in _ref_categories(facts, r) for r in refs))
        out.append(Reminder(entry, refs, categories, message))
    return tuple(out)


# -- as plain records, kept with the code's facts on disk (`facts.to_record`) -------------


def to_plain(reminders: tuple[Reminder, ...]) -> tuple:
    return tuple((_entry_plain(r.entry), tuple(map(_ref_plain, r.refs)), r.categories, r.message)
                 for r in reminders)


def from_plain(plain: tuple) -> tuple[Reminder, ...]:
    return tuple(Reminder(_entry(entry), tuple(map(_ref, refs)), categories, message)
                 for entry, refs, categories, message in plain)


def _ref_plain(ref: NoteRef) -> tuple:
    r = ref.ref
    return r.first, r.last, r.written, r.start, r.end, r.qualifier, r.seventh, ref.text


# Records read back name the same notes and references again and again (every code below
# a category carries its notes): each is made once.
_made: dict[tuple, object] = {}


def _ref(plain: tuple) -> NoteRef:
    ref = _made.get(plain)
    if ref is None:
        *fields, text = plain
        ref = _made[plain] = note_ref(CodeRef(*fields), text)
    return ref  # type: ignore[return-value]


def _entry_plain(entry: NoteEntry) -> tuple:
    return (entry.kind, entry.source, entry.source_kind, entry.lead, entry.texts,
            tuple(map(_ref_plain, entry.refs)), entry.categories)


def _entry(plain: tuple) -> NoteEntry:
    entry = _made.get(plain)
    if entry is None:
        kind, source, source_kind, lead, texts, refs, categories = plain
        entry = _made[plain] = NoteEntry(kind, source, source_kind, lead, texts, tuple(map(_ref, refs)), categories)
    return entry  # type: ignore[return-value]


def _ref_categories(facts: CodeFacts, ref: NoteRef) -> frozenset[str]:
    from .notes import ref_categories

    return ref_categories(facts.kb.codeset, ref.ref.first, ref.ref.last)


def _remind(ctx: EncounterContext, rule_id: str, attribute: str) -> None:
    items = ctx.items
    categories = ctx.categories
    done: set[tuple] = set()
    for dx, facts in items:
        for reminder in getattr(facts, attribute):
            entry = reminder.entry  # an inherited note is the same for all the codes below it
            key = (entry.source, entry.kind, entry.lead, entry.texts)
            if key in done:
                continue
            done.add(key)
            touched = () if reminder.categories.isdisjoint(categories) else reminder.categories & categories
            if touched and any(r.covers(other.code, unknown_qualifier_covers=True)
                               for _, other in items if other is not facts and other.code[:3] in touched
                               for r in reminder.refs):
                continue
            ctx.report(rule_id, dx.code_span, reminder.message, facts.code)


@rule("use-additional-code", Severity.INFORMATION, ENCOUNTER, "I.B.7, I.A.13",
      "a 'use additional code' note whose codes are all absent", trigger=USE_ADDITIONAL)
def use_additional_code(ctx: EncounterContext) -> None:
    """A "use additional code" note says that a secondary code completes the description:
    the stage of chronic kidney disease with `E11.22`, the organism with an infection, the
    manifestation with an etiology code (Official Guidelines I.B.7, I.A.13).  This reminder
    appears when none of the codes the note names is in the encounter.  It is information
    only: the record decides whether the additional condition is present."""
    _remind(ctx, "use-additional-code", "use_additional")


@rule("code-also", Severity.INFORMATION, ENCOUNTER, "I.A.17",
      "a 'code also' note whose codes are absent", trigger=CODE_ALSO)
def code_also(ctx: EncounterContext) -> None:
    """A "code also" note says that two codes may be needed to describe a condition fully,
    without saying which comes first (Official Guidelines I.A.17): a skull fracture (`S02`)
    with an associated intracranial injury (`S06`).  This reminder appears when none of
    the codes the note names is in the encounter; it is information only.  A note listing
    several conditions after a lead-in ("any associated: open wound of head, skull
    fracture" at `S06`) names what some patients have, and reminds no one."""
    _remind(ctx, "code-also", "code_also")
