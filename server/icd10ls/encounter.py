"""Parser for encounter files (``*.enc``).

An encounter file is a plain-text list of encounters, each a few ``key: value``
header lines (date, setting, sex, age, note) followed by its diagnosis codes in
order.  See ``docs/encounter-format.md`` for the format as coders see it.

This module knows the *syntax* only: it does not know which codes exist.  It
keeps the exact position of every token so that the language server can
underline, hover and fix precisely, and it never raises: whatever the text, the
result is an :class:`EncounterFile` whose ``issues`` list what could not be read.

Positions follow the language server protocol's conventions except for the
unit: lines are 0-based, characters are 0-based Python ``str`` indices (code
points) within the line, and a span's ``end`` is exclusive.  Lines are split on
``\\r\\n``, ``\\r`` and ``\\n`` only, so ``lines`` has exactly the lines an
editor shows.

Lines are independent: :func:`parse_line` reads one line on its own, and
:func:`parse` only adds what needs context (which encounter a line belongs to,
headers given twice or after the first diagnosis).
"""

from __future__ import annotations

import datetime
import gc
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from .codeset.codes import CODE_TOKEN, normalize

__all__ = [
    "Span",
    "SyntaxIssue",
    "Header",
    "Diagnosis",
    "Procedure",
    "AllowComment",
    "Encounter",
    "EncounterFile",
    "ParsedLine",
    "parse",
    "parse_line",
    "split_lines",
    "code_of",
    "parse_date",
    "read_header_value",
    "new_span",
    "HEADER_KEYS",
    "POA_FLAGS",
    "DISCHARGE_STATUSES",
    "DEFAULT_DISCHARGE_STATUS",
    "procedure_code_of",
    "BLANK",
    "COMMENT",
    "ENCOUNTER",
    "HEADER",
    "DX",
    "PX",
    "UNKNOWN",
]

# --------------------------------------------------------------------------- model


@dataclass(frozen=True, slots=True)
class Span:
    """A range within one line: ``[start, end)`` in code points."""

    line: int
    start: int
    end: int

    def contains(self, line: int, character: int) -> bool:
        """True if the position is inside the span or touches its end (a cursor after it)."""
        return line == self.line and self.start <= character <= self.end


@dataclass(slots=True)
class SyntaxIssue:
    span: Span
    message: str
    # A stable identifier of the kind of problem (see ISSUE_KINDS), for tests and
    # quick fixes; the message is for people and may be reworded.
    kind: str = "syntax"


@dataclass(slots=True)
class Header:
    key: str  # lower-case key: 'date', 'setting', 'sex', 'age', 'note'
    key_span: Span
    raw_value: str  # the value as written, surrounding blanks removed
    # Span of the value text.  When the value is missing it is the empty span
    # right after the ':', where a value would be typed.
    value_span: Span
    # datetime.date | 'inpatient'/'outpatient' | 'F'/'M'/'U' | int | str; None if invalid.
    value: object


@dataclass(slots=True)
class Diagnosis:
    raw_code: str  # exactly as written
    code_span: Span
    code: str | None  # icd10ls.codes.normalize(raw_code), or None if not code-shaped
    poa: str | None  # upper-case flag (Y, N, U, W, 1) or None
    poa_span: Span | None  # span of the whole 'poa=Y' token
    text: str  # the free text after the code/poa, stripped
    line: int
    index: int  # 0-based order within its encounter (0 = principal/first-listed)
    text_span: Span | None = None  # span of `text`, None when there is none


@dataclass(slots=True)
class Procedure:
    """An ICD-10-PCS procedure code of an inpatient stay (`px: 02703DZ`)."""

    raw_code: str  # exactly as written
    code_span: Span
    code: str | None  # upper case, if shaped like a PCS code (7 characters, no I or O)
    text: str  # free text after the code, stripped
    line: int
    index: int  # 0-based order within its encounter (0 = principal procedure)
    text_span: Span | None = None


@dataclass(slots=True)
class AllowComment:
    line: int
    rules: tuple[str, ...]  # lower-case rule ids, in the order written
    spans: tuple[Span, ...]  # one per rule id
    comment_span: Span  # whole comment including '#'
    reason: str = ""  # free text after a ';' following the rule ids


