"""Which code may come first, and which must come before which.

The order of an encounter's codes is information: the first one is the
principal (inpatient) or first-listed (outpatient) diagnosis, and the
classification's sequencing instructions (etiology before manifestation, the
nature of a sequela before the sequela, no external cause first) say how the
rest relate.  The fixes move a line; they are never safe, since the coder
chooses the first-listed diagnosis from the record.
"""

from __future__ import annotations

from ..findings import Related, Severity
from .engine import EncounterContext
from .facts import CODE_FIRST, EXTERNAL_CAUSE, MANIFESTATION, SEQUELA, UNDERLYING_FIRST, CodeFacts
from .moves import move_line_up
from .scopes import SECONDARY_ONLY
from .notes import NoteEntry, NoteRef, first_covering, shortened
from .registry import ENCOUNTER, rule


def _reported_as_first(facts: CodeFacts) -> bool:
    """A first code that `manifestation-first` (an error) or `additional-only` (Z16: "for use
    as additional codes", Z3A) reports already: one problem, one finding."""
    return bool(facts.flags & (MANIFESTATION | SECONDARY_ONLY))


def first_item(ctx: EncounterContext, flag: int = 0):
    """The first diagnosis with its facts, if the first line is a code of the code set (with `flag`)."""
    if ctx.items and ctx.items[0][0].index == 0 and (not flag or ctx.items[0][1].flags & flag):
        return ctx.items[0]
    return None


def _is_condition(facts: CodeFacts) -> bool:
    """A disease or symptom code (A00-R99): what a sequela, an etiology or an injury can cause."""
    return facts.in_set and facts.code[0] < "S" and not facts.flags & SEQUELA


@rule("manifestation-first", Severity.ERROR, ENCOUNTER, "I.A.13",
      "a manifestation code ('in diseases classified elsewhere') listed first", trigger=MANIFESTATION)
def manifestation_first(ctx: EncounterContext) -> None:
    """Codes titled "in diseases classified elsewhere", or under such a title, are
    manifestations: they describe what an underlying disease does to another body system
    and are never the principal or first-listed diagnosis; the underlying condition is
    coded first (Official Guidelines I.A.13, the etiology/manifestation convention).
    Dementia in Parkinson's disease is `G20.A1` then `F02.80`, never `F02.80` first.  The
    fix moves the underlying condition up: a code the manifestation's "code first" note
    names, else the first disease code of the encounter."""
    first = first_item(ctx, MANIFESTATION)
    advice = "code the underlying condition first"
    if first is not None and _underlying(first[1], ctx.items[1:]) is None and _named_conditions(first[1]):
        advice += f" ({_named_conditions(first[1])})"
    never_first(ctx, "manifestation-first", MANIFESTATION, "a manifestation code", advice, _underlying,
                 "{other} may be the underlying condition")


def _underlying(facts: CodeFacts, later: list):
    """The code a manifestation's "code first" note names, else the first disease code."""
    return next(((d, f) for d, f in later if _names(facts, f.code) is not None), None) or next(
        ((d, f) for d, f in later if _is_condition(f) and not f.flags & MANIFESTATION), None)


def _named_conditions(facts: CodeFacts, limit: int = 6) -> str:
    """'G30.-, E75.4, ... ' : the conditions a manifestation's code-first notes name, shortly
    (kept with the code's other facts: the same for every encounter)."""
    text = facts.__dict__.get("named_conditions")
    if text is None:
        named = list(dict.fromkeys(ref.ref.written for entry, ref in facts.code_first if not entry.conditional))
        text = ", ".join(named[:limit]) + (", ..." if len(named) > limit else "")
        facts.__dict__["named_conditions"] = text
    return text


def _etiology_named(facts: CodeFacts, others: list) -> bool:
    """Whether another code of the encounter is one the manifestation's note names, or one
    whose own "use additional code" note names the manifestation (the etiology side of the pair)."""
    for _, other in others:
        if first_covering(facts, "code_first", other.code,
                          unknown_qualifier_covers=True) is not None:
            return True
    category = facts.code[:3]
    for _, other in others:
        for entry in other.entries("useAdditionalCode"):
            if category in entry.categories and any(
                    ref.covers(facts.code, unknown_qualifier_covers=True) for ref in entry.refs):
                return True
    return False


