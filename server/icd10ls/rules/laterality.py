"""A right and a left code of one condition when a bilateral code exists.

Codes of one condition that differ only by side are siblings whose titles
differ only in the word "right" or "left"; the bilateral code is the sibling
whose title has "bilateral" at that place (`H65.91`/`H65.92` and `H65.93`), or,
for codes titled "Unilateral ...", the code of the parent's "Bilateral ..."
sibling (`M17.11`/`M17.12` and `M17.0`).  Titles are compared, not code
characters, because the character meaning "bilateral" differs from one
category to the next.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..codeset.codes import compact, dotted
from ..codeset.model import CodeSet
from ..findings import Fix, Related, Severity, TextEdit
from .engine import EncounterContext
from .facts import LATERAL, VALID, CodeFacts, Lateral
from .registry import ENCOUNTER, rule

_WORD = re.compile(r"[a-z0-9'\-]+")
_SIDES = ("right", "left")


def _words(title: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(title.lower()))


@lru_cache(maxsize=32768)
def _bilateral_sibling(cs: CodeSet, node: int, prefix: tuple[str, ...]) -> int | None:
    """The sibling whose title reads like `prefix` followed by "bilateral"."""
    parent = cs.parent_of(node)
    found = [s for s in cs.children_of(parent) if s != node
             and _words(cs.title_of(s))[:len(prefix) + 1] == (*prefix, "bilateral")]
    return found[0] if len(found) == 1 else None


@lru_cache(maxsize=32768)
def _bilateral_cousin(cs: CodeSet, node: int) -> int | None:
    """For a code under a "Unilateral ..." heading: that heading's "Bilateral ..." sibling."""
    parent = cs.parent_of(node)
    if parent < 0:
        return None
    words = _words(cs.title_of(parent))
    if not words or words[0] != "unilateral":
        return None
    wanted = ("bilateral", *words[1:])
    grand = cs.parent_of(parent)
    found = [s for s in cs.children_of(grand) if _words(cs.title_of(s)) == wanted]
    return found[0] if len(found) == 1 else None


def _lateral_seventh(facts: CodeFacts) -> Lateral | None:
    """A side given by the 7th character (E11.32-, E11.35-: 1 right eye, 2 left eye, 3 bilateral)."""
    cs = facts.kb.codeset
    chars = cs.seventh_characters(facts.node)
    if chars is None:
        return None
    words = _words(chars.meaning(facts.seventh) or "")
    sides = [w for w in words if w in _SIDES]
    if len(sides) != 1:
        return None
    bilateral = [c for c, meaning in chars.allowed if "bilateral" in _words(meaning)]
    if len(bilateral) != 1:
        return None
    name = dotted(compact(facts.code)[:6] + bilateral[0])
    if not cs.is_billable(name):
        return None
    return Lateral(sides[0], (facts.node, "7th"), name)


def lateral_of(facts: CodeFacts) -> Lateral | None:
    if facts.status != VALID:
        return None
    cs = facts.kb.codeset
    if facts.seventh:
        by_seventh = _lateral_seventh(facts)
        if by_seventh is not None:
            return by_seventh
    title = cs.title_of(facts.node)
    if "right" not in title and "left" not in title and "Right" not in title and "Left" not in title:
        return None
    words = _words(title)
    sides = [i for i, w in enumerate(words) if w in _SIDES]
    if len(sides) != 1:
        return None
    k = sides[0]
    bilateral = _bilateral_sibling(cs, facts.node, words[:k])
    if bilateral is None:
        bilateral = _bilateral_cousin(cs, facts.node)
    if bilateral is None:
        return None
    name = cs.name_of(bilateral)
    if facts.seventh:
        bare = compact(name)
        name = dotted(bare + "X" * (6 - len(bare)) + facts.seventh)
    if not cs.is_billable(name):
        return None
    key = (cs.parent_of(facts.node), words[:k], words[k + 1:], facts.seventh)
    return Lateral(words[k], key, name)


@rule("laterality", Severity.WARNING, ENCOUNTER, "I.B.13",
      "a right and a left code of one condition where a bilateral code exists", trigger=LATERAL)
def laterality(ctx: EncounterContext) -> None:
    """When a condition affects both sides and ICD-10-CM has a bilateral code, that one code
    is reported, not the right and the left codes; two side codes are only for conditions
    without a bilateral code (Official Guidelines I.B.13).  Otitis media of both ears is
    `H65.93`, not `H65.91` and `H65.92`.  Where the 7th character is the eye (`E11.32-`,
    `E11.35-`: 1 right, 2 left, 3 bilateral), `E11.3291` and `E11.3292` are `E11.3293`.  The fix writes the bilateral code on the first
    line and deletes the second."""
    by_key: dict[tuple, tuple] = {}
    for dx, facts in ctx.items:
        side = facts.lateral
        if side is None:
            continue
        other = by_key.get(side.key)
        if other is None:
            by_key[side.key] = (dx, facts)
            continue
        first_dx, first = other
        if first.lateral.side == side.side:
            continue
        bilateral = side.bilateral
        title = ctx.kb.codeset.get(bilateral).title
        message = (f"{first.code} and {facts.code} are the {first.lateral.side} and {side.side} sides of one "
                   f"condition: report the bilateral code {bilateral} ({title}) instead")
        fix = Fix(f"Replace both with {bilateral}",
                  (TextEdit(first_dx.code_span, bilateral),
                   TextEdit.delete_line(dx.line, len(ctx.file.lines[dx.line]))))
        ctx.report("laterality", dx.code_span, message, facts.code,
                   [Related(first_dx.code_span, first.code, f"{first.code}, the {first.lateral.side} side")], [fix])
        del by_key[side.key]