@dataclass(slots=True)
class Encounter:
    id: str | None
    id_span: Span | None
    start_line: int  # the `encounter` line, or the first content line of the implicit one
    end_line: int  # last non-blank line belonging to it (inclusive)
    implicit: bool
    headers: dict[str, Header]  # first occurrence of each key
    diagnoses: list[Diagnosis]
    procedures: list[Procedure] = field(default_factory=list)  # `px:` lines, in order

    def _value(self, key: str) -> object:
        header = self.headers.get(key)
        return None if header is None else header.value

    @property
    def date(self) -> datetime.date | None:
        """Date of service (outpatient) or discharge (inpatient); None if missing or invalid."""
        return self._value("date")  # type: ignore[return-value]

    @property
    def setting(self) -> str | None:
        """'inpatient' or 'outpatient' as written; None if not given (or invalid)."""
        return self._value("setting")  # type: ignore[return-value]

    @property
    def effective_setting(self) -> str:
        """The setting, with the format's default ('outpatient') when none is given."""
        return self._value("setting") or "outpatient"  # type: ignore[return-value]

    @property
    def sex(self) -> str | None:
        return self._value("sex")  # type: ignore[return-value]

    @property
    def age(self) -> int | None:
        return self._value("age")  # type: ignore[return-value]

    @property
    def discharge_status(self) -> int:
        """The patient discharge status (01 home when not given or unreadable)."""
        return self._value("discharge-status") or DEFAULT_DISCHARGE_STATUS  # type: ignore[return-value]

    @property
    def note(self) -> str | None:
        return self._value("note")  # type: ignore[return-value]

    @property
    def principal(self) -> Diagnosis | None:
        """The first diagnosis (principal for inpatient, first-listed for outpatient)."""
        return self.diagnoses[0] if self.diagnoses else None


# Kinds of line, as returned by EncounterFile.line_kind and ParsedLine.kind.
BLANK = "blank"
COMMENT = "comment"
ENCOUNTER = "encounter"
HEADER = "header"
DX = "dx"
PX = "px"  # an ICD-10-PCS procedure line
UNKNOWN = "unknown"  # unknown key or unrecognized line


@dataclass(slots=True)
class ParsedLine:
    """What one line says on its own, before it is placed in an encounter."""

    line: int
    kind: str
    start: int = 0  # first non-blank character of the content (the part before any comment)
    end: int = 0  # end of the content, trailing blanks excluded
    comment: Span | None = None
    allow: AllowComment | None = None
    header: Header | None = None  # kind == HEADER
    diagnosis: Diagnosis | None = None  # kind == DX, unless 'dx:' has no code at all
    procedure: Procedure | None = None  # kind == PX, unless 'px:' has no code at all
    key_span: Span | None = None  # the key of a 'key:' line (also 'dx' and unknown keys)
    encounter_id: str | None = None  # kind == ENCOUNTER
    encounter_id_span: Span | None = None
    issues: Sequence[SyntaxIssue] = ()


@dataclass(slots=True)
class EncounterFile:
    text: str
    lines: list[str]  # split on \r\n, \r or \n; as many as an editor shows
    encounters: list[Encounter]
    issues: list[SyntaxIssue]
    allows: dict[int, AllowComment]  # by line
    comments: dict[int, Span]  # every comment span by line
    kinds: list[str] = field(default_factory=list, repr=False)  # line kind per line

    def encounter_at(self, line: int) -> Encounter | None:
        """The encounter whose lines (start_line..end_line) include `line`, if any."""
        i = bisect_right(self.encounters, line, key=_start_line) - 1
        if i < 0:
            return None
        encounter = self.encounters[i]
        return encounter if line <= encounter.end_line else None

    def diagnosis_at(self, line: int, character: int) -> Diagnosis | None:
        """The diagnosis whose code is at the position (its end included), if any."""
        dx = self.diagnosis_on_line(line)
        if dx is not None and dx.code_span.start <= character <= dx.code_span.end:
            return dx
        return None

    def diagnosis_on_line(self, line: int) -> Diagnosis | None:
        """The diagnosis written on `line`, wherever the position on the line."""
        encounter = self.encounter_at(line)
        if encounter is None:
            return None
        diagnoses = encounter.diagnoses
        i = bisect_right(diagnoses, line, key=_dx_line) - 1
        return diagnoses[i] if i >= 0 and diagnoses[i].line == line else None

    def line_kind(self, line: int) -> str:
        """'blank', 'comment', 'encounter', 'header', 'dx' or 'unknown'.

        A line past the end of the file (or negative) is 'blank'.
        """
        if not 0 <= line < len(self.lines):
            return BLANK
        if len(self.kinds) == len(self.lines):
            return self.kinds[line]
        return parse_line(self.lines[line], line).kind


def _start_line(encounter: Encounter) -> int:
    return encounter.start_line


def _dx_line(dx: Diagnosis) -> int:
    return dx.line


# --------------------------------------------------------------------------- vocabulary

