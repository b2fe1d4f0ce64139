"""Is the written code a reportable code of the encounter's code set?

Only codes may be reported, never categories or subcategories, and only the
codes of the release in effect on the date of service; these rules say which
of those a written code misses and offer the codes it most likely should be.
"""

from __future__ import annotations

from ..codeset.codes import compact
from ..findings import Fix, Severity, TextEdit
from ..codeset.suggest import defaults_first, suggest
from .engine import NON_CANONICAL, EncounterContext
from .facts import (HEADER, IN_CODE_SET, NOT_ON_DATE, OTHER_YEAR, UNKNOWN, WRITTEN, CodeFacts,
                    FixSpec, Knowledge, Problem)
from .registry import CODE, ENCOUNTER, rule

MAX_FIXES = 10


def titled(kb: Knowledge, code: str) -> str:
    info = kb.codeset.get(code)
    return f"{code} ({info.title})" if info is not None else code


def on_date(kb: Knowledge, codes: list[str]) -> list[str]:
    """The codes valid on the encounter's date: as they are where the file covers the date;
    where CMS's table decides, a code it no longer has gives way to the codes below it."""
    if kb.validity is None or not codes:
        return codes
    valid = set(kb.validity.valid_codes(codes))
    out: list[str] = []
    for code in codes:
        if code in valid:
            out.append(code)
        elif len(out) < MAX_FIXES * 2:  # the header a code was expanded into: its new codes
            out.extend(c for c in kb.validity.codes_below(code, depth=1) if c not in out)
    return out


def replace_fixes(kb: Knowledge, codes: list[str], limit: int = MAX_FIXES) -> tuple[FixSpec, ...]:
    return tuple(FixSpec(f"Replace with {titled(kb, code)}", code) for code in codes[:limit])


def residual_first(kb: Knowledge, codes: list[str], limit: int = MAX_FIXES, heading: str | None = None) -> list[str]:
    """Codes in document order; when there are too many to list, the default and the
    residual (NOS, NEC) ones first: one of them fits whatever the record says
    (`codeset.suggest.defaults_first`)."""
    if len(codes) <= limit:
        return codes
    return defaults_first(kb.codeset, codes, heading)[:limit]


def listing(codes: list[str], total: int | None = None, limit: int = 6) -> str:
    shown = ", ".join(codes[:limit])
    total = len(codes) if total is None else total
    return shown + (f" and {total - min(limit, len(codes))} more" if total > min(limit, len(codes)) else "")


@rule("unknown-code", Severity.ERROR, CODE, "I.B.1",
      "not an ICD-10-CM code in any installed year")
def unknown_code(facts: CodeFacts) -> list[Problem]:
    """The code is shaped like an ICD-10-CM code but no installed release has it: a typo,
    or a code from another system (`E1399` is a HCPCS supply code, not ICD-10-CM).
    Every code must be verified in the Tabular List (Official Guidelines I.B.1).  The
    fixes are the codes one slip away (a look-alike O/0 or I/1, two characters swapped,
    one character too many, missing or wrong) that the code set has."""
    if facts.status != UNKNOWN:
        return []
    kb = facts.kb
    candidates = on_date(kb, suggest(kb.codeset, facts.code))
    message = f"{WRITTEN} is not an ICD-10-CM code (not in {_years(kb)})"
    if candidates:
        message += f"; did you mean {' or '.join(candidates[:3])}?"
    return [Problem("unknown-code", message, replace_fixes(kb, candidates))]


def _years(kb: Knowledge) -> str:
    years = sorted({kb.codeset.fiscal_year, *kb.other_years()})
    return "any installed code set: " + ", ".join(f"FY{y}" for y in years)


@rule("not-in-code-set", Severity.ERROR, CODE, "I.B.1",
      "a real code, but not in the code set of the encounter's date")
def not_in_code_set(facts: CodeFacts) -> list[Problem]:
    """The code exists in another installed fiscal year but not in the one in effect on the
    encounter's date: it was deleted (expanded into more specific codes, or moved) or it
    was created later.  Codes are verified in the Tabular List of the release that applies
    (Official Guidelines I.B.1), and HIPAA requires the code set valid on the date of
    service (the discharge date for inpatient stays).  The fixes are the codes that replace it: the
    same title in this year, else the codes below its nearest ancestor that still
    exists, new codes first."""
    if facts.status == NOT_ON_DATE:
        return _not_on_date(facts)
    if facts.status != OTHER_YEAR:
        return []
    kb, code = facts.kb, facts.code
    year = kb.codeset.fiscal_year
    present = [cs for cs in kb.others() if code in cs]
    valid = sorted(cs.fiscal_year for cs in present if cs.is_billable(code))
    if valid and min(valid) > year:
        when = f"it was created in FY{min(valid)}"
    elif valid:
        when = f"it was valid in {', '.join(f'FY{y}' for y in valid)} and deleted after FY{max(valid)}"
    else:
        when = f"it exists in {', '.join(f'FY{cs.fiscal_year}' for cs in present)} only as a heading"
    replacements = on_date(kb, replacements_for(kb, code, present))
    message = f"{code} is not in the FY{year} code set that applies to this encounter: {when}"
    if replacements:
        message += f"; in FY{year} use {listing(replacements)}"
    return [Problem("not-in-code-set", message, replace_fixes(kb, replacements))]


