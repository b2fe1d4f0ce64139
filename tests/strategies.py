"""Hypothesis strategies for encounter files, shared by the fuzz and stress tests.

Three families, from friendly to hostile:

* `valid_files()`: well-formed files made of real FY2026 billable codes (read from
  the CMS order list in tests/data, not from the engine under test), with headers
  dated in FY2025 or FY2026, settings, POA flags, free text, comments, `# allow:`
  comments naming real rules, and the things coders really write that rules
  catch: Excludes1 pairs, etiology/manifestation pairs, right + left codes,
  duplicates, codes from one category, non-canonical spellings (`e1122`),
  non-billable, unknown and incomplete codes.  Line endings are LF, CRLF or CR.
* `mutated_files()`: a valid file with characters inserted, deleted or replaced
  at random places: emoji, CR, CRLF, tabs, NUL, `#`, `:`, `=`, dots, digits...
* `hostile_texts()`: any code points, lone surrogates included, alone or as
  lines mixed with valid ones.

`any_files()` is one of the three.  The code lists load on first draw, so
importing this module costs nothing.
"""

from __future__ import annotations

import datetime
from functools import cache

from codelists import code_list
from hypothesis import strategies as st

from icd10ls.codeset.codes import dotted

__all__ = [
    "PAIRS",
    "TROUBLE_CODES",
    "RULE_IDS",
    "billable_2026",
    "real_code",
    "code_spelling",
    "valid_files",
    "mutated_files",
    "hostile_texts",
    "any_files",
    "any_char",
]

# Pairs coders write that rules are about: Excludes1, etiology/manifestation (both
# orders), right + left with a bilateral code, "use additional code", an external
# cause first, sequela, and two codes of one category.
PAIRS = [
    ("A15.4", "A15.7"),
    ("G20.A1", "F02.80"),
    ("F02.80", "G20.A1"),
    ("G30.9", "F02.80"),
    ("E11.22", "N18.4"),
    ("I12.9", "N18.31"),
    ("H65.91", "H65.92"),
    ("M17.11", "M17.12"),
    ("S72.001A", "S72.002A"),
    ("W19.XXXA", "S52.521A"),
    ("S52.521A", "W19.XXXA"),
    ("I69.351", "I10"),
    ("N39.0", "B95.2"),
    ("O24.419", "Z3A.30"),
    ("E66.9", "Z68.41"),
    ("C50.911", "Z17.0"),
    ("T40.2X1A", "X58.XXXA"),
    ("E11.9", "E11.22"),
]
# Codes that are wrong in one way or another: non-billable, unknown, missing or
# invalid 7th character, missing placeholder, deleted in FY2026, misplaced dot,
# in one of the two years only, lone trailing dot.
TROUBLE_CODES = [
    "E11.2", "R51", "G20", "E1399", "QA0.0141", "T07A", "t07a", "T36.01A", "S52.521", "S06.1X7D",
    "S03.40A", "G35", "E112.2", "E11.", "Z99.99X", "S02.2XXS", "J34.2", "L70.9", "F05", "R41.0",
    "S30.1XXA", "G35.A",
]
RULE_IDS = [
    "excludes1", "duplicate-code", "code-first", "manifestation-first", "laterality", "non-canonical",
    "unspecified-code", "use-additional-code", "code-also", "placeholder", "non-billable", "syntax",
    "nope",  # not a rule: the syntax rule reports it
]


@cache
def billable_2026() -> tuple[str, ...]:
    """Every FY2026 billable code, dotted, in tabular order."""
    return tuple(dotted(code) for code in code_list(2026).billable)


@cache
def _by_category() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for code in billable_2026():
        out.setdefault(code[:3], []).append(code)
    return {category: tuple(codes) for category, codes in out.items()}


real_code = st.deferred(lambda: st.sampled_from(billable_2026()))


def _pick(draw: st.DrawFn, items):
    """One of `items` (a sequence known only while drawing), without building a strategy per draw."""
    return items[draw(_index(len(items)))]


