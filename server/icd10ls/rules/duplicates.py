"""The same code reported twice in one encounter."""

from __future__ import annotations

from ..findings import Related, Severity
from .engine import DUPLICATE, EncounterContext
from .moves import delete_line
from .registry import ENCOUNTER, rule


@rule("duplicate-code", Severity.WARNING, ENCOUNTER, "I.B.12",
      "the same code twice in one encounter", trigger=DUPLICATE)
def duplicate_code(ctx: EncounterContext) -> None:
    """Each unique ICD-10-CM code is reported only once for an encounter, even for a
    bilateral condition without a bilateral code or for two conditions that share one code
    (Official Guidelines I.B.12).  The later line is reported; the fix deletes it, and is
    safe (`--fix` applies it) when the line is an exact copy of the first one, so that
    nothing written on it is lost."""
    lines = ctx.file.lines
    first_seen: dict[str, tuple] = {}
    for dx, facts in ctx.items:
        earlier = first_seen.get(facts.code)
        if earlier is None:
            first_seen[facts.code] = (dx, facts)
            continue
        first_dx = earlier[0]
        exact = lines[dx.line].strip() == lines[first_dx.line].strip()
        message = f"{facts.code} is already reported on line {first_dx.line + 1} of this encounter"
        if not exact:
            message += " (the lines differ: merge what they say before deleting one)"
        ctx.report("duplicate-code", dx.code_span, message, facts.code,
                   [Related(first_dx.code_span, facts.code, f"first {facts.code}")],
                   [delete_line(ctx.file, dx.line, f"Delete line {dx.line + 1}", safe=exact)])
