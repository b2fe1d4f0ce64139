"""7th characters and the placeholder X.

Where a category takes a 7th character, a code without one is invalid, the
character must be one the category defines (and not one a restriction note
excludes), and it must stand in the 7th position, with placeholder X filling
the gap.  Put right, a missing X changes nothing a coder chose, so that fix is
safe when only one code fits; choosing a 7th character is never safe.
"""

from __future__ import annotations

import re

from ..codeset.codes import compact, dotted, pad_for_seventh
from ..findings import Severity
from .facts import BAD_SEVENTH, NEEDS_SEVENTH, PLACEHOLDER, WRITTEN, CodeFacts, FixSpec, Knowledge, Problem
from .registry import CODE, rule
from .validity import titled

_RESTRICTION = re.compile(r"\bdo(?:es)? not apply\b", re.IGNORECASE)


def _seventh_fixes(kb: Knowledge, node: int) -> tuple[FixSpec, ...]:
    return tuple(FixSpec(f"{code}: {meaning}", code) for code, meaning in kb.with_seventh(node))


def _choices(kb: Knowledge, node: int) -> str:
    chars = kb.codeset.seventh_characters(node)
    return ", ".join(f"{c} ({meaning})" for c, meaning in chars.allowed) if chars else ""


@rule("missing-7th-character", Severity.ERROR, CODE, "I.A.5, I.A.2",
      "a code whose category requires a 7th character, written without one")
def missing_seventh(facts: CodeFacts) -> list[Problem]:
    """Some categories (injuries, poisonings, fractures, glaucoma stages, ...) require a 7th
    character for every code: a code that has an applicable 7th character is invalid
    without it (Official Guidelines I.A.5, I.A.2).  `S52.521` alone cannot be reported;
    `S52.521A` (initial encounter for closed fracture) can.  The message lists the
    characters; their meanings are in the quick fixes and the hover.  The fixes add each allowed
    7th character, with placeholder X where the code is shorter than six characters
    (`T07` becomes `T07.XXXA`)."""
    if facts.status != NEEDS_SEVENTH:
        return []
    kb = facts.kb
    chars = kb.codeset.seventh_characters(facts.node)
    padded = pad_for_seventh(facts.code)
    filler = f", after placeholder X ({padded}_)" if compact(padded) != compact(facts.code) else ""
    letters = ", ".join(c for c, _meaning in chars.allowed) if chars is not None else ""
    # The meanings go to the quick fixes and the hover: sixteen of them do not fit a tooltip.
    message = (f"{facts.code} needs a 7th character{filler}: {letters} (the quick fixes say what each "
               f"means)")
    return [Problem("missing-7th-character", message, _seventh_fixes(kb, facts.node))]


@rule("invalid-7th-character", Severity.ERROR, CODE, "I.A.5",
      "a 7th character the code's category does not allow")
def invalid_seventh(facts: CodeFacts) -> list[Problem]:
    """The 7th character must be one the category's 7th-character note lists, and a
    restriction note can exclude some of them for certain codes: in category S06, 7th
    characters D and S do not apply to codes whose 6th character is 7 or 8 (death before
    regaining consciousness), so `S06.1X7D` is invalid (Official Guidelines I.A.5).  A
    7th character on a code that takes none is also reported here.  The fixes are the
    allowed characters."""
    if facts.status != BAD_SEVENTH:
        return []
    kb, cs = facts.kb, facts.kb.codeset
    base = cs.name_of(facts.node)
    chars = cs.seventh_characters(facts.node)
    char = facts.seventh
    if chars is None:
        message = f"{WRITTEN}: {titled(kb, base)} takes no 7th character"
        return [Problem("invalid-7th-character", message, (FixSpec(f"Replace with {base}", base),))]
    if char in chars.forbidden and chars.meaning(char):
        restriction = next((t for note in cs.notes_of_kind(facts.node, "notes") for t in note.texts
                            if _RESTRICTION.search(t)), "")
        why = f"7th character {char} ({chars.meaning(char)}) does not apply to {base}"
        if restriction:
            why += f': "{restriction}"'
    else:
        why = f"{char} is not a 7th character of {chars.source}"
    message = f"{WRITTEN}: {why}; allowed: {_choices(kb, facts.node)}"
    return [Problem("invalid-7th-character", message, _seventh_fixes(kb, facts.node))]


@rule("placeholder", Severity.ERROR, CODE, "I.A.4, I.A.5",
      "placeholder X missing or misplaced")
def placeholder(facts: CodeFacts) -> list[Problem]:
    """Where a code needs a 7th character but has fewer than six characters, placeholder X
    fill the empty positions, and some codes carry an X as a placeholder for future
    expansion (the poisoning codes T36-T50): without the X the code is not valid
    (Official Guidelines I.A.4, I.A.5).  `T07A` means `T07.XXXA`, `S03.40A` means
    `S03.40XA` and `T36.01A` means `T36.0X1A`.  When exactly one code fits, the fix is
    safe and `--fix` applies it; when the written code also lacks its 7th character
    the fixes offer each one."""
    if facts.status != PLACEHOLDER:
        return []
    kb = facts.kb
    readings = facts.candidates
    complete = [c for c in readings if kb.codeset.is_billable(c)]
    if complete:
        if len(complete) == 1:
            message = f"{WRITTEN} lacks its placeholder X: the code is {titled(kb, complete[0])}"
            return [Problem("placeholder", message,
                            (FixSpec(f"Write {complete[0]}", complete[0], safe=True, preferred=True),))]
        message = f"{WRITTEN} lacks placeholder X; it can be read as {' or '.join(complete)}"
        return [Problem("placeholder", message, tuple(FixSpec(f"Replace with {titled(kb, c)}", c)
                                                       for c in complete))]
    fixes: list[FixSpec] = []
    for reading in readings:
        node = kb.codeset.node_index(reading)
        if node is not None:
            fixes.extend(_seventh_fixes(kb, node))
    shown = " or ".join(dotted(compact(r)) for r in readings)
    message = (f"{WRITTEN} lacks placeholder X: it is {shown}, "
               f"which also needs a 7th character")
    return [Problem("placeholder", message, tuple(fixes))]
