"""Chapter 15 (pregnancy, childbirth and the puerperium) and chapter 16 (the newborn).

The mother's and the newborn's records are kept apart (I.C.15.a.2, I.C.16.a.1),
obstetric codes come first on the mother's (I.C.15.a.1), a trimester is one of
three spans of weeks (the chapter 15 note), and O80 is a delivery with nothing
else of chapter 15 to report (I.C.15.n.1).  On the newborn's record, birth
weight comes before gestational age (the P07 note, I.C.16.d).
"""

from __future__ import annotations

import re

from ..codeset.codes import compact, dotted
from ..findings import Fix, Related, Severity, TextEdit
from .engine import EncounterContext
from .facts import CodeFacts
from .moves import move_line_up
from .registry import ENCOUNTER, rule
from .scopes import FIRST_ONLY, OBSTETRIC, SECONDARY_ONLY
from .sequencing import report_order

_TRIMESTER = re.compile(r"\b(first|second|third|unspecified) trimester\b", re.IGNORECASE)
_ORDINAL = {"first": 1, "second": 2, "third": 3}
_NAMES = {1: "first", 2: "second", 3: "third"}
# The chapter 15 note: "1st trimester - less than 14 weeks 0 days; 2nd trimester - 14 weeks
# 0 days to less than 28 weeks 0 days; 3rd trimester - 28 weeks 0 days until delivery".
_SPANS = {1: "less than 14 weeks", 2: "14 to less than 28 weeks", 3: "28 weeks until delivery"}


def _obstetric(facts: CodeFacts) -> bool:
    return facts.code[0] == "O"


def weeks_of(code: str) -> int | None:
    """Weeks of gestation a Z3A code states: Z3A.01 (less than 8) counts as 1, Z3A.49 as 43."""
    if not code.startswith("Z3A.") or code == "Z3A.00":
        return None
    digits = compact(code)[3:]
    return {"01": 1, "49": 43}.get(digits, int(digits) if digits.isdigit() else None)


def trimester_of_weeks(weeks: int) -> int:
    return 1 if weeks < 14 else 2 if weeks < 28 else 3


def trimester_variant(facts: CodeFacts, trimester: int) -> str | None:
    """The sibling of an obstetric code for another trimester (with the same 7th character)."""
    cs = facts.kb.codeset
    mine = _TRIMESTER.sub("#", cs.title_of(facts.node))
    parent = cs.parent_of(facts.node)
    wanted = f"{_NAMES[trimester]} trimester"
    for sibling in cs.children_of(parent):
        title = cs.title_of(sibling)
        found = _TRIMESTER.search(title)
        if found and found.group(0).lower() == wanted and _TRIMESTER.sub("#", title) == mine:
            name = cs.name_of(sibling)
            if facts.seventh:
                bare = compact(name)
                name = dotted(bare + "X" * (6 - len(bare)) + facts.seventh)
            return name if cs.is_billable(name) else None
    return None


@rule("obstetric-first", Severity.WARNING, ENCOUNTER, "I.C.15.a.1",
      "a chapter 15 code listed after a code of another chapter", trigger=OBSTETRIC)
def obstetric_first(ctx: EncounterContext) -> None:
    """Codes of chapter 15 (O00-O9A) have sequencing priority over codes of other chapters
    on the mother's record (Official Guidelines I.C.15.a.1): a urinary tract infection in
    pregnancy is `O23.43` first, then `N39.0` if more detail is needed.  The rule warns on
    the first obstetric code when another chapter's code is listed first.  When the
    provider documents that the pregnancy is incidental to the visit, `Z33.1` replaces
    the chapter 15 codes (and then there is no chapter 15 code to sequence).  Codes that
    have their own place (a Z code that may only be first-listed, or one that is only an
    additional code) are left to `first-listed-only` and `additional-only`."""
    items = ctx.items
    if not items or _obstetric(items[0][1]) or items[0][1].flags & (FIRST_ONLY | SECONDARY_ONLY):
        return
    later = next(((d, f) for d, f in items[1:] if _obstetric(f)), None)
    if later is None:
        return
    first_dx, first = items[0]
    later_dx, obstetric = later
    message = (f"{obstetric.code} is a chapter 15 code and comes first on the mother's record, before "
               f"{first.code} (I.C.15.a.1); if the pregnancy is incidental to the visit, Z33.1 replaces it")
    ctx.report("obstetric-first", later_dx.code_span, message, obstetric.code,
               [Related(first_dx.code_span, first.code, f"{first.code}, listed first")],
               [move_line_up(ctx.file, later_dx.line, first_dx.line, f"Move {obstetric.code} first")])


