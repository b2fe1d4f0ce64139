"""Codes of one encounter that must agree with each other and with the patient.

An injury is either being treated (initial encounter) or healing (subsequent)
in one encounter; a sequela code needs the residual condition it explains; a
coma scale takes one code from each of its three parts; a BMI code is for an
adult or a child by the patient's age and goes with the condition it explains.
"""

from __future__ import annotations

from ..findings import Related, Severity
from .engine import EncounterContext
from .facts import EXTERNAL_CAUSE, SEQUELA
from .registry import ENCOUNTER, rule
from .scopes import CONSISTENCY, INJURY_PHASE, encounter_phase

_COMA_PARTS = {"R40.21": "eyes open", "R40.22": "best verbal response", "R40.23": "best motor response"}
# I.C.21.c.3: a BMI code goes with "an associated, reportable diagnosis (such as obesity)":
# overweight and obesity, malnutrition, abnormal weight loss or gain, failure to thrive,
# eating disorders, bariatric surgery status, obesity complicating pregnancy.
_BMI_CONDITIONS = ("E66", "E40", "E41", "E42", "E43", "E44", "E45", "E46", "E64.0", "R62.5", "R63", "F50",
                   "Z98.84", "O99.21", "E88.8", "R64")


@rule("injury-encounter", Severity.WARNING, ENCOUNTER, "I.C.19.a",
      "the same injury coded for the initial and for a subsequent encounter", trigger=INJURY_PHASE)
def injury_encounter(ctx: EncounterContext) -> None:
    """The 7th character of an injury says which phase of care the encounter is: "initial"
    while the patient receives active treatment, "subsequent" after it, during healing or
    recovery (Official Guidelines I.C.19.a).  One encounter is one of those for a given
    injury, so `S52.521A` and `S52.521D` together contradict each other: the record
    decides which one stays.  Different injuries may well be in different phases."""
    initial: dict[int, tuple] = {}
    subsequent: dict[int, tuple] = {}
    for dx, facts in ctx.items:
        if facts.flags & INJURY_PHASE:
            phase = initial if encounter_phase(facts.code) == 1 else subsequent
            phase.setdefault(facts.node, (dx, facts))
    for node, (dx, facts) in subsequent.items():
        other = initial.get(node)
        if other is None:
            continue
        (a_dx, a), (later_dx, later) = sorted([other, (dx, facts)], key=lambda item: item[0].line)
        message = (f"{a.code} and {later.code} code the same injury for the initial and a subsequent encounter: "
                   f"one encounter is one of those (I.C.19.a); keep the one the record supports")
        ctx.report("injury-encounter", later_dx.code_span, message, later.code,
                   [Related(a_dx.code_span, a.code, f"{a.code}, the same injury")])


@rule("sequela-residual", Severity.WARNING, ENCOUNTER, "I.B.10, I.C.19.a",
      "a sequela code (7th character S) with no code for the residual condition", trigger=SEQUELA)
def sequela_residual(ctx: EncounterContext) -> None:
    """A sequela is coded with two codes: the residual condition (the scar, the deformity,
    the pain) and the code of the injury or illness that produced it with 7th character S
    (Official Guidelines I.B.10, I.C.19.a: "it is necessary to use both the injury code
    that precipitated the sequela and the code for the sequela itself").  `S02.2XXS`
    alone says that an old nasal fracture left something, not what: `J34.2` (deviated
    septum) is missing.  The rule warns when the encounter has no other code that can be
    that condition (external cause codes and other sequela codes cannot)."""
    for dx, facts in ctx.items:
        if not facts.flags & SEQUELA or facts.flags & EXTERNAL_CAUSE:
            continue  # an external cause's S says how an old injury happened, not what it left
        if any(f is not facts and not f.flags & (SEQUELA | EXTERNAL_CAUSE) and f.code[0] != "Z" for _, f in ctx.items):
            return
        message = (f"{facts.code} is a sequela code: code the residual condition it left (the scar, the deformity, "
                   f"...) first, then {facts.code} (I.B.10)")
        ctx.report("sequela-residual", dx.code_span, message, facts.code)
        return


@rule("coma-scale", Severity.WARNING, ENCOUNTER, "I.C.18.e.1",
      "a coma scale (R40.21- to R40.23-) without one code from each part, or with different 7th characters",
      trigger=CONSISTENCY)