@rule("missing-etiology", Severity.WARNING, ENCOUNTER, "I.A.13",
      "a manifestation code without any of the underlying conditions its note names", trigger=MANIFESTATION)
def missing_etiology(ctx: EncounterContext) -> None:
    """A manifestation code ("in diseases classified elsewhere") is only reported together
    with the code of its underlying condition (Official Guidelines I.A.13, the etiology/
    manifestation convention): `F02.80` (dementia in other diseases) needs the disease,
    such as `G30.9` or `G20.A1`.  The rule warns when no code of the encounter is one of
    the conditions the manifestation's "code first" note names, and none names the
    manifestation in its own "use additional code" note: `I10` with `F02.80`, `J45.909`
    with `H36.89`.  A manifestation listed first is reported by `manifestation-first`
    instead (one problem, one finding), and notes that name no codes, or only "if
    applicable", are left alone.  When the record names an underlying condition the note
    does not list, keep it and add `# allow: missing-etiology`."""
    first = first_item(ctx, MANIFESTATION)
    for i, (dx, facts) in enumerate(ctx.items):
        if not facts.flags & MANIFESTATION or (first is not None and dx is first[0]):
            continue
        named = _named_conditions(facts)
        if not named or _etiology_named(facts, ctx.items[:i] + ctx.items[i + 1:]):
            continue
        ctx.report("missing-etiology", dx.code_span,
                   f"{facts.code} needs its underlying condition, coded first: {named}", facts.code)


def never_first(ctx: EncounterContext, rule_id: str, flag: int, kind: str, advice: str, pick, why: str) -> None:
    """Report a first code of a kind that is never first, with the code `pick` finds to move up."""
    first = first_item(ctx, flag)
    if first is None:
        return
    facts = first[1]
    message = f"{facts.code} is {kind} ({facts.title}): it cannot be the {ctx.first_name}; {advice}"
    report_order(ctx, rule_id, first, pick(facts, ctx.items[1:]), message, why, "Move {other} first")


def _names(facts: CodeFacts, code: str) -> tuple[NoteEntry, NoteRef] | None:
    """The "code first" reference of `facts` that names `code`, if any."""
    return first_covering(facts, "code_first", code)


def report_order(ctx: EncounterContext, rule_id: str, item, other, message: str, why: str, move: str) -> None:
    """A finding on `item` that `other` (if any) should come before it, with the fix moving it up."""
    dx, facts = item
    related, fixes = [], []
    if other is not None:
        other_dx, other_facts = other
        related.append(Related(other_dx.code_span, other_facts.code, why.format(other=other_facts.code)))
        fixes.append(move_line_up(ctx.file, other_dx.line, dx.line, move.format(other=other_facts.code)))
    ctx.report(rule_id, dx.code_span, message, facts.code, related, fixes)


@rule("code-first", Severity.WARNING, ENCOUNTER, "I.A.13, I.B.7, I.C.19.e.5",
      "a code listed before the code its 'code first' note names, or first despite 'code first the underlying condition'",
      trigger=CODE_FIRST | UNDERLYING_FIRST)