@rule("normal-delivery", Severity.WARNING, ENCOUNTER, "I.C.15.n.1",
      "O80 (normal delivery) with another chapter 15 code, or not first", trigger=OBSTETRIC)
def normal_delivery(ctx: EncounterContext) -> None:
    """`O80`, encounter for full-term uncomplicated delivery, is for a delivery without any
    complication of the antenatal, delivery or postnatal period; it is always the principal
    diagnosis and is not used when any other chapter 15 code is needed (Official
    Guidelines I.C.15.n.1).  Codes of other chapters may go with it when they do not
    complicate the pregnancy, as may `Z37.0` (outcome of delivery) and `Z3A` (weeks of
    gestation).  The rule warns on `O80` with another O code, and on `O80` not listed
    first."""
    for index, (dx, facts) in enumerate(ctx.items):
        if facts.code != "O80":
            continue
        other = next(((d, f) for d, f in ctx.items if _obstetric(f) and f.code != "O80"), None)
        if other is not None:
            message = (f"O80 is an uncomplicated delivery, but {other[1].code} ({other[1].title}) codes a "
                       f"complication: code the delivery with the complication's codes instead of O80")
            ctx.report("normal-delivery", dx.code_span, message, facts.code,
                       [Related(other[0].code_span, other[1].code, f"{other[1].code}, a chapter 15 code")])
        elif index > 0 and not _placed_elsewhere(ctx):
            first_dx = ctx.items[0][0]
            ctx.report("normal-delivery", dx.code_span, "O80 is always the principal diagnosis (I.C.15.n.1); "
                       "list it first", facts.code, (), [move_line_up(ctx.file, dx.line, first_dx.line, "Move O80 first")])
        return


def _placed_elsewhere(ctx: EncounterContext) -> bool:
    """Whether another rule already reports the first code: an additional-only code listed
    first (Z37, Z3A), or a liveborn infant code that makes this the newborn's record."""
    first = ctx.items[0][1]
    return bool(first.flags & SECONDARY_ONLY) or any(
        f.code.startswith("Z38") for _, f in ctx.items)


@rule("trimester", Severity.WARNING, ENCOUNTER, "I.C.15.a.3",
      "an obstetric code whose trimester contradicts the weeks of gestation (Z3A), or leaves it open",
      trigger=OBSTETRIC)
def trimester(ctx: EncounterContext) -> None:
    """The final character of most chapter 15 codes is the trimester, assigned from the
    provider's documentation of the trimester or the number of weeks (Official Guidelines
    I.C.15.a.3); the chapter's note defines the trimesters: the first is less than 14
    weeks 0 days, the second 14 weeks 0 days to less than 28 weeks 0 days, the third 28
    weeks 0 days until delivery.  A warning when a `Z3A` weeks-of-gestation code of the
    encounter falls in another trimester than the code says (`O26.891`, first
    trimester, with `Z3A.30`, 30 weeks); a hint on a code for an "unspecified trimester"
    where codes for the trimesters exist, naming the one the `Z3A` code gives
    (`O26.899` with `Z3A.30`: `O26.893`).  The fix writes the code for that trimester."""
    weeks = next(((d, f, w) for d, f in ctx.items if (w := weeks_of(f.code)) is not None), None)
    for dx, facts in ctx.items:
        if not _obstetric(facts):
            continue
        found = _TRIMESTER.search(facts.title)
        if found is None:
            continue
        stated = _ORDINAL.get(found.group(1).lower())
        if weeks is None:
            if stated is None:
                _trimester_open(ctx, dx, facts)
            continue
        z_dx, z_facts, count = weeks
        expected = trimester_of_weeks(count)
        if stated == expected:
            continue
        better = trimester_variant(facts, expected)
        if stated is None:
            message = (f"{facts.code} leaves the trimester open, but {z_facts.code} puts the pregnancy in the "
                       f"{_NAMES[expected]} trimester ({_SPANS[expected]})")
            severity = Severity.HINT
        else:
            message = (f"{facts.code} says {found.group(0)}, but {z_facts.code} is {z_facts.title.lower()}: the "
                       f"{_NAMES[expected]} trimester ({_SPANS[expected]})")
            severity = None
        fixes = []
        if better is not None:
            message += f"; use {better}"
            fixes.append(Fix(f"Replace with {better}", (TextEdit(dx.code_span, better),), preferred=True))
        ctx.report("trimester", dx.code_span, message, facts.code,
                   [Related(z_dx.code_span, z_facts.code, f"{z_facts.code}, the weeks of gestation")], fixes,
                   severity)


