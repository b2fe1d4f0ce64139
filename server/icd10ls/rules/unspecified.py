"""Unspecified (NOS) codes that have more specific siblings."""

from __future__ import annotations

import re

from ..codeset.codes import compact, dotted
from .findings import Severity
from ..codeset.specificity import NEC, NEC_NOS, NOS, classify
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


def more_specific(facts: CodeFacts) -> list[str]:
    """Billable siblings that say more than an NOS code: NEC ("other") ones first."""
    cs = facts.kb.codeset
    mine = classify(cs, facts.node)
    parent = cs.parent_of(facts.node)
    ranked: list[tuple[int, str]] = []
    for sibling in cs.children_of(parent) if parent >= 0 else ():
        if sibling == facts.node:
            continue
        code = _as_code(cs, sibling, facts.seventh)
        if code is None:
            continue
        spec = classify(cs, sibling)
        if spec.label == NOS and not (mine.laterality_unspecified and not spec.laterality_unspecified):
            continue
        ranked.append((0 if spec.label in (NEC, NEC_NOS) else 1, code))
    return [code for _, code in sorted(ranked, key=lambda item: item[0])]


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
    `L70.8` (other acne) first, then the specific acne codes."""
    if facts.status != VALID:
        return []
    cs = facts.kb.codeset
    if not _titled_unspecified(cs, facts.node) or classify(cs, facts.node).label != NOS:
        return []
    better = more_specific(facts)
    if not better:
        return []
    message = f"{facts.code} is unspecified (NOS); if the record says more, consider {listing(better)}"
    return [Problem("unspecified-code", message, replace_fixes(facts.kb, better, MAX_HINT_FIXES))]
