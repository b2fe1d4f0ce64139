"""Combination codes: one code where the classification has one for two conditions together.

A combination code classifies two diagnoses, or a diagnosis with an associated
complication, in one code; reporting the parts instead is wrong (Official
Guidelines I.B.9).  The links checked here are the ones the classification
presumes or states in its titles: hypertension with heart disease or chronic
kidney disease (I.C.9.a), a code "without complications" beside a code of the
same category with one, and systolic with diastolic heart failure (I50.4-).
"""

from __future__ import annotations

from ..findings import Fix, Related, Severity, TextEdit
from .engine import EncounterContext
from .moves import delete_line
from .registry import ENCOUNTER, rule
from .scopes import (CKD, COMBINATION, HEART_DISEASE, HEART_FAILURE, HEART_KIDNEY, HYPERTENSION, HYPERTENSIVE, WITHOUT,
                     starts)

_SEVERE_CKD = ("N18.5", "N18.6")  # stage 5 and end stage renal disease
_WITH_FAILURE = ("I11.0", "I13.0", "I13.2")
_SEVERE_IN_CODE = ("I12.0", "I13.11", "I13.2")


def hypertension_code(codes: list[str]) -> str:
    """The one code for hypertension with the heart and kidney conditions of `codes` (I.C.9.a)."""
    hypertensive = [c for c in codes if starts(c, HYPERTENSIVE)]
    stages = [c for c in codes if c.startswith(CKD)]
    failure = any(c.startswith(HEART_FAILURE) for c in codes) or any(c.startswith(_WITH_FAILURE) for c in hypertensive)
    heart = failure or any(starts(c, HEART_DISEASE) for c in codes) or any(c[:3] in ("I11", "I13") for c in hypertensive)
    kidney = bool(stages) or any(c[:3] in ("I12", "I13") for c in hypertensive)
    severe = any(starts(c, _SEVERE_CKD) for c in stages) if stages else any(
        starts(c, _SEVERE_IN_CODE) for c in hypertensive)
    if heart and kidney:
        return ("I13.2" if severe else "I13.0") if failure else ("I13.11" if severe else "I13.10")
    if heart:
        return "I11.0" if failure else "I11.9"
    if kidney:
        return "I12.0" if severe else "I12.9"
    return "I10"


@rule("combination-code", Severity.WARNING, ENCOUNTER, "I.B.9, I.C.9.a, I.C.4.a",
      "two codes where one combination code says both", trigger=COMBINATION)
def combination_code(ctx: EncounterContext) -> None:
    """A combination code classifies two conditions together, and then the parts are not
    reported separately (Official Guidelines I.B.9).  Three kinds are checked:
    hypertension with heart disease or chronic kidney disease, whose link the
    classification presumes (I.C.9.a): `I10` with `N18.4` is `I12.9` (keep `N18.4` for the
    stage), `I10` with `I50.9` is `I11.0`, with both it is `I13.0`, and `I12.9` with
    `N18.5` is `I12.0`; a code titled "without complications" (`E11.9`) beside a code of
    its category with a complication (`E11.22`: as many codes of the category as needed
    describe the complications, I.C.4.a); and systolic (`I50.2-`) with diastolic
    (`I50.3-`) heart failure, which is `I50.4-`.  When the record states that the
    conditions are unrelated, add `# allow: combination-code`."""
    mask = 0
    involved = []  # the few codes the checks look at, with their flags
    for item in ctx.items:
        flags = item[1].flags & COMBINATION
        if flags:
            mask |= flags
            involved.append(item)
    if mask & HYPERTENSION:
        _hypertension(ctx, involved)
    if mask & WITHOUT:
        _without_complications(ctx)
    if mask & HEART_KIDNEY:
        _combined_failure(ctx, involved)


def _hypertension(ctx: EncounterContext, involved: list) -> None:
    hypertensive = [(dx, f) for dx, f in involved if f.flags & HYPERTENSION]
    codes = [f.code for _, f in involved if f.flags & (HYPERTENSION | HEART_KIDNEY)]
    target = hypertension_code(codes)
    kb = ctx.kb
    if not kb.codeset.is_billable(target):
        return
    others = [f.code for _, f in involved if f.flags & HEART_KIDNEY]
    title = kb.codeset.get(target).title
    for dx, facts in hypertensive:
        if facts.code == target:
            continue
        why = f" with {', '.join(others)}" if others else ""
        if target in codes:
            message = f"{facts.code}{why}: {target} ({title}) already says so; delete {facts.code}"
            fixes = [delete_line(ctx.file, dx.line, f"Delete line {dx.line + 1}")]
        else:
            message = (f"{facts.code}{why} is coded {target} ({title}): the classification presumes the link "
                       f"(I.C.9.a)")
            fixes = [Fix(f"Replace with {target}", (TextEdit(dx.code_span, target),), preferred=True)]
        related = [Related(d.code_span, f.code, f"{f.code}, part of {target}") for d, f in involved
                   if f.flags & HEART_KIDNEY]
        ctx.report("combination-code", dx.code_span, message, facts.code, related, fixes)


def _without_complications(ctx: EncounterContext) -> None:
    cs = ctx.kb.codeset
    for dx, facts in ctx.items:
        if not facts.flags & WITHOUT:
            continue
        # The same condition: a code under the heading the "without" code is under (E11.22 and
        # E11.9 under E11; K50.011 and K50.00 under K50.0), not another site or side (I87.012).
        heading = cs.parent_of(facts.node)
        other = next(((d, f) for d, f in ctx.items if f.category == facts.category and f.code != facts.code
                      and not f.flags & WITHOUT and heading in cs.ancestors(f.node)), None)
        if other is None:
            continue
        other_dx, other_facts = other
        message = (f"{facts.code} says \"without complications\", but {other_facts.code} of the same category "
                   f"codes one: delete {facts.code}")
        ctx.report("combination-code", dx.code_span, message, facts.code,
                   [Related(other_dx.code_span, other_facts.code, f"{other_facts.code}, a complication")],
                   [delete_line(ctx.file, dx.line, f"Delete line {dx.line + 1}")])


def _combined_failure(ctx: EncounterContext, involved: list) -> None:
    systolic = next(((d, f) for d, f in involved if f.code.startswith("I50.2")), None)
    diastolic = next(((d, f) for d, f in involved if f.code.startswith("I50.3")), None)
    if systolic is None or diastolic is None:
        return
    (s_dx, s), (d_dx, d) = systolic, diastolic
    first_dx, second_dx = (s_dx, d_dx) if s_dx.line < d_dx.line else (d_dx, s_dx)
    same = s.code[-1] == d.code[-1]
    choices = [f"I50.4{s.code[-1]}"] if same else [f"I50.4{c}" for c in "0123"]
    cs = ctx.kb.codeset
    choices = [c for c in choices if cs.is_billable(c)]
    if not choices:
        return
    message = (f"{s.code} and {d.code} are systolic and diastolic heart failure: report the combined code "
               f"{' or '.join(choices)} instead")
    fixes = [Fix(f"Replace both with {code} ({cs.get(code).title})",
                 (TextEdit(first_dx.code_span, code),
                  TextEdit.delete_line(second_dx.line, len(ctx.file.lines[second_dx.line]))), preferred=same)
             for code in choices]
    later = (s_dx, s) if s_dx is second_dx else (d_dx, d)
    earlier = (d_dx, d) if later[0] is s_dx else (s_dx, s)
    ctx.report("combination-code", later[0].code_span, message, later[1].code,
               [Related(earlier[0].code_span, earlier[1].code, f"{earlier[1].code}, the other half")], fixes)