def _not_on_date(facts: CodeFacts) -> list[Problem]:
    """A code of the installed file that CMS's code table of the encounter's date does not have."""
    kb, code = facts.kb, facts.code
    validity = kb.validity
    why, replacements = validity.why_invalid(code)
    message = f"{code} is not a valid code on this encounter's date (FY{validity.fiscal_year}): {why}"
    if replacements:
        message += f"; use {listing(replacements)}"
    return [Problem("not-in-code-set", message, replace_fixes(kb, replacements))]


def replacements_for(kb: Knowledge, code: str, present) -> list[str]:
    cs = kb.codeset
    bare = compact(code)
    seventh = bare[6] if len(bare) == 7 else ""
    old_titles = []
    for other in present:
        info = other.get(code)
        if info is not None:
            old_titles.append(info.title.lower())
    same_title = [c for t in old_titles for c in kb.titles.get(t, ())]
    if same_title:
        return sorted(set(same_title))
    node = kb.nearest_node(code)
    if node is None:
        return []
    if cs.is_billable(cs.name_of(node)):
        return [cs.name_of(node)]
    below = cs.billable_below(node)
    if seventh:
        below = [c for c in below if len(compact(c)) == 7 and c[-1] == seventh] or below
    new = [c for c in below if not any(c in other for other in present)]
    ordered = new + [c for c in below if c not in new]
    return residual_first(kb, ordered, heading=cs.name_of(node))


@rule("non-billable", Severity.ERROR, CODE, "I.A.3, I.B.2",
      "a category or subcategory that has codes below it")
def non_billable(facts: CodeFacts) -> list[Problem]:
    """A category or subcategory that is subdivided is a heading, not a code: only codes
    may be reported, at their full number of characters (Official Guidelines I.A.3 and
    I.B.2); `E11.2`, `C50.91`, `R51` and `G20` all have codes below them.  The fixes
    are those codes (when there are many, the NOS/NEC ones first).  When the heading
    was a billable code in another installed year (`G35` until FY2025), the message
    says so."""
    if facts.status != HEADER:
        return []
    kb, code = facts.kb, facts.code
    cs = kb.codeset
    below = on_date(kb, cs.billable_below(facts.node))
    kind = cs.kind_of(facts.node)
    message = (f"{code} ({cs.title_of(facts.node)}) is a {kind} with {len(below)} code"
               f"{'s' if len(below) != 1 else ''} below it, not a reportable code")
    history = kb.years_valid(code)
    if history:
        message += (f"; it was a billable code in {', '.join(f'FY{y}' for y in history)} "
                    f"but not in FY{cs.fiscal_year}")
    shown = residual_first(kb, below, heading=code)
    message += f": use {listing(shown, len(below))}"
    return [Problem("non-billable", message, replace_fixes(kb, shown))]


@rule("non-canonical", Severity.HINT, ENCOUNTER, "-",
      "a code written without its dot or in lower case", trigger=NON_CANONICAL)
def non_canonical(ctx: EncounterContext) -> None:
    """`e1122` and `E1122` are read as `E11.22`, but the canonical form (upper case, a dot
    after the category) is what code books, payers' tools and search show, and what
    makes a file easy to scan and diff.  The fix rewrites the code only, and is safe:
    `--fix` applies it."""
    facts_of = ctx.kb.facts
    for dx in ctx.encounter.diagnoses:
        if dx.code is None or dx.raw_code == dx.code:
            continue
        facts = facts_of(dx.code)
        if facts.status in IN_CODE_SET or facts.status == OTHER_YEAR:
            raw = dx.raw_code
            hows = []
            if raw.upper() != raw:
                hows.append("in lower case")
            if raw.endswith("."):
                hows.append("with a trailing dot")
            elif "." not in raw and "." in facts.code:
                hows.append("without its dot")
            how = " and ".join(hows) or "in another form"
            ctx.report("non-canonical", dx.code_span, f"{dx.raw_code} is {facts.code} written {how}",
                       facts.code, (), [Fix(f"Write {facts.code}", (TextEdit(dx.code_span, facts.code),),
                                            safe=True, preferred=True)])