HEADER_KEYS = ("date", "setting", "sex", "age", "discharge-status", "note")
POA_FLAGS = frozenset({"Y", "N", "U", "W", "1"})
SETTINGS = frozenset({"inpatient", "outpatient"})
SEXES = frozenset({"F", "M", "U"})
MAX_AGE = 124
DEFAULT_DISCHARGE_STATUS = 1
# The patient discharge status codes CMS's code editor accepts on an inpatient claim
# (UB-04 form locator 17), with what each means.
DISCHARGE_STATUSES = {
    1: "discharged to home or self care",
    2: "transferred to a short-term general hospital",
    3: "transferred to a skilled nursing facility",
    4: "transferred to an intermediate care facility",
    5: "transferred to a designated cancer center or children's hospital",
    6: "discharged to home under a home health organization",
    7: "left against medical advice",
    20: "expired",
    21: "discharged to court or law enforcement",
    30: "still a patient",
    43: "transferred to a federal health care facility",
    50: "discharged to hospice, home",
    51: "discharged to hospice, medical facility",
    61: "transferred to a swing bed",
    62: "transferred to an inpatient rehabilitation facility or unit",
    63: "transferred to a long-term care hospital",
    64: "transferred to a nursing facility certified under Medicaid only",
    65: "transferred to a psychiatric hospital or unit",
    66: "transferred to a critical access hospital",
    69: "transferred to a designated disaster alternative care site",
    70: "transferred to another type of health care institution",
    81: "home or self care, with a planned acute care readmission",
    82: "short-term general hospital, with a planned acute care readmission",
    83: "skilled nursing facility, with a planned acute care readmission",
    84: "intermediate care facility, with a planned acute care readmission",
    85: "cancer center or children's hospital, with a planned acute care readmission",
    86: "home health, with a planned acute care readmission",
    87: "court or law enforcement, with a planned acute care readmission",
    88: "federal health care facility, with a planned acute care readmission",
    89: "swing bed, with a planned acute care readmission",
    90: "rehabilitation facility or unit, with a planned acute care readmission",
    91: "long-term care hospital, with a planned acute care readmission",
    92: "Medicaid-only nursing facility, with a planned acute care readmission",
    93: "psychiatric hospital or unit, with a planned acute care readmission",
    94: "critical access hospital, with a planned acute care readmission",
    95: "other institution, with a planned acute care readmission",
}

# Identifiers of SyntaxIssue.kind.
ISSUE_KINDS = (
    "bad-value",  # a header value that cannot be read (date, setting, sex, age)
    "missing-value",  # 'date:' with nothing after it
    "unknown-key",  # 'foo: ...'
    "header-after-dx",  # a header below the first dx of its encounter
    "duplicate-header",  # the same header twice in one encounter
    "missing-code",  # 'dx:' or 'px:' with nothing after it
    "not-a-procedure",  # 'px: XYZ' where XYZ is not shaped like an ICD-10-PCS code
    "not-a-code",  # 'dx: XYZ' where XYZ is not shaped like a code
    "bad-poa",  # 'poa=Q', 'poa=' or a poa flag that is not right after the code
    "unrecognized-line",  # anything else
    "extra-text",  # text after the id on an 'encounter' line
    "bad-allow",  # a malformed '# allow:' comment
    "internal",  # the parser failed on this line (a bug; please report it)
)

# Key names coders are likely to try, and the key meant.
_KEY_HINTS = {
    "dos": "date",
    "service": "date",
    "discharge": "date",
    "admission": "date",
    "admit": "date",
    "visit": "date",
    "gender": "sex",
    "type": "setting",
    "place": "setting",
    "pos": "setting",
    "years": "age",
    "notes": "note",
    "comment": "note",
    "diagnosis": "dx",
    "diag": "dx",
    "code": "dx",
    "icd": "dx",
    "icd10": "dx",
    "pdx": "dx",
    "id": "encounter",
    "procedure": "px",
    "proc": "px",
    "pcs": "px",
    "disposition": "discharge-status",
    "status": "discharge-status",
    "discharge_status": "discharge-status",
    "dischargestatus": "discharge-status",
}

# --------------------------------------------------------------------------- patterns

_NEWLINE = re.compile(r"\r\n|\r|\n")
_TOKEN = re.compile(r"\S+")
_BLANKS = re.compile(r"\s*")
_KEY = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)\s*:")
_POA = re.compile(r"poa\s*[=:]", re.IGNORECASE)
_STRAY_POA = re.compile(r"(?<!\S)poa\s*[=:]\S*", re.IGNORECASE)
_ALLOW = re.compile(r"\s*allow\s*:", re.IGNORECASE)
_ALLOW_ITEM = re.compile(r"[^\s,;#]+")
_RULE_ID = re.compile(r"[a-z0-9-]+", re.IGNORECASE)
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_US_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_AGE = re.compile(r"[0-9]{1,3}")
_DISCHARGE_STATUS = re.compile(r"[0-9]{2}")
# ICD-10-PCS: seven characters, digits and letters other than I and O.
_PCS_CODE = re.compile(r"[0-9A-HJ-NP-Z]{7}")

# The common, well-formed lines, matched in one go (content only, the comment
# excluded by `endpos`):
#   1-2  a known header key and its value;
#   3-4  an 'encounter' line and its id (after a colon or a blank: 'encounter :ENC-1'
#        has the id 'ENC-1', and 'encounterX' is no encounter line);
#   5-7  a dx line: optional 'dx:', 5 the first token (taken only if code_of()
#        accepts it), 6 a valid poa flag, 7 text without '=' or ':' (so that no
#        stray 'poa=' hides in it).
# The dx branch matches almost any line, so it comes last.  Anything not taken
# goes through the general path (parse_line), which gives the same result for
# the lines taken here (a property test checks it).
_FAST = re.compile(
    r"\s*(?:"
    r"((?i:date|setting|sex|age|discharge-status|note))\s*:\s*(\S(?:.*\S)?)?"
    r"|((?i:encounter))(?:\s*:)?\s*(?:(?<=[\s:])(\S+))?"
    r"|(?:[dD][xX]\s*:\s*)?(\S+)"
    r"(?:\s+([pP][oO][aA]\s*=[YNUWynuw1]))?"
    r"(?:\s+([^\s=:](?:[^=:]*[^\s=:])?))?"
    r")\s*"
)