def coma_scale(ctx: EncounterContext) -> None:
    """The coma scale is coded with one code from each of its three subcategories, eyes open
    (`R40.21-`), best verbal response (`R40.22-`) and best motor response (`R40.23-`), and
    the 7th character, when the scale was recorded, should match for all three (Official
    Guidelines I.C.18.e.1; the R40.2 note: "One code from each subcategory, R40.21-R40.23,
    is required to complete the coma scale").  When only the total score is documented,
    `R40.24-` (Glasgow coma scale, total score) is used instead."""
    parts: dict[str, tuple] = {}
    for dx, facts in ctx.items:
        if not facts.flags & CONSISTENCY:
            continue
        for prefix in _COMA_PARTS:
            if facts.code.startswith(prefix):
                parts.setdefault(prefix, (dx, facts))
    if not parts:
        return
    missing = [f"{prefix}- ({what})" for prefix, what in _COMA_PARTS.items() if prefix not in parts]
    dx, facts = next(iter(parts.values()))
    if missing:
        message = (f"{facts.code} is one part of the coma scale: add {', '.join(missing)}, or use R40.24- "
                   f"when only the total score is documented")
        ctx.report("coma-scale", dx.code_span, message, facts.code)
        return
    sevenths = {f.seventh for _, f in parts.values()}
    if len(sevenths) > 1:
        codes = ", ".join(f.code for _, f in parts.values())
        ctx.report("coma-scale", dx.code_span,
                   f"{codes}: the three coma scale codes should have the same 7th character (when it was recorded)",
                   facts.code, [Related(d.code_span, f.code, f"{f.code}, another part") for d, f in
                                list(parts.values())[1:]])


def _bmi(ctx: EncounterContext):
    return next(((d, f) for d, f in ctx.items if f.flags & CONSISTENCY and f.code.startswith("Z68")), None)


@rule("bmi-age", Severity.WARNING, ENCOUNTER, "I.C.21.c.3",
      "an adult BMI code under age 20, a pediatric one outside 2-19, or a BMI code in pregnancy",
      trigger=CONSISTENCY)
def bmi_age(ctx: EncounterContext) -> None:
    """The Z68 note: "BMI adult codes are for use for persons 20 years of age or older; BMI
    pediatric codes are for use for persons 2-19 years of age", and the Official
    Guidelines (I.C.21.c.3): "Do not assign BMI codes during pregnancy".  The age comes
    from the encounter's `age:` header; without one, only the pregnancy is checked.
    `Z68.30` for a 16-year-old is wrong: use the pediatric percentile code (`Z68.5-`)."""
    found = _bmi(ctx)
    if found is None:
        return
    dx, facts = found
    pregnancy = next(((d, f) for d, f in ctx.items if f.code[0] == "O"), None)
    if pregnancy is not None:
        ctx.report("bmi-age", dx.code_span,
                   f"{facts.code}: BMI codes are not assigned during pregnancy (I.C.21.c.3)", facts.code,
                   [Related(pregnancy[0].code_span, pregnancy[1].code, f"{pregnancy[1].code}, a pregnancy code")])
        return
    age = ctx.encounter.age
    if age is None:
        return
    pediatric = facts.code.startswith("Z68.5")
    if pediatric and not 2 <= age <= 19:
        message = (f"{facts.code} is a pediatric BMI code (for ages 2-19, the Z68 note), but the patient is {age}"
                   + ("; use the adult code for the BMI value" if age >= 20 else ""))
    elif not pediatric and age < 20:
        message = (f"{facts.code} is an adult BMI code (for age 20 or older, the Z68 note), but the patient is "
                   f"{age}" + ("; use the pediatric percentile code (Z68.5-)" if age >= 2 else ""))
    else:
        return
    header = ctx.encounter.headers.get("age")
    related = [Related(header.value_span, None, f"age: {age}")] if header is not None else []
    ctx.report("bmi-age", dx.code_span, message, facts.code, related)


@rule("bmi-condition", Severity.WARNING, ENCOUNTER, "I.C.21.c.3",
      "a BMI code (Z68) without an associated condition", trigger=CONSISTENCY)
def bmi_condition(ctx: EncounterContext) -> None:
    """BMI codes "should only be assigned when there is an associated, reportable diagnosis
    (such as obesity)" (Official Guidelines I.C.21.c.3, I.B.14): overweight and obesity
    (E66), malnutrition (E40-E46), abnormal weight loss or gain and underweight (R63),
    failure to thrive (R62.5-), eating disorders (F50), bariatric surgery status
    (Z98.84).  The rule warns on a Z68 code when none of those is in the encounter; when
    the record links the BMI to another condition the provider documented, add
    `# allow: bmi-condition`."""
    found = _bmi(ctx)
    if found is None or any(f.code.startswith(_BMI_CONDITIONS) for _, f in ctx.items):
        return
    dx, facts = found
    ctx.report("bmi-condition", dx.code_span,
               f"{facts.code} needs the condition the BMI is reported for (obesity, malnutrition, weight loss, "
               f"...): BMI codes go with an associated diagnosis (I.C.21.c.3)", facts.code)
