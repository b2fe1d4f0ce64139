"""Codes that are only first-listed, and codes that never are.

Some codes say why the patient came (a general examination, chemotherapy, the
birth of a liveborn infant) and are only reported first; others add
information to another code (the infectious agent, weeks of gestation, the
BMI, the outcome of delivery) and never are.  The lists are the guidelines'
(I.C.21.c.16, I.C.21.c.3, I.C.21.c.11) and the tabular notes' ("for use as
additional codes" at B95-B97 and Z16).
"""

from __future__ import annotations

from ..findings import Related, Severity
from .engine import EncounterContext
from .moves import move_line_up
from .registry import ENCOUNTER, rule
from .scopes import FIRST_ONLY, SECONDARY_ONLY, secondary_only
from .sequencing import first_item, report_order


@rule("additional-only", Severity.WARNING, ENCOUNTER, "I.C.21.c.3, I.C.21.c.11",
      "a code for use as an additional code only, listed first or alone", trigger=SECONDARY_ONLY)
def additional_only(ctx: EncounterContext) -> None:
    """Some codes only add information to another code and are never the principal or
    first-listed diagnosis: the infectious agent (B95-B97, "for use as supplementary or
    additional codes"), resistance to antimicrobial drugs (Z16, "for use as additional
    codes"), weeks of gestation (Z3A) and the outcome of delivery (Z37, "always a
    secondary code", Official Guidelines I.C.21.c.11), pregnant state, incidental
    (Z33.1) and the body mass index (Z68, with its associated diagnosis, I.C.21.c.3).
    `B96.20` (E. coli) follows the infection it identifies, `N39.0`.  The fix moves the
    first code that is not of this kind up."""
    first = first_item(ctx, SECONDARY_ONLY)
    if first is None:
        return
    dx, facts = first
    why = secondary_only(ctx.kb.codeset, facts.code, facts.node)
    other = next(((d, f) for d, f in ctx.items[1:] if not f.flags & SECONDARY_ONLY), None)
    where = "listed first" if len(ctx.items) > 1 else "the only code"
    message = (f"{facts.code} is {where}, but it is only an additional code ({why}); "
               f"list the condition it adds to first")
    report_order(ctx, "additional-only", first, other, message, "{other} may be what it adds to",
                 "Move {other} first")


@rule("first-listed-only", Severity.WARNING, ENCOUNTER, "I.C.21.c.16, I.C.16.a.2",
      "a code that may only be first-listed (Z00, Z38, Z51.1-, ...) listed after another", trigger=FIRST_ONLY)
def first_listed_only_rule(ctx: EncounterContext) -> None:
    """The Official Guidelines list Z codes that may only be the principal or first-listed
    diagnosis (I.C.21.c.16): general and special examinations (Z00, except Z00.6; Z01,
    Z02, Z04), supervision of a normal pregnancy (Z34), postpartum care (Z39),
    chemotherapy and radiation therapy (Z51.0, Z51.1-), donors (Z52, except Z52.9), and
    the liveborn infant of a birth record (Z38, I.C.16.a.2), among others.  The rule
    warns when such a code comes after another.  The guideline's one exception, several
    encounters of one day combined in one record, is what `# allow: first-listed-only`
    is for.  The fix moves it first."""
    items = ctx.items
    for dx, facts in items[1:]:
        if not facts.flags & FIRST_ONLY:
            continue
        what = "the principal diagnosis of the birth record" if facts.code.startswith("Z38") else \
            f"only the {ctx.first_name}"
        first_dx, first = items[0]
        message = f"{facts.code} ({facts.title}) is {what}; list it first"
        ctx.report("first-listed-only", dx.code_span, message, facts.code,
                   [Related(first_dx.code_span, first.code, f"{first.code}, listed first")],
                   [move_line_up(ctx.file, dx.line, first_dx.line, f"Move {facts.code} first")])
        return