_NO_ISSUES: tuple[SyntaxIssue, ...] = ()

# Spans are created for nearly every token, and a frozen dataclass's own
# __init__ is slow (it goes through object.__setattr__ per field); this makes
# the same objects by setting the slots directly.
_new_object = object.__new__
_set_line = Span.line.__set__  # type: ignore[attr-defined]
_set_start = Span.start.__set__  # type: ignore[attr-defined]
_set_end = Span.end.__set__  # type: ignore[attr-defined]


def _span(line: int, start: int, end: int) -> Span:
    span = _new_object(Span)
    _set_line(span, line)
    _set_start(span, start)
    _set_end(span, end)
    return span


new_span = _span  # Span(line, start, end), fast: for readers that build many (claims files)


def split_lines(text: str) -> list[str]:
    """The lines of `text` as an editor shows them (``\\r\\n``, ``\\r`` or ``\\n`` end a line)."""
    if "\r" in text:
        return _NEWLINE.split(text)
    return text.split("\n")


def _show(text: str, limit: int = 40) -> str:
    """`text` quoted for a message: shortened, with invisible characters escaped."""
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    if not text.isprintable():
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return f"'{text}'"


# Codes repeat a lot in a file (and across the files of a run): remember the
# answer for the tokens seen.
_code_cache: dict[str, str | None] = {}
_CODE_CACHE_SIZE = 100_000
_MISSING: object = object()


def code_of(token: str) -> str | None:
    """Canonical code for a whole token if it is code-shaped, else None.

    ``codes.normalize`` decides, for ASCII tokens; a token with any other
    character is not a code.  (normalize() upper-cases first, which turns a few
    non-ASCII letters such as the long s 'ſ' or the dotless 'ı' into ASCII
    ones; a code typed with a look-alike character is not a code.)
    """
    try:
        return _code_cache[token]
    except KeyError:
        pass
    code = normalize(token) if token.isascii() else None
    if len(token) <= 16:
        if len(_code_cache) >= _CODE_CACHE_SIZE:
            _code_cache.clear()
        _code_cache[token] = code
    return code


# --------------------------------------------------------------------------- values


def parse_date(raw: str) -> datetime.date | None:
    """A real calendar date written YYYY-MM-DD or M/D/YYYY (MM/DD/YYYY), else None."""
    m = _ISO_DATE.fullmatch(raw)
    if m is not None:
        year, month, day = m.groups()
    else:
        m = _US_DATE.fullmatch(raw)
        if m is None:
            return None
        month, day, year = m.groups()
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None


def _read_value(key: str, raw: str) -> tuple[object, str | None]:
    """(value, None) or (None, message) for the value of a header other than 'note'."""
    if key == "date":
        value = parse_date(raw)
        if value is None:
            return None, f"{_show(raw)} is not a valid date (use YYYY-MM-DD or MM/DD/YYYY)"
        return value, None
    if key == "setting":
        lowered = raw.lower()
        if lowered in SETTINGS:
            return lowered, None
        return None, f"'setting' must be inpatient or outpatient, not {_show(raw)}"
    if key == "sex":
        upper = raw.upper()
        if upper in SEXES and raw.isascii():
            return upper, None
        return None, f"'sex' must be F, M or U, not {_show(raw)}"
    if key == "discharge-status":
        if _DISCHARGE_STATUS.fullmatch(raw) is not None and int(raw) in DISCHARGE_STATUSES:
            return int(raw), None
        return None, (f"'discharge-status' must be a patient discharge status code of two digits"
                      f" such as 01 (home) or 20 (expired), not {_show(raw)}")
    # age
    if _AGE.fullmatch(raw) is not None:
        age = int(raw)
        if age <= MAX_AGE:
            return age, None
    return None, f"'age' must be a whole number of years from 0 to {MAX_AGE}, not {_show(raw)}"


# For readers that build encounters from other sources than text (claims files).
read_header_value = _read_value

_EXAMPLES = {
    "date": "date: 2026-03-14",
    "setting": "setting: outpatient",
    "sex": "sex: F",
    "age": "age: 67",
    "discharge-status": "discharge-status: 01",
}


def procedure_code_of(token: str) -> str | None:
    """The token upper-cased if it is shaped like an ICD-10-PCS code (`02703DZ`), else None."""
    upper = token.upper()
    return upper if token.isascii() and _PCS_CODE.fullmatch(upper) is not None else None

# --------------------------------------------------------------------------- one line