_INDEX = [st.integers(0, n - 1) for n in range(1, 65)]


def _index(n: int) -> st.SearchStrategy[int]:
    return _INDEX[n - 1] if n <= len(_INDEX) else st.integers(0, n - 1)


def _sibling(draw: st.DrawFn, code: str) -> str:
    """Another billable code of the same category (often related by notes)."""
    return _pick(draw, _by_category().get(code[:3], (code,)))


_SPELLINGS = st.sampled_from(["canonical"] * 5 + ["lower", "nodot", "lower-nodot"])


def _spelling(draw: st.DrawFn, code: str) -> str:
    """The code as a coder may type it: canonical most of the time, else lower case and/or without the dot."""
    form = draw(_SPELLINGS)
    if "lower" in form:
        code = code.lower()
    if "nodot" in form:
        code = code.replace(".", "")
    return code


code_spelling = st.composite(_spelling)


# -- valid files ------------------------------------------------------------------------------

_FY_START, _FY_END = datetime.date(2024, 10, 1), datetime.date(2026, 9, 30)  # FY2025 and FY2026
_words = st.lists(st.sampled_from(["diabetes", "with", "CKD", "stage", "4", "left", "knee", "follow-up",
                                   "r/o", "caf\u00e9", "\U0001f600", "(per", "Dr.", "K)", "x2"]),
                  min_size=1, max_size=5).map(" ".join)
_indent = st.sampled_from(["", "", "", "  ", "\t"])
_HEADER_VALUES = {
    "date": st.builds(lambda day, iso: day.isoformat() if iso else f"{day.month:02d}/{day.day:02d}/{day.year}",
                      st.dates(_FY_START, _FY_END), st.booleans()),
    "setting": st.sampled_from(["inpatient", "outpatient", "Inpatient"]),
    "sex": st.sampled_from(["F", "M", "U", "f"]),
    "age": st.integers(0, 124).map(str),
    "note": _words,
}
_header_keys = st.lists(st.sampled_from(sorted(_HEADER_VALUES)), unique=True, max_size=5)
_key_case = st.sampled_from([str, str, str.capitalize, str.upper])
_after_colon = st.sampled_from([" ", "", "  "])


@st.composite
def header_lines(draw: st.DrawFn) -> list[str]:
    out = []
    for key in draw(_header_keys):
        written = draw(_key_case)(key)
        out.append(f"{draw(_indent)}{written}:{draw(_after_colon)}{draw(_HEADER_VALUES[key])}")
    return out


_dx_prefix = st.sampled_from(["", "", "dx: ", "DX:", "dx:\t"])
_poa = st.sampled_from(["", "", "", " poa=Y", " poa=N", " POA=u", " poa=W", " poa=1"])
_dx_text = st.one_of(st.just(""), st.just(""), _words.map(lambda w: "  " + w))
_dx_comment = st.one_of(
    st.just(""), st.just(""), st.just(""),
    st.just("  # checked"),
    st.lists(st.sampled_from(RULE_IDS), min_size=1, max_size=3, unique=True).map(
        lambda rules: "  # allow: " + ", ".join(rules)),
    st.sampled_from(["  # allow: excludes1; seen by Dr. K", " #allow:duplicate-code"]),
)


def _dx_line(draw: st.DrawFn, code: str) -> str:
    return f"{draw(_indent)}{draw(_dx_prefix)}{code}{draw(_poa)}{draw(_dx_text)}{draw(_dx_comment)}"


_dx_kind = st.sampled_from(["real", "real", "real", "sibling", "pair", "trouble", "trouble", "duplicate", "respell"])
_pair = st.sampled_from(PAIRS)
_trouble = st.sampled_from(TROUBLE_CODES)