def _trimester_open(ctx: EncounterContext, dx, facts: CodeFacts) -> None:
    options = [c for t in (1, 2, 3) if (c := trimester_variant(facts, t)) is not None]
    if not options:
        return
    message = (f"{facts.code} leaves the trimester open; if the record documents it (or the weeks, Z3A), "
               f"use {', '.join(options)}")
    ctx.report("trimester", dx.code_span, message, facts.code, (),
               [Fix(f"Replace with {c}", (TextEdit(dx.code_span, c),)) for c in options], Severity.HINT)


@rule("maternal-newborn-record", Severity.WARNING, ENCOUNTER, "I.C.16.a.1, I.C.15.a.2",
      "a newborn (chapter 16) code on the mother's record, or an obstetric code on the newborn's",
      trigger=OBSTETRIC)
def maternal_newborn_record(ctx: EncounterContext) -> None:
    """Chapter 16 codes (P00-P96, conditions originating in the perinatal period) are never
    for use on the maternal record, and chapter 15 codes (O00-O9A) never on the newborn's
    (Official Guidelines I.C.16.a.1, I.C.15.a.2; the chapter 15 note: "for use only on
    maternal records, never on newborn records").  An encounter with an O code, a `Z3A`
    weeks-of-gestation code or a `Z37` outcome-of-delivery code is the mother's; one with
    a `Z38` liveborn-infant code is the newborn's.  The rule warns on each code of the
    other record."""
    items = ctx.items
    maternal = next(((d, f) for d, f in items if f.code[0] == "O" or f.code.startswith(("Z3A", "Z37"))), None)
    newborn_mark = next(((d, f) for d, f in items if f.code.startswith("Z38")), None)
    if maternal is not None:
        for dx, facts in items:
            if facts.code[0] == "P":
                ctx.report("maternal-newborn-record", dx.code_span,
                           f"{facts.code} is a newborn code (chapter 16), but {maternal[1].code} makes this the "
                           f"mother's record: chapter 16 codes are never on it (I.C.16.a.1)", facts.code,
                           [Related(maternal[0].code_span, maternal[1].code, f"{maternal[1].code}, a maternal code")])
    if newborn_mark is not None:
        for dx, facts in items:
            if facts.code[0] == "O":
                ctx.report("maternal-newborn-record", dx.code_span,
                           f"{facts.code} is an obstetric code (chapter 15), but {newborn_mark[1].code} makes this "
                           f"the newborn's record: chapter 15 codes are only on the mother's (I.C.15.a.2)",
                           facts.code,
                           [Related(newborn_mark[0].code_span, newborn_mark[1].code, "the liveborn infant code")])


@rule("birth-weight-first", Severity.WARNING, ENCOUNTER, "I.C.16.d",
      "a P07 gestational age code listed before the P07 birth weight code", trigger=OBSTETRIC)
def birth_weight_first(ctx: EncounterContext) -> None:
    """When both the birth weight and the gestational age of a newborn are documented, both
    are coded from category P07, birth weight (`P07.0-`, `P07.1-`) before gestational age
    (`P07.2-`, `P07.3-`): the P07 note and Official Guidelines I.C.16.d.  The rule warns on
    a gestational age code listed before the birth weight code; the fix moves the birth
    weight up."""
    age = next(((d, f) for d, f in ctx.items if f.code.startswith(("P07.2", "P07.3"))), None)
    weight = next(((d, f) for d, f in ctx.items if f.code.startswith(("P07.0", "P07.1"))), None)
    if age is None or weight is None or weight[0].line < age[0].line:
        return
    message = (f"{age[1].code} (gestational age) is listed before {weight[1].code} (birth weight): the P07 note "
               f"puts birth weight first")
    report_order(ctx, "birth-weight-first", age, weight, message, "{other} is the birth weight",
                 f"Move {{other}} above {age[1].code}")