def parse_line(text: str, line: int = 0) -> ParsedLine:
    """Read one line (without its line ending) on its own; `line` is its number for spans.

    Never raises.  Issues that need the rest of the file (duplicated headers,
    headers after the first dx) are added by :func:`parse`.
    """
    try:
        return _parse_line(text, line)
    except Exception as exc:  # a bug; keep the server alive and say where
        return _internal_error(text, line, exc)


def _internal_error(text: str, line: int, exc: Exception) -> ParsedLine:
    end = len(text.rstrip())
    start = len(text) - len(text.lstrip())
    if end < start:
        start = end = 0
    issue = SyntaxIssue(
        Span(line, start, end),
        f"icd10ls could not read this line (internal error: {type(exc).__name__})",
        "internal",
    )
    return ParsedLine(line, UNKNOWN, start, end, issues=[issue])


def _read_comment(
    s: str, ln: int, hash_at: int, alone: bool
) -> tuple[Span, AllowComment | None, Sequence[SyntaxIssue]]:
    """The comment starting at s[hash_at] == '#': its span, and what '# allow:' says."""
    comment_end = len(s.rstrip())
    comment = _span(ln, hash_at, comment_end)
    m = _ALLOW.match(s, hash_at + 1, comment_end)
    if m is None:
        return comment, None, _NO_ISSUES
    allow, issues = _parse_allow(s, ln, m.end(), comment_end, comment, alone)
    return comment, allow, issues


def _parse_line(s: str, ln: int) -> ParsedLine:
    hash_at = s.find("#")
    content = s if hash_at < 0 else s[:hash_at]
    stripped = content.lstrip()
    start = len(content) - len(stripped)
    end = len(content.rstrip()) if stripped else start

    if hash_at < 0:
        return _parse_content(content, ln, start, end, None, None)
    comment, allow, comment_issues = _read_comment(s, ln, hash_at, not stripped)
    if not stripped:
        return ParsedLine(ln, COMMENT, start, end, comment, allow, issues=comment_issues)
    parsed = _parse_content(content, ln, start, end, comment, allow)
    if comment_issues:
        # In the order of the line: the comment is at its end.
        parsed.issues = [*parsed.issues, *comment_issues]
    return parsed


def _parse_content(
    content: str,
    ln: int,
    start: int,
    end: int,
    comment: Span | None,
    allow: AllowComment | None,
) -> ParsedLine:
    """The part of a line before its comment: content[start:end] is it without blanks."""
    if start >= end:
        return ParsedLine(ln, BLANK, start, end)

    token = _TOKEN.match(content, start)
    assert token is not None  # content has a non-blank character at `start`
    tok_end = token.end()
    raw = token.group()
    issues: list[SyntaxIssue] = []

    # A line that starts with a code is a dx line.
    code = code_of(raw)
    if code is not None:
        dx = _parse_dx_rest(content, ln, raw, start, tok_end, end, code, issues)
        return ParsedLine(ln, DX, start, end, comment, allow, diagnosis=dx, issues=issues)

    key_match = _KEY.match(content, start, end)
    if key_match is not None:
        key_word = key_match.group(1)
        key = key_word.lower()
        key_span = _span(ln, start, key_match.end(1))
        value_start = _BLANKS.match(content, key_match.end(), end).end()
        if key == "encounter":
            return _encounter_line(content, ln, start, end, value_start, comment, allow, issues)
        if key == "dx":
            dx = _parse_coded_value(content, ln, key_span, value_start, end, issues, False)
            return ParsedLine(
                ln, DX, start, end, comment, allow, diagnosis=dx, key_span=key_span, issues=issues
            )
        if key == "px":
            px = _parse_coded_value(content, ln, key_span, value_start, end, issues, True)
            return ParsedLine(
                ln, PX, start, end, comment, allow, procedure=px, key_span=key_span, issues=issues
            )
        if key in HEADER_KEYS:
            header = _parse_header(
                content, ln, key, key_span, key_match.end(), value_start, end, issues
            )
            return ParsedLine(
                ln,
                HEADER,
                start,
                end,
                comment,
                allow,
                header=header,
                key_span=key_span,
                issues=issues,
            )
        if code_of(key_word) is None:
            issues.append(SyntaxIssue(key_span, _unknown_key_message(key_word), "unknown-key"))
            return ParsedLine(
                ln, UNKNOWN, start, end, comment, allow, key_span=key_span, issues=issues
            )
        # 'E11: ...' -- a code glued to a colon; reported as an unrecognized line below.

    if raw.lower() == "encounter":
        value_start = _BLANKS.match(content, tok_end, end).end()
        return _encounter_line(content, ln, start, end, value_start, comment, allow, issues)

    issues.append(
        SyntaxIssue(_span(ln, start, end), _unrecognized_message(raw), "unrecognized-line")
    )
    return ParsedLine(ln, UNKNOWN, start, end, comment, allow, issues=issues)