def code_first(ctx: EncounterContext) -> None:
    """A "code first" note says which condition is sequenced before the code that carries
    it (Official Guidelines I.A.13 and I.B.7).  The rule warns when a code comes before a
    code its note names (`N18.3` before `E11.22`), and when a code whose note asks for
    "the underlying condition" first is itself listed first: a warning when its title says
    there is one (`F05` "due to known physiological condition", the `E08` diabetes codes,
    `R65.20` severe sepsis), information otherwise, since the underlying cause is coded
    first "if known" (`M40.00` postural kyphosis).  T36-T50's "code first, for adverse effects, the nature
    of the adverse effect" holds the adverse-effect codes only (I.C.19.e.5.a); a poisoning
    code precedes its manifestations (I.C.19.e.5.b).  A note such as `N18`'s "code first
    any associated ..." does not make a lone first code wrong, and "code, if applicable,
    any causal condition first" never triggers this rule: the causal condition may be
    unknown."""
    items = ctx.items
    first = first_item(ctx)
    reported_first = False
    for i, (dx, facts) in enumerate(items):
        if not facts.flags & CODE_FIRST:
            continue
        if i == 0 and first is not None and _reported_as_first(facts):
            continue  # manifestation-first or additional-only reports it, with the same fix
        if any(_names(facts, earlier.code) is not None for _, earlier in items[:i]):
            continue  # a condition the note names is already listed before it
        for later_dx, later in items[i + 1:]:
            hit = _names(facts, later.code)
            if hit is None:
                continue
            entry, ref = hit
            message = (f"{facts.code} is listed before {later.code}, which its code-first note names: "
                       f"list {later.code} first (the note at {entry.source} says \"Code first {entry.quote(ref)}\")")
            report_order(ctx, "code-first", (dx, facts), (later_dx, later), message,
                          f"{{other}} should come before {facts.code}", f"Move {{other}} above {facts.code}")
            reported_first = reported_first or (first is not None and dx is first[0])
            break
    if first is None or reported_first or not first[1].flags & UNDERLYING_FIRST:
        return
    dx, facts = first
    if _reported_as_first(facts):
        return
    entry = facts.underlying_first
    assert entry is not None
    note = f"its note at {entry.source} says \"Code first {shortened(entry.sentence())}\""
    severity = None  # the rule's
    if facts.is_adverse_effect:
        message = (f"{facts.code} is the {ctx.first_name}, but {note}: list the adverse effect itself "
                   "first (T88.7 when the record does not say what it was)")
    elif facts.underlying_is_certain:
        what = "the condition it resulted in" if "resulting from" in entry.sentence() else "the underlying condition"
        message = f"{facts.code} is the {ctx.first_name}, but {note}: list {what} first"
    else:
        message = (f"{facts.code} is the {ctx.first_name}; {note}: if the record documents that "
                   "condition, list it first")
        severity = Severity.INFORMATION
    ctx.report("code-first", dx.code_span, message, facts.code, severity=severity)


@rule("external-cause-first", Severity.ERROR, ENCOUNTER, "I.C.20.a",
      "an external cause code (V00-Y99) listed first", trigger=EXTERNAL_CAUSE)
def external_cause_first(ctx: EncounterContext) -> None:
    """External cause codes (chapter 20, V00-Y99: how an injury happened, where, during
    what activity) are secondary codes: they are never the principal or first-listed
    diagnosis (Official Guidelines I.C.20.a).  `W19.XXXA` (unspecified fall) follows the
    injury it caused.  The fix moves the first code that is not an external cause up."""
    never_first(ctx, "external-cause-first", EXTERNAL_CAUSE, "an external cause code",
                 "list the injury or condition it explains first",
                 lambda facts, later: next(((d, f) for d, f in later if not f.flags & EXTERNAL_CAUSE), None),
                 "{other} is not an external cause code")


@rule("sequela-first", Severity.WARNING, ENCOUNTER, "I.B.10, I.C.19.a",
      "a sequela code (7th character S) listed before the condition it produced", trigger=SEQUELA)
def sequela_first(ctx: EncounterContext) -> None:
    """A sequela is the condition that remains after the acute phase of an injury or illness
    is over; it is coded with two codes, the nature of the sequela first and the sequela
    code (7th character S) after it (Official Guidelines I.B.10, I.C.19.a): a deviated
    septum from an old nasal fracture is `J34.2`, then `S02.2XXS`.  The rule warns when a
    7th-character-S code comes before a disease or symptom code (A00-R99) of the same
    encounter, which is then most likely the residual condition."""
    items = ctx.items
    for i, (dx, facts) in enumerate(items):
        if not facts.flags & SEQUELA:
            continue
        if any(_is_condition(f) for _, f in items[:i]):
            continue  # a condition, the likely residual one, already comes first
        later = next(((d, f) for d, f in items[i + 1:] if _is_condition(f)), None)
        if later is None:
            continue
        f = later[1]
        message = (f"{facts.code} ({facts.title}) is listed before {f.code}: code the condition the "
                   f"sequela produced first and the sequela code after it")
        report_order(ctx, "sequela-first", (dx, facts), later, message, "{other} may be the residual condition",
                      f"Move {{other}} above {facts.code}")
