"""Unspecified (NOS) codes that have more specific siblings, and codes that leave the side open."""

from __future__ import annotations

import re

from ..codeset.codes import compact, dotted
from ..findings import Severity
from ..codeset.specificity import NEC, NEC_NOS, NOS, Specificity, classify, classify_code
from .facts import VALID, CodeFacts, Problem
from .registry import CODE, rule
from .validity import listing, replace_fixes

MAX_HINT_FIXES = 3  # a hint's fixes are built for every occurrence: the message lists more


def _as_code(cs, node: int, seventh: str) -> str | None:
    name = cs.name_of(node)
    if seventh:
        bare = compact(name)
        name = dotted(bare + "X" * (6 - len(bare)) + seventh)
    return name if cs.is_billable(name) else None


def _sibling_choices(facts: CodeFacts, mine: Specificity, node: int | None = None) -> list[tuple[int, str, bool]]:
    """(rank, code or heading, billable) for the siblings that say more: NEC ("other") first,
    then specific codes, then headings (`I50.2-`) whose codes say more still.  When the
    siblings only differ by side under an unspecified heading ("Unspecified fracture of
    right patella", `S82.001-`), the heading's own siblings are the ones that say more."""
    cs = facts.kb.codeset
    node = facts.node if node is None else node
    parent = cs.parent_of(node)
    ranked: list[tuple[int, str, bool]] = []
    for sibling in cs.children_of(parent) if parent >= 0 else ():
        if sibling == node:
            continue
        spec = classify(cs, sibling)
        if spec.label == NOS and not (mine.laterality_unspecified and not spec.laterality_unspecified):
            continue
        code = _as_code(cs, sibling, facts.seventh)
        if code is not None:
            ranked.append((0 if spec.label in (NEC, NEC_NOS) else 1, code, True))
        elif cs.children_of(sibling):
            ranked.append((2, f"{cs.name_of(sibling)}-", False))
    if not ranked and node == facts.node and parent >= 0 and cs.kind_of(parent) != "category" \
            and _titled_unspecified(cs, parent) and classify(cs, parent).is_nos and _sides_only(cs, node):
        return _sibling_choices(facts, mine, parent)
    return sorted(ranked, key=lambda item: item[0])


_SIDE_WORDS = frozenset({"right", "left", "bilateral", "unspecified", "side"})


def _sides_only(cs, node: int) -> bool:
    """Whether the node's siblings differ from it by the side alone."""
    mine = re.findall(r"[a-z0-9']+", cs.title_of(node).lower())
    for sibling in cs.children_of(cs.parent_of(node)):
        other = re.findall(r"[a-z0-9']+", cs.title_of(sibling).lower())
        if len(other) != len(mine) or any(a != b and not {a, b} <= _SIDE_WORDS for a, b in zip(mine, other)):
            return False
    return True


def more_specific(facts: CodeFacts) -> list[str]:
    """Billable siblings that say more than an NOS code: NEC ("other") ones first."""
    mine = classify(facts.kb.codeset, facts.node)
    return [code for _, code, billable in _sibling_choices(facts, mine) if billable]


def _other_sevenths(facts: CodeFacts) -> list[str]:
    """The same code with each 7th character that does not leave the detail open."""
    cs = facts.kb.codeset
    chars = cs.seventh_characters(facts.node)
    out = []
    for char, _meaning in chars.allowed if chars else ():
        code = _as_code(cs, facts.node, char)
        if char != facts.seventh and code and not _leaves_open(classify_code(cs, facts.node, char)):
            out.append(code)
    return out


def _leaves_open(spec: Specificity) -> bool:
    return spec.is_nos or spec.laterality_unspecified


_UNSPECIFIED = re.compile(r"\bunspecified\b", re.IGNORECASE)


def _titled_unspecified(cs, node: int) -> bool:
    """Only codes whose title says "unspecified": a code that is NOS through an inclusion term
    (`G20.A1`, "Parkinson's disease NOS") is the default code of its condition, and its siblings
    are other conditions, not more detail."""
    return _UNSPECIFIED.search(cs.title_of(node)) is not None