def _unknown_key_message(key_word: str) -> str:
    hint = _KEY_HINTS.get(key_word.lower())
    if hint == "encounter":
        return (
            f"unknown key {_show(key_word)}: write the encounter id on the encounter line,"
            " e.g. 'encounter ENC-2026-0001'"
        )
    if hint is not None:
        return f"unknown key {_show(key_word)}: did you mean '{hint}:'?"
    return (f"unknown key {_show(key_word)}: the keys are date, setting, sex, age,"
            " discharge-status, note, dx and px")


def _unrecognized_message(first: str) -> str:
    lowered = first.lower()
    for key in (*HEADER_KEYS, "dx", "px"):
        if lowered == key:
            return f"missing ':' after '{first}' (write '{key}: ...')"
    if first.isascii() and CODE_TOKEN.match(first) is not None:
        return (
            f"{_show(first)} is not a code: write one code per line,"
            " with a space between the code and any text"
        )
    return (
        "unrecognized line: expected a code, a header such as 'date: 2026-03-14',"
        " 'dx: CODE' or an 'encounter' line (comments start with '#')"
    )


def _encounter_line(
    content: str,
    ln: int,
    start: int,
    end: int,
    id_start: int,
    comment: Span | None,
    allow: AllowComment | None,
    issues: list[SyntaxIssue],
) -> ParsedLine:
    enc_id = id_span = None
    if id_start < end:
        token = _TOKEN.match(content, id_start, end)
        assert token is not None
        enc_id = token.group()
        id_span = _span(ln, id_start, token.end())
        extra = _BLANKS.match(content, token.end(), end).end()
        if extra < end:
            issues.append(
                SyntaxIssue(
                    _span(ln, extra, end),
                    f"unexpected text after the encounter id {_show(enc_id)}: an id is one word"
                    " (use '-' instead of spaces); put other details on a 'note:' line",
                    "extra-text",
                )
            )
    return ParsedLine(
        ln,
        ENCOUNTER,
        start,
        end,
        comment,
        allow,
        encounter_id=enc_id,
        encounter_id_span=id_span,
        issues=issues,
    )


def _parse_header(
    content: str,
    ln: int,
    key: str,
    key_span: Span,
    colon_end: int,
    value_start: int,
    end: int,
    issues: list[SyntaxIssue],
) -> Header:
    if value_start >= end:
        value_span = _span(ln, colon_end, colon_end)
        if key == "note":
            return Header(key, key_span, "", value_span, "")
        issues.append(
            SyntaxIssue(
                key_span, f"'{key}' has no value (e.g. '{_EXAMPLES[key]}')", "missing-value"
            )
        )
        return Header(key, key_span, "", value_span, None)
    raw = content[value_start:end]
    value_span = _span(ln, value_start, end)
    if key == "note":
        return Header(key, key_span, raw, value_span, raw)
    value, message = _read_value(key, raw)
    if message is not None:
        issues.append(SyntaxIssue(value_span, message, "bad-value"))
    return Header(key, key_span, raw, value_span, value)


def _value_token(
    content: str,
    ln: int,
    key_span: Span,
    value_start: int,
    end: int,
    issues: list[SyntaxIssue],
    read,
    example: str,
    wrong: str,
    kind: str,
) -> tuple[str, str | None, int] | None:
    """The code token after 'dx:' or 'px:': (raw, `read(raw)`, its end); a missing or
    unreadable code is reported."""
    if value_start >= end:
        key = content[key_span.start:key_span.end].lower()
        issues.append(
            SyntaxIssue(key_span, f"'{key}:' has no code (e.g. '{key}: {example}')", "missing-code")
        )
        return None
    token = _TOKEN.match(content, value_start, end)
    assert token is not None
    raw = token.group()
    code = read(raw)
    if code is None:
        issues.append(SyntaxIssue(_span(ln, value_start, token.end()), f"{_show(raw)} {wrong}", kind))
    return raw, code, token.end()


def _parse_coded_value(
    content: str,
    ln: int,
    key_span: Span,
    value_start: int,
    end: int,
    issues: list[SyntaxIssue],
    procedure: bool,
) -> Diagnosis | Procedure | None:
    """The part after 'dx:' (an ICD-10-CM code, POA flag, text) or 'px:' (an ICD-10-PCS code, text)."""
    if procedure:
        read, example, kind = procedure_code_of, "02703DZ", "not-a-procedure"
        wrong = ("is not an ICD-10-PCS code: a procedure code has 7 characters,"
                 " digits and letters other than I and O (e.g. 02703DZ)")
    else:
        read, example, kind = code_of, "E11.22", "not-a-code"
        wrong = "is not a code: an ICD-10-CM code looks like E11.22, I10 or S06.0X0A"
    found = _value_token(content, ln, key_span, value_start, end, issues, read, example, wrong, kind)
    if found is None:
        return None
    raw, code, code_end = found
    if not procedure:
        return _parse_dx_rest(content, ln, raw, value_start, code_end, end, code, issues)
    code_span = _span(ln, value_start, code_end)
    pos = _BLANKS.match(content, code_end, end).end()
    if pos >= end:
        return Procedure(raw, code_span, code, "", ln, 0)
    return Procedure(raw, code_span, code, content[pos:end], ln, 0, _span(ln, pos, end))