@st.composite
def diagnosis_lines(draw: st.DrawFn) -> list[str]:
    """An encounter's dx lines, built so that rules have something to find."""
    lines: list[str] = []
    codes: list[str] = []
    for _ in range(draw(st.integers(0, 7))):
        kind = draw(_dx_kind)
        if kind == "sibling" and codes:
            new = [_sibling(draw, _pick(draw, codes))]
        elif kind == "pair":
            new = list(draw(_pair))
        elif kind == "trouble":
            lines.append(_dx_line(draw, draw(_trouble)))
            continue
        elif kind == "duplicate" and lines:
            lines.append(_pick(draw, lines))  # an exact copy of an earlier line
            continue
        elif kind == "respell" and codes:
            new = [_pick(draw, codes)]  # the same code again, perhaps spelled otherwise
        else:
            new = [draw(real_code)]
        for code in new:
            codes.append(code)
            lines.append(_dx_line(draw, _spelling(draw, code)))
    return lines


_encounter_word = st.sampled_from(["encounter", "Encounter", "encounter:"])
_encounter_id = st.one_of(st.just(""), st.builds(lambda a, n: f" {a}-{n}", st.sampled_from(["ENC", "AB", "x"]),
                                                 st.integers(0, 9999)))
_filler = st.sampled_from(["", "   ", "# a comment", "  # \U0001f600 note"])


@st.composite
def encounter_block(draw: st.DrawFn, first: bool) -> list[str]:
    out = []
    if not first or draw(st.booleans()):
        out.append(draw(_encounter_word) + draw(_encounter_id))
    out += draw(header_lines())
    out += draw(diagnosis_lines())
    # Blank and comment lines anywhere in the block, never before its 'encounter' line.
    lowest = 1 if out and out[0].lower().startswith("encounter") else 0
    for _ in range(draw(st.integers(0, 2))):
        out.insert(draw(st.integers(lowest, max(lowest, len(out)))), draw(_filler))
    return out


_ending = st.sampled_from(["\n", "\n", "\n", "\r\n", "\r\n", "\r"])


@st.composite
def valid_files(draw: st.DrawFn) -> str:
    lines: list[str] = []
    for index in range(draw(st.integers(1, 4))):
        lines += draw(encounter_block(index == 0))
    ending = draw(_ending)
    text = ending.join(lines)
    if draw(st.booleans()):
        text += ending
    return text


# -- mutated files ------------------------------------------------------------------------------

NASTY = [
    "\U0001f600", "\U0001f469\u200d\u2695\ufe0f", "\r\n", "\r", "\n", "\t", "\x00", "#", ":", "=", ".", " ",
    "\ufeff", "\u00a0", "\u2028", "\x0b", "\x0c", "\x1c", "poa=", "dx:", "# allow:", "encounter ", "date: ",
    "E11.2", "1", "X", "A", "\u0131", "\u017f", ",", ";", "\U00010000", "\ud800",
]
_piece = st.one_of(st.sampled_from(NASTY), st.text(st.characters(exclude_categories=()), min_size=1, max_size=4))


@st.composite
def mutated_files(draw: st.DrawFn) -> str:
    text = draw(valid_files())
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(text)))
        operation = draw(st.sampled_from(["insert", "insert", "delete", "replace"]))
        if operation == "insert":
            text = text[:at] + draw(_piece) + text[at:]
        elif operation == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 12)):]
        else:
            text = text[:at] + draw(_piece) + text[at + 1:]
    return text


# -- hostile text -------------------------------------------------------------------------------

any_char = st.characters(exclude_categories=())  # every code point, lone surrogates included
_hostile_line = st.text(any_char, max_size=40).map(lambda t: t.replace("\r", "").replace("\n", ""))


@st.composite
def _hostile_lines(draw: st.DrawFn) -> str:
    """Hostile lines mixed with pieces of valid files."""
    lines = draw(st.lists(st.one_of(_hostile_line, _hostile_line, valid_files()), max_size=12))
    ends = draw(st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=1, max_size=3))
    return "".join(line + ends[i % len(ends)] for i, line in enumerate(lines))


def hostile_texts() -> st.SearchStrategy[str]:
    return st.one_of(st.text(any_char, max_size=400), _hostile_lines())


def any_files() -> st.SearchStrategy[str]:
    return st.one_of(valid_files(), mutated_files(), hostile_texts())