@rule("unspecified-code", Severity.HINT, CODE, "I.A.9.b, I.B.18",
      "an unspecified (NOS) code where more specific codes exist")
def unspecified_code(facts: CodeFacts) -> list[Problem]:
    """"Unspecified" (NOS) codes are for records that lack the detail a more specific code
    needs (Official Guidelines I.A.9.b, I.B.18); they are acceptable, even necessary, when
    that is all the record says, which is why this is only a hint.  When the record
    documents more, the specific code (or, for a condition without a code of its own, the
    "other specified" NEC code) is the right one.  `L70.9` (acne, unspecified) lists
    `L70.8` (other acne) first, then the specific acne codes; `I50.9` lists the headings
    `I50.2-`, `I50.3-` whose codes say more.  A 7th character can leave the detail open
    too: `H40.1110` (stage unspecified) lists the staged codes.  Codes whose title serves
    a specified condition as well ("stage 1 through stage 4 chronic kidney disease, or
    unspecified chronic kidney disease", `I12.9`) and codes that are the default of an
    inclusion term ("Tubular necrosis NOS" at `N17.0`) are not NOS."""
    if facts.status != VALID:
        return []
    cs = facts.kb.codeset
    spec = classify_code(cs, facts.node, facts.seventh)
    if spec.is_nos and facts.seventh and spec.reason.startswith("7th character"):
        better = _other_sevenths(facts)
        if not better:
            return []
        message = (f"{facts.code} has {spec.reason}; "
                   f"if the record says more, consider {listing(better)}")
        return [Problem("unspecified-code", message, replace_fixes(facts.kb, better, MAX_HINT_FIXES))]
    if not _titled_unspecified(cs, facts.node) or classify(cs, facts.node).label != NOS:
        return []
    choices = _sibling_choices(facts, classify(cs, facts.node))
    if not choices:
        return []
    shown = [code for _, code, _billable in choices]
    billable = [code for _, code, is_billable in choices if is_billable]
    message = f"{facts.code} is unspecified (NOS); if the record says more, consider {listing(shown)}"
    return [Problem("unspecified-code", message, replace_fixes(facts.kb, billable, MAX_HINT_FIXES))]


@rule("unspecified-side", Severity.HINT, CODE, "I.B.13",
      "a code that leaves the side open where codes for each side exist")
def unspecified_side(facts: CodeFacts) -> list[Problem]:
    """A code whose title (or 7th character) says "unspecified side" or "unspecified eye" is
    right only when the record does not say; when it does, the code for the right side,
    the left side or both sides (Official Guidelines I.B.13) is the one to report.
    `S03.40XA` (sprain of jaw, unspecified side) lists `S03.41XA`, `S03.42XA`;
    `E11.3299` (unspecified eye) lists `E11.3291`, `E11.3292`, `E11.3293`.  A hint only:
    many records leave the side out.  An unspecified trimester is the `trimester`
    rule's, which reads the weeks of gestation (`Z3A`) of the encounter."""
    if facts.status != VALID:
        return []
    cs = facts.kb.codeset
    spec = classify_code(cs, facts.node, facts.seventh)
    if spec.is_nos or not spec.laterality_unspecified:
        return []  # an unspecified trimester is the `trimester` rule's: it reads the weeks (Z3A)
    if spec.laterality_unspecified and facts.seventh and not classify(cs, facts.node).laterality_unspecified:
        better = _other_sevenths(facts)
    else:
        better = [code for _, code, billable in _sibling_choices(facts, spec) if billable
                  and not _leaves_open(classify_code(cs, cs.get(code).node, facts.seventh))]
    if not better:
        return []
    message = f"{facts.code} leaves the side open; if the record documents it, consider {listing(better)}"
    return [Problem("unspecified-side", message, replace_fixes(facts.kb, better, MAX_HINT_FIXES))]