def _parse_dx_rest(
    content: str,
    ln: int,
    raw: str,
    code_start: int,
    code_end: int,
    end: int,
    code: str | None,
    issues: list[SyntaxIssue],
) -> Diagnosis:
    """The diagnosis whose code token is content[code_start:code_end]; reads poa and text."""
    code_span = _span(ln, code_start, code_end)
    if code_end >= end:
        return Diagnosis(raw, code_span, code, None, None, "", ln, 0)
    pos = _BLANKS.match(content, code_end, end).end()
    poa = poa_span = None
    m = _POA.match(content, pos, end)
    if m is not None:
        flag_start = m.end()
        flag_token = _TOKEN.match(content, flag_start, end)
        flag_end = flag_start if flag_token is None else flag_token.end()
        poa_span = _span(ln, pos, flag_end)
        flag = content[flag_start:flag_end]
        if not flag:
            issues.append(
                SyntaxIssue(
                    poa_span, "'poa=' needs a flag right after '=': Y, N, U, W or 1", "bad-poa"
                )
            )
        elif flag.upper() in POA_FLAGS and flag.isascii():
            poa = flag.upper()
        else:
            issues.append(
                SyntaxIssue(
                    _span(ln, flag_start, flag_end),
                    f"'poa' must be Y, N, U, W or 1, not {_show(flag)}",
                    "bad-poa",
                )
            )
        pos = _BLANKS.match(content, flag_end, end).end()
    if pos >= end:
        return Diagnosis(raw, code_span, code, poa, poa_span, "", ln, 0)
    text = content[pos:end]
    if "=" in text or ":" in text:
        for stray in _STRAY_POA.finditer(content, pos, end):
            message = (
                "the POA flag is given twice on this line"
                if poa_span is not None
                else "the POA flag must come right after the code (e.g. 'E11.22 poa=Y ...')"
            )
            issues.append(SyntaxIssue(_span(ln, stray.start(), stray.end()), message, "bad-poa"))
    return Diagnosis(raw, code_span, code, poa, poa_span, text, ln, 0, _span(ln, pos, end))


def _parse_allow(
    s: str, ln: int, pos: int, comment_end: int, comment: Span, alone: bool
) -> tuple[AllowComment, list[SyntaxIssue]]:
    """An '# allow: rule, rule; reason' comment; `pos` is just after 'allow:'."""
    issues: list[SyntaxIssue] = []
    semicolon = s.find(";", pos, comment_end)
    list_end = comment_end if semicolon < 0 else semicolon
    reason = "" if semicolon < 0 else s[semicolon + 1 : comment_end].strip()
    rules: list[str] = []
    spans: list[Span] = []
    for item in _ALLOW_ITEM.finditer(s, pos, list_end):
        word = item.group()
        span = _span(ln, item.start(), item.end())
        if _RULE_ID.fullmatch(word) is not None and word.isascii():
            rules.append(word.lower())
            spans.append(span)
        else:
            issues.append(
                SyntaxIssue(
                    span,
                    f"{_show(word)} is not a rule id: rule ids are made of a-z, 0-9 and '-'"
                    " (e.g. '# allow: excludes1')",
                    "bad-allow",
                )
            )
    if not rules and not issues:
        issues.append(
            SyntaxIssue(
                comment,
                "'# allow:' names no rule (e.g. '# allow: excludes1, duplicate-code')",
                "bad-allow",
            )
        )
    elif alone:
        issues.append(
            SyntaxIssue(
                comment,
                "'# allow:' on a line of its own silences nothing:"
                " put it at the end of the line it is about",
                "bad-allow",
            )
        )
    return AllowComment(ln, tuple(rules), tuple(spans), comment, reason), issues


# --------------------------------------------------------------------------- whole file


