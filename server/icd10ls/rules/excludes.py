"""Excludes1: two codes the classification says are never reported together."""

from __future__ import annotations

from ..findings import Related, Severity
from .engine import EncounterContext
from .facts import EXCLUDES1, CodeFacts
from .notes import NoteEntry, NoteRef, first_covering
from .registry import ENCOUNTER, rule


def excluded_by(facts: CodeFacts, code: str) -> tuple[NoteEntry, NoteRef] | None:
    """The Excludes1 note of `facts` (own or inherited) that covers `code`, if any."""
    return first_covering(facts, "excludes1", code)


@rule("excludes1", Severity.WARNING, ENCOUNTER, "I.A.12.a",
      "two codes of one encounter where an Excludes1 note of either covers the other", trigger=EXCLUDES1)
def excludes1(ctx: EncounterContext) -> None:
    """An Excludes1 note means "not coded here": the excluded condition is never reported
    with the code above the note, as with a congenital and an acquired form of the same
    condition (`H05.30` and `Q10.7`), or a specific and a non-specific form (`A15.4` and
    `A15.7`).  Notes of the code's category, section and chapter count too, and the test
    runs both ways.  The Official Guidelines (I.A.12.a) allow one exception: when the two
    conditions are unrelated, both codes may be reported.  That is why this is a warning:
    after checking the record, add `# allow: excludes1` to either line.  Excludes2 ("not
    included here") never triggers it."""
    items = ctx.items
    categories = ctx.categories
    seen: set[tuple[int, int]] = set()
    for i, (dx_a, a) in enumerate(items):
        if not a.flags & EXCLUDES1:
            continue
        if a.excludes1_categories.isdisjoint(categories):
            continue
        touched = a.excludes1_categories.intersection(categories)
        for j, (dx_b, b) in enumerate(items):
            if j == i or b.code[:3] not in touched or b.code == a.code or (min(i, j), max(i, j)) in seen:
                continue
            hit = excluded_by(a, b.code)
            if hit is None:
                continue
            seen.add((min(i, j), max(i, j)))
            entry, ref = hit
            (dx_first, first), (dx_later, later) = (items[i], items[j]) if i < j else (items[j], items[i])
            message = (f"{later.code} and {first.code} are not reported together: the Excludes1 note at "
                       f"{entry.source} says \"{entry.quote(ref)}\" (if the two conditions are unrelated, "
                       f"add '# allow: excludes1')")
            related = [Related(dx_first.code_span, first.code, f"{first.code}, the other code of the pair")]
            ctx.report("excludes1", dx_later.code_span, message, later.code, related)