def parse(text: str) -> EncounterFile:
    """Parse an encounter file.  Never raises.

    The cyclic garbage collector is paused while parsing: a large file makes
    hundreds of thousands of small objects and no cycles, and collections
    triggered by those allocations would otherwise more than double the time.
    The parsed file goes to the oldest generation on the way out, so the first
    collection after it does not walk it all at once.
    """
    enabled = gc.isenabled()
    if enabled:
        gc.disable()
    try:
        return _parse(text, True)
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def _parse(text: str, fast: bool) -> EncounterFile:
    lines = split_lines(text)
    encounters: list[Encounter] = []
    issues: list[SyntaxIssue] = []
    allows: dict[int, AllowComment] = {}
    comments: dict[int, Span] = {}
    kinds: list[str] = []
    append_kind = kinds.append
    fast_match = _FAST.fullmatch
    code_cache_get = _code_cache.get

    current: Encounter | None = None
    diagnoses: list[Diagnosis] = []  # current.diagnoses
    first_dx_line = -1  # line of the first dx line of the current encounter, -1 if none yet

    source = lines
    if text.startswith("\ufeff"):
        # A byte order mark (Windows editors write one) reads as a blank; the
        # replacement keeps every position the same.
        source = [" " + lines[0][1:], *lines[1:]]

    for ln, s in enumerate(source):
        if not s or s.isspace():
            append_kind(BLANK)
            continue
        hash_at = s.find("#")
        m = fast_match(s, 0, len(s) if hash_at < 0 else hash_at) if fast else None
        if m is not None:
            key, value, enc_word, enc_id, raw, poa_token, text_ = m.groups()
            if raw is None:
                code = None
            else:
                code = code_cache_get(raw, _MISSING)
                if code is _MISSING:
                    code = code_of(raw)
            if code is not None or raw is None:
                # The common lines; same result as the general path below.
                if enc_word is not None:
                    if enc_id is None:
                        id_span = None
                    else:
                        a, b = m.span(4)
                        id_span = _span(ln, a, b)
                    current = Encounter(enc_id, id_span, ln, ln, False, {}, [])
                    encounters.append(current)
                    diagnoses = current.diagnoses
                    first_dx_line = -1
                    append_kind(ENCOUNTER)
                else:
                    if current is None:
                        current = Encounter(None, None, ln, ln, True, {}, [])
                        encounters.append(current)
                        diagnoses = current.diagnoses
                        first_dx_line = -1
                    else:
                        current.end_line = ln
                    if raw is not None:
                        if first_dx_line < 0:
                            first_dx_line = ln
                        if poa_token is None:
                            poa = poa_span = None
                        else:
                            poa = poa_token[-1].upper()
                            a, b = m.span(6)
                            poa_span = _span(ln, a, b)
                        if text_ is None:
                            text_ = ""
                            text_span = None
                        else:
                            a, b = m.span(7)
                            text_span = _span(ln, a, b)
                        a, b = m.span(5)
                        diagnoses.append(
                            Diagnosis(
                                raw,
                                _span(ln, a, b),
                                code,
                                poa,
                                poa_span,
                                text_,
                                ln,
                                len(diagnoses),
                                text_span,
                            )
                        )
                        append_kind(DX)
                    else:
                        key_start, key_end = m.span(1)
                        colon_end = s.find(":", key_end) + 1
                        if value is None:
                            value_start = value_end = colon_end
                        else:
                            value_start, value_end = m.span(2)
                        local: list[SyntaxIssue] = []
                        header = _parse_header(
                            s,
                            ln,
                            key.lower(),
                            _span(ln, key_start, key_end),
                            colon_end,
                            value_start,
                            value_end,
                            local,
                        )
                        _place_header(current, header, first_dx_line, issues)
                        if local:
                            issues.extend(local)
                        append_kind(HEADER)
                if hash_at >= 0:
                    comment, allow, comment_issues = _read_comment(s, ln, hash_at, False)
                    comments[ln] = comment
                    if allow is not None:
                        allows[ln] = allow
                        issues.extend(comment_issues)
                continue

        p = parse_line(s, ln)
        kind = p.kind
        append_kind(kind)
        if p.comment is not None:
            comments[ln] = p.comment
            if p.allow is not None:
                allows[ln] = p.allow
        if kind == COMMENT:
            if current is not None:
                current.end_line = ln
        elif kind == ENCOUNTER:
            current = Encounter(p.encounter_id, p.encounter_id_span, ln, ln, False, {}, [])
            encounters.append(current)
            diagnoses = current.diagnoses
            first_dx_line = -1
        else:
            if current is None:
                current = Encounter(None, None, ln, ln, True, {}, [])
                encounters.append(current)
                diagnoses = current.diagnoses
                first_dx_line = -1
            else:
                current.end_line = ln
            if kind == DX:
                if first_dx_line < 0:
                    first_dx_line = ln
                dx = p.diagnosis
                if dx is not None:
                    dx.index = len(diagnoses)
                    diagnoses.append(dx)
            elif kind == HEADER:
                assert p.header is not None
                _place_header(current, p.header, first_dx_line, issues)
            elif kind == PX and p.procedure is not None:
                p.procedure.index = len(current.procedures)
                current.procedures.append(p.procedure)
        if p.issues:
            issues.extend(p.issues)

    return EncounterFile(text, lines, encounters, issues, allows, comments, kinds)


def _place_header(
    encounter: Encounter, header: Header, first_dx_line: int, issues: list[SyntaxIssue]
) -> None:
    """Record a header in its encounter; report it if repeated or after the first dx."""
    key = header.key
    earlier = encounter.headers.get(key)
    if earlier is None:
        encounter.headers[key] = header
    if key == "note":  # notes are free text: any number, anywhere
        return
    if earlier is not None:
        issues.append(
            SyntaxIssue(
                header.key_span,
                f"'{key}' is already given on line {earlier.key_span.line + 1}"
                " for this encounter (start a new encounter with an"
                " 'encounter' line if this is another visit)",
                "duplicate-header",
            )
        )
    elif first_dx_line >= 0:
        issues.append(
            SyntaxIssue(
                header.key_span,
                f"'{key}' must come before the first dx of the encounter"
                f" (line {first_dx_line + 1})",
                "header-after-dx",
            )
        )
