"""Unit tests for the encounter file parser (icd10ls.encounter), on plain text."""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path

import pytest

from icd10ls import encounter as enc
from icd10ls.encounter import (
    AllowComment,
    Diagnosis,
    EncounterFile,
    Span,
    code_of,
    parse,
    parse_date,
    parse_line,
    split_lines,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def issues_of(f: EncounterFile) -> list[tuple[int, int, int, str]]:
    return [(i.span.line, i.span.start, i.span.end, i.kind) for i in f.issues]


def only_dx(text: str) -> Diagnosis:
    f = parse(text)
    assert len(f.encounters) == 1
    assert len(f.encounters[0].diagnoses) == 1
    return f.encounters[0].diagnoses[0]


def slice_of(f: EncounterFile, span: Span) -> str:
    return f.lines[span.line][span.start : span.end]


# --------------------------------------------------------------------------- lines


@pytest.mark.parametrize(
    "text, lines",
    [
        ("", [""]),
        ("I10", ["I10"]),
        ("I10\n", ["I10", ""]),
        ("a\nb", ["a", "b"]),
        ("a\r\nb\r\n", ["a", "b", ""]),
        ("a\rb\rc", ["a", "b", "c"]),
        ("a\r\n\r\nb", ["a", "", "b"]),
        ("a\n\rb", ["a", "", "b"]),  # LF then CR: two line ends
        ("a\r\r\nb", ["a", "", "b"]),
        # Only CR and LF end lines, as in the language server protocol.
        ("a\x0bb\x0cc\x1cd\x85e\u2028f\u2029g", ["a\x0bb\x0cc\x1cd\x85e\u2028f\u2029g"]),
    ],
)
def test_lines_are_split_like_an_editor(text: str, lines: list[str]) -> None:
    assert split_lines(text) == lines
    assert parse(text).lines == lines
    assert len(parse(text).kinds) == len(lines)


def test_empty_and_blank_files_have_no_encounters() -> None:
    for text in ("", "\n\n", "   \t  \n", "# only a comment\n\n#another\n"):
        f = parse(text)
        assert f.encounters == []
        assert f.issues == []


# --------------------------------------------------------------------------- line kinds


def test_line_kinds() -> None:
    text = "\n".join(
        [
            "# comment",  # 0
            "",  # 1
            "encounter A",  # 2
            "date: 2026-03-14",  # 3
            "dx: E11.22",  # 4
            "I10",  # 5
            "foo: bar",  # 6
            "what is this",  # 7
            "   ",  # 8
            "note: x # y",  # 9
        ]
    )
    f = parse(text)
    kinds = [
        "comment",
        "blank",
        "encounter",
        "header",
        "dx",
        "dx",
        "unknown",
        "unknown",
        "blank",
        "header",
    ]
    assert f.kinds == kinds
    assert [f.line_kind(i) for i in range(10)] == kinds
    assert f.line_kind(10) == "blank"
    assert f.line_kind(-1) == "blank"
    for i, line in enumerate(f.lines):
        assert parse_line(line, i).kind == kinds[i]


def test_line_kind_without_stored_kinds_falls_back_to_parsing_the_line() -> None:
    f = parse("encounter A\nI10\nfoo: x")
    bare = EncounterFile(f.text, f.lines, f.encounters, f.issues, f.allows, f.comments)
    assert [bare.line_kind(i) for i in range(3)] == ["encounter", "dx", "unknown"]


# --------------------------------------------------------------------------- dx lines


def test_bare_code_line_positions() -> None:
    dx = only_dx("E11.22")
    assert dx.raw_code == "E11.22"
    assert dx.code == "E11.22"
    assert dx.code_span == Span(0, 0, 6)
    assert dx.poa is None and dx.poa_span is None
    assert dx.text == "" and dx.text_span is None
    assert dx.line == 0 and dx.index == 0


def test_dx_line_with_poa_and_text_positions() -> None:
    line = "dx: E11.22 poa=Y Type 2 diabetes with diabetic CKD"
    f = parse(line)
    dx = f.encounters[0].diagnoses[0]
    assert dx.code_span == Span(0, 4, 10)
    assert dx.poa == "Y"
    assert dx.poa_span == Span(0, 11, 16)
    assert slice_of(f, dx.poa_span) == "poa=Y"
    assert dx.text == "Type 2 diabetes with diabetic CKD"
    assert dx.text_span == Span(0, 17, len(line))
    assert f.issues == []


def test_dx_key_is_case_insensitive_and_spacing_is_free() -> None:
    f = parse("  DX :\te1122\t  poa=n   some text   # comment")
    dx = f.encounters[0].diagnoses[0]
    assert (dx.raw_code, dx.code, dx.code_span) == ("e1122", "E11.22", Span(0, 7, 12))
    assert dx.poa == "N" and dx.poa_span == Span(0, 15, 20)
    assert dx.text == "some text" and dx.text_span == Span(0, 23, 32)
    assert f.comments[0] == Span(0, 35, 44)
    assert f.issues == []


def test_dx_without_space_after_colon() -> None:
    dx = only_dx("dx:I10")
    assert (dx.code, dx.code_span) == ("I10", Span(0, 3, 6))


@pytest.mark.parametrize(
    "raw, code",
    [
        ("E11.22", "E11.22"),
        ("e11.22", "E11.22"),
        ("E1122", "E11.22"),
        ("i10", "I10"),
        ("S060X0A", "S06.0X0A"),
        ("s06.0x0a", "S06.0X0A"),
        ("T07XXXA", "T07.XXXA"),
        ("g20a1", "G20.A1"),
        ("E11.", "E11"),  # a lone trailing dot is dropped
        ("E1399", "E13.99"),  # code-shaped; whether it exists is for the rules
        ("T07A", "T07.A"),
    ],
)
def test_codes_are_normalized(raw: str, code: str) -> None:
    for text in (raw, f"dx: {raw}", f"  {raw}  text"):
        dx = only_dx(text)
        assert dx.raw_code == raw
        assert dx.code == code
    assert code_of(raw) == code


@pytest.mark.parametrize(
    "token",
    [
        "E11.22,",
        "E112.2",
        "E11.22222",
        "1E1",
        "EEE",
        "E1",
        "E11..2",
        "E11.22.3",
        "\u017f11",
        "E\uff11\uff11",
        "",
    ],
)
def test_not_code_shaped(token: str) -> None:
    assert code_of(token) is None


def test_several_dx_lines_keep_their_order() -> None:
    f = parse("E11.22\ndx: N18.4\n\n  i129 poa=Y\n# c\nL70.9")
    dxs = f.encounters[0].diagnoses
    assert [(d.code, d.line, d.index) for d in dxs] == [
        ("E11.22", 0, 0),
        ("N18.4", 1, 1),
        ("I12.9", 3, 2),
        ("L70.9", 5, 3),
    ]
    assert f.encounters[0].principal is dxs[0]


def test_dx_with_no_code() -> None:
    f = parse("encounter A\ndx:   # nothing here")
    assert f.kinds[1] == "dx"
    assert f.encounters[0].diagnoses == []
    assert issues_of(f) == [(1, 0, 2, "missing-code")]
    assert f.issues[0].message == "'dx:' has no code (e.g. 'dx: E11.22')"


def test_dx_with_a_token_that_is_not_code_shaped() -> None:
    f = parse("dx: diabetes type 2\ndx: E11.22")
    assert issues_of(f) == [(0, 4, 12, "not-a-code")]
    assert f.issues[0].message.startswith("'diabetes' is not a code")
    first, second = f.encounters[0].diagnoses
    # Kept in order, without a code, so that the second is not taken for the principal.
    assert (first.raw_code, first.code, first.index, first.text) == ("diabetes", None, 0, "type 2")
    assert (second.code, second.index) == ("E11.22", 1)


def test_two_codes_glued_by_a_comma_are_not_a_code() -> None:
    f = parse("dx: E11.22,N18.4")
    assert issues_of(f) == [(0, 4, 16, "not-a-code")]
    assert f.encounters[0].diagnoses[0].code is None


def test_second_code_in_the_text_is_only_text() -> None:
    dx = only_dx("E11.22 N18.4")
    assert (dx.code, dx.text) == ("E11.22", "N18.4")


# --------------------------------------------------------------------------- poa


@pytest.mark.parametrize("flag", ["Y", "N", "U", "W", "1", "y", "n", "u", "w"])
def test_poa_flags(flag: str) -> None:
    for text in (f"E11.22 poa={flag}", f"dx: E11.22 POA={flag} text", f"E11.22 Poa={flag}  # c"):
        f = parse(text)
        assert f.issues == []
        dx = f.encounters[0].diagnoses[0]
        assert dx.poa == flag.upper()
        assert slice_of(f, dx.poa_span).lower() == f"poa={flag}".lower()


def test_poa_with_space_before_equals_and_colon_form() -> None:
    dx = only_dx("E11.22 poa =Y")
    assert (dx.poa, dx.poa_span) == ("Y", Span(0, 7, 13))
    dx = only_dx("E11.22 poa:N text")
    assert (dx.poa, dx.poa_span, dx.text) == ("N", Span(0, 7, 12), "text")


def test_bad_poa_value() -> None:
    f = parse("dx: E11.22 poa=Q text")
    assert issues_of(f) == [(0, 15, 16, "bad-poa")]
    assert f.issues[0].message == "'poa' must be Y, N, U, W or 1, not 'Q'"
    dx = f.encounters[0].diagnoses[0]
    assert dx.poa is None and dx.poa_span == Span(0, 11, 16) and dx.text == "text"


def test_poa_value_too_long() -> None:
    f = parse("E11.22 poa=Yes")
    assert issues_of(f) == [(0, 11, 14, "bad-poa")]
    assert "not 'Yes'" in f.issues[0].message


def test_empty_poa() -> None:
    f = parse("E11.22 poa= Y")
    assert issues_of(f) == [(0, 7, 11, "bad-poa")]
    assert f.issues[0].message == "'poa=' needs a flag right after '=': Y, N, U, W or 1"
    dx = f.encounters[0].diagnoses[0]
    assert dx.poa is None and dx.text == "Y"
    f = parse("E11.22 poa=")
    assert issues_of(f) == [(0, 7, 11, "bad-poa")]


def test_poa_after_the_text_is_reported() -> None:
    f = parse("E11.22 Type 2 diabetes poa=Y")
    assert issues_of(f) == [(0, 23, 28, "bad-poa")]
    assert "right after the code" in f.issues[0].message
    assert f.encounters[0].diagnoses[0].poa is None


def test_poa_given_twice() -> None:
    f = parse("E11.22 poa=Y again POA=N")
    assert issues_of(f) == [(0, 19, 24, "bad-poa")]
    assert f.encounters[0].diagnoses[0].poa == "Y"


def test_words_like_poa_are_text() -> None:
    dx = only_dx("E11.22 poaY apoa=Y")
    assert dx.poa is None and dx.text == "poaY apoa=Y"
    assert parse("E11.22 poaY apoa=Y").issues == []


# --------------------------------------------------------------------------- headers


def header(text: str, key: str) -> enc.Header:
    f = parse(text)
    return f.encounters[0].headers[key]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-03-14", datetime.date(2026, 3, 14)),
        ("03/14/2026", datetime.date(2026, 3, 14)),
        ("3/4/2026", datetime.date(2026, 3, 4)),
        ("2024-02-29", datetime.date(2024, 2, 29)),
        ("12/31/2025", datetime.date(2025, 12, 31)),
    ],
)
def test_dates(value: str, expected: datetime.date) -> None:
    f = parse(f"date: {value}")
    assert f.issues == []
    h = f.encounters[0].headers["date"]
    assert h.value == expected
    assert h.raw_value == value
    assert h.key_span == Span(0, 0, 4)
    assert h.value_span == Span(0, 6, 6 + len(value))
    assert f.encounters[0].date == expected
    assert parse_date(value) == expected


def test_header_keys_are_case_insensitive_with_free_spacing() -> None:
    f = parse("\tDate :  2026-03-14   # comment\nSETTING:Inpatient\nSex: f\nAGE :067")
    assert f.issues == []
    e = f.encounters[0]
    h = e.headers["date"]
    assert (h.key_span, h.value_span) == (Span(0, 1, 5), Span(0, 9, 19))
    assert (e.date, e.setting, e.sex, e.age) == (datetime.date(2026, 3, 14), "inpatient", "F", 67)
    assert e.headers["setting"].value_span == Span(1, 8, 17)


@pytest.mark.parametrize(
    "line, span, message",
    [
        (
            "date: 2026-02-30",
            (6, 16),
            "'2026-02-30' is not a valid date (use YYYY-MM-DD or MM/DD/YYYY)",
        ),
        (
            "date: 2025-13-01",
            (6, 16),
            "'2025-13-01' is not a valid date (use YYYY-MM-DD or MM/DD/YYYY)",
        ),
        (
            "date: 2025-02-29",
            (6, 16),
            "'2025-02-29' is not a valid date (use YYYY-MM-DD or MM/DD/YYYY)",
        ),
        (
            "date: 14/03/2026",
            (6, 16),
            "'14/03/2026' is not a valid date (use YYYY-MM-DD or MM/DD/YYYY)",
        ),
        (
            "date: 0000-01-01",
            (6, 16),
            "'0000-01-01' is not a valid date (use YYYY-MM-DD or MM/DD/YYYY)",
        ),
        (
            "date: 2026-3-14",
            (6, 15),
            "'2026-3-14' is not a valid date (use YYYY-MM-DD or MM/DD/YYYY)",
        ),
        (
            "date: 03/14/26",
            (6, 14),
            "'03/14/26' is not a valid date (use YYYY-MM-DD or MM/DD/YYYY)",
        ),
        (
            "date:   yesterday  # c",
            (8, 17),
            "'yesterday' is not a valid date (use YYYY-MM-DD or MM/DD/YYYY)",
        ),
        (
            "date: 2026-03-14 10:30",
            (6, 22),
            "'2026-03-14 10:30' is not a valid date (use YYYY-MM-DD or MM/DD/YYYY)",
        ),
        ("setting: er", (9, 11), "'setting' must be inpatient or outpatient, not 'er'"),
        (
            "setting: in patient",
            (9, 19),
            "'setting' must be inpatient or outpatient, not 'in patient'",
        ),
        ("sex: X", (5, 6), "'sex' must be F, M or U, not 'X'"),
        ("sex: female", (5, 11), "'sex' must be F, M or U, not 'female'"),
        ("age: -3", (5, 7), "'age' must be a whole number of years from 0 to 124, not '-3'"),
        ("age: 125", (5, 8), "'age' must be a whole number of years from 0 to 124, not '125'"),
        ("age: 67.5", (5, 9), "'age' must be a whole number of years from 0 to 124, not '67.5'"),
        ("age: 1000", (5, 9), "'age' must be a whole number of years from 0 to 124, not '1000'"),
        (
            "age: \uff16\uff17",
            (5, 7),
            "'age' must be a whole number of years from 0 to 124, not '\uff16\uff17'",
        ),
    ],
)
def test_bad_header_values(line: str, span: tuple[int, int], message: str) -> None:
    f = parse(line)
    assert issues_of(f) == [(0, *span, "bad-value")]
    assert f.issues[0].message == message
    key = line.split(":")[0].strip()
    h = f.encounters[0].headers[key]
    assert h.value is None
    assert (h.value_span.start, h.value_span.end) == span
    assert getattr(f.encounters[0], key) is None


def test_huge_age_does_not_raise() -> None:
    f = parse("age: " + "9" * 5000)
    assert [i.kind for i in f.issues] == ["bad-value"]
    assert f.issues[0].span == Span(0, 5, 5005)
    assert len(f.issues[0].message) < 120  # the value is shortened in the message


@pytest.mark.parametrize("key", ["age", "sex", "setting", "date"])
def test_boundary_values(key: str) -> None:
    good = {
        "age": ["0", "124", "00"],
        "sex": ["F", "m", "U"],
        "setting": ["OUTPATIENT", "inpatient"],
        "date": ["1/1/2026"],
    }
    for value in good[key]:
        assert parse(f"{key}: {value}").issues == []


@pytest.mark.parametrize("key", ["date", "setting", "sex", "age"])
def test_missing_value(key: str) -> None:
    f = parse(f"{key}:   # nothing")
    assert issues_of(f) == [(0, 0, len(key), "missing-value")]
    assert f.issues[0].message.startswith(f"'{key}' has no value")
    h = f.encounters[0].headers[key]
    assert h.value is None and h.raw_value == ""
    # An empty span just after the colon, where a value is typed.
    assert h.value_span == Span(0, len(key) + 1, len(key) + 1)


def test_note_is_free_text_up_to_the_comment() -> None:
    f = parse("note:  seen with daughter; BP 150/90 = high # not part of the note")
    assert f.issues == []
    h = f.encounters[0].headers["note"]
    assert h.value == h.raw_value == "seen with daughter; BP 150/90 = high"
    assert h.value_span == Span(0, 7, 43)
    assert f.comments[0] == Span(0, 44, 66)
    assert parse("note:").encounters[0].headers["note"].value == ""
    assert parse("note:").issues == []


def test_unknown_key() -> None:
    f = parse("foo: bar\n  Gender : F\ndob: 1/1/1950\nid: 123")
    assert issues_of(f) == [
        (0, 0, 3, "unknown-key"),
        (1, 2, 8, "unknown-key"),
        (2, 0, 3, "unknown-key"),
        (3, 0, 2, "unknown-key"),
    ]
    assert (
        f.issues[0].message
        == "unknown key 'foo': the keys are date, setting, sex, age, discharge-status, note, dx and px"
    )
    assert f.issues[1].message == "unknown key 'Gender': did you mean 'sex:'?"
    assert "encounter" in f.issues[3].message
    assert f.kinds == ["unknown"] * 4
    assert f.encounters[0].headers == {}


def test_header_after_the_first_dx() -> None:
    text = "encounter A\ndate: 2026-03-14\nI10\nsex: F\nE78.5\nage: 50\nnote: fine anywhere"
    f = parse(text)
    assert issues_of(f) == [(3, 0, 3, "header-after-dx"), (5, 0, 3, "header-after-dx")]
    assert f.issues[0].message == "'sex' must come before the first dx of the encounter (line 3)"
    # The value is still used.
    e = f.encounters[0]
    assert (e.sex, e.age, e.note) == ("F", 50, "fine anywhere")


def test_header_after_an_empty_dx_line() -> None:
    f = parse("dx:\ndate: 2026-03-14")
    assert issues_of(f) == [(0, 0, 2, "missing-code"), (1, 0, 4, "header-after-dx")]


def test_duplicated_header() -> None:
    text = (
        "encounter A\ndate: 2026-03-14\nsetting: inpatient\n"
        "date: 2026-03-15\nI10\n date: 2026-03-16"
    )
    f = parse(text)
    assert issues_of(f) == [(3, 0, 4, "duplicate-header"), (5, 1, 5, "duplicate-header")]
    assert f.issues[0].message.startswith("'date' is already given on line 2 for this encounter")
    assert f.encounters[0].date == datetime.date(2026, 3, 14)  # the first one counts
    assert f.encounters[0].headers["date"].key_span.line == 1


def test_duplicated_header_with_a_bad_value_reports_both() -> None:
    f = parse("sex: F\nsex: Q")
    assert issues_of(f) == [(1, 0, 3, "duplicate-header"), (1, 5, 6, "bad-value")]


def test_notes_may_repeat() -> None:
    f = parse("note: one\nnote: two\nI10\nnote: three")
    assert f.issues == []
    assert f.encounters[0].note == "one"


def test_same_header_in_two_encounters_is_fine() -> None:
    f = parse("encounter A\ndate: 2026-03-14\nI10\nencounter B\ndate: 2026-03-15\nI10")
    assert f.issues == []
    assert [e.date.day for e in f.encounters] == [14, 15]


# --------------------------------------------------------------------------- encounters


def test_encounter_line_forms() -> None:
    f = parse(
        "encounter ENC-2026-0001\n"
        "Encounter\n"
        "ENCOUNTER: ENC-3   # c\n"
        "encounter:ENC-4\n"
        "  encounter\tENC-5\n"
        "encounter # no id\n"
    )
    assert f.issues == []
    assert [e.id for e in f.encounters] == ["ENC-2026-0001", None, "ENC-3", "ENC-4", "ENC-5", None]
    assert [e.id_span for e in f.encounters] == [
        Span(0, 10, 23),
        None,
        Span(2, 11, 16),
        Span(3, 10, 15),
        Span(4, 12, 17),
        None,
    ]
    assert all(not e.implicit for e in f.encounters)
    assert f.kinds[:6] == ["encounter"] * 6


def test_encounter_id_must_be_one_word() -> None:
    f = parse("encounter Smith visit 2   # c")
    assert issues_of(f) == [(0, 16, 23, "extra-text")]
    assert f.encounters[0].id == "Smith"


def test_words_that_only_start_like_encounter_are_not_encounter_lines() -> None:
    f = parse("encounters 3")
    assert f.kinds == ["unknown"]
    assert issues_of(f) == [(0, 0, 12, "unrecognized-line")]


def test_implicit_encounter_for_a_bare_list_of_codes() -> None:
    f = parse("# my list\n\nE11.22\nN18.4\n\n")
    assert f.issues == []
    (e,) = f.encounters
    assert e.implicit and e.id is None and e.id_span is None
    assert (e.start_line, e.end_line) == (2, 3)
    assert [d.code for d in e.diagnoses] == ["E11.22", "N18.4"]
    assert e.setting is None and e.effective_setting == "outpatient"


def test_no_implicit_encounter_when_only_comments_come_first() -> None:
    f = parse("# list of visits\n\n# another comment\nencounter A\nI10")
    (e,) = f.encounters
    assert (e.id, e.implicit, e.start_line, e.end_line) == ("A", False, 3, 4)


def test_implicit_then_explicit_encounters() -> None:
    text = "\n".join(
        [
            "date: 2026-01-05",  # 0
            "I10",  # 1
            "# trailing comment",  # 2
            "",  # 3
            "encounter B",  # 4
            "setting: inpatient",  # 5
            "J18.9 poa=Y",  # 6
            "E87.1 poa=N",  # 7
            "",  # 8
            "",  # 9
            "encounter C",  # 10
            "",  # 11
        ]
    )
    f = parse(text)
    a, b, c = f.encounters
    assert (a.implicit, a.start_line, a.end_line, a.date) == (True, 0, 2, datetime.date(2026, 1, 5))
    assert (b.id, b.start_line, b.end_line, b.setting) == ("B", 4, 7, "inpatient")
    assert [(d.code, d.index, d.poa) for d in b.diagnoses] == [("J18.9", 0, "Y"), ("E87.1", 1, "N")]
    assert (c.id, c.start_line, c.end_line, c.diagnoses, c.headers) == ("C", 10, 10, [], {})
    assert a.date and b.date is None


def test_encounter_at() -> None:
    text = "# file comment\nI10\n\nencounter B\ndate: 2026-01-05\nJ06.9\n\n\nencounter C\nR05.9\n"
    f = parse(text)
    a, b, c = f.encounters
    assert f.encounter_at(0) is None  # before the implicit encounter starts
    assert f.encounter_at(1) is a
    assert f.encounter_at(2) is None  # blank line after the end of a
    assert [f.encounter_at(n) for n in (3, 4, 5)] == [b, b, b]
    assert f.encounter_at(6) is None and f.encounter_at(7) is None
    assert f.encounter_at(8) is c and f.encounter_at(9) is c
    assert f.encounter_at(10) is None and f.encounter_at(99) is None and f.encounter_at(-1) is None


def test_diagnosis_at() -> None:
    f = parse("encounter A\n  dx: E11.22 poa=Y text\nI10")
    dx = f.encounters[0].diagnoses[0]
    assert dx.code_span == Span(1, 6, 12)
    assert f.diagnosis_at(1, 6) is dx
    assert f.diagnosis_at(1, 9) is dx
    assert f.diagnosis_at(1, 12) is dx  # cursor right after the code
    assert f.diagnosis_at(1, 5) is None
    assert f.diagnosis_at(1, 13) is None
    assert f.diagnosis_on_line(1) is dx
    assert f.diagnosis_at(2, 0) is f.encounters[0].diagnoses[1]
    assert f.diagnosis_at(0, 0) is None
    assert f.diagnosis_at(3, 0) is None


def test_encounter_properties_when_values_are_missing_or_bad() -> None:
    e = parse("encounter A\nsetting: er\nsex: F").encounters[0]
    assert e.setting is None and e.effective_setting == "outpatient"
    assert e.sex == "F" and e.age is None and e.date is None and e.note is None
    assert e.principal is None


# --------------------------------------------------------------------------- unrecognized


@pytest.mark.parametrize(
    "line, span, fragment",
    [
        ("hello world", (0, 11), "unrecognized line"),
        ("  hello world   # a comment", (2, 13), "unrecognized line"),
        ("date 2026-03-14", (0, 15), "missing ':' after 'date'"),
        ("DX E11.22", (0, 9), "missing ':' after 'DX'"),
        ("E11.22, N18.4", (0, 13), "'E11.22,' is not a code: write one code per line"),
        ("E11.22: diabetes", (0, 16), "'E11.22:' is not a code"),
        ("E11: diabetes", (0, 13), "'E11:' is not a code"),
        ("\u017f11.22", (0, 6), "unrecognized line"),  # a look-alike 's'
        ("\U0001f600 E11.22", (0, 8), "unrecognized line"),  # the emoji is one code point
        ("=== visit ===", (0, 13), "unrecognized line"),
    ],
)
def test_unrecognized_lines(line: str, span: tuple[int, int], fragment: str) -> None:
    f = parse(line)
    assert issues_of(f) == [(0, *span, "unrecognized-line")]
    assert fragment in f.issues[0].message
    assert f.kinds == ["unknown"]
    # An unrecognized line still belongs to (and creates) an encounter.
    assert len(f.encounters) == 1 and f.encounters[0].diagnoses == []


def test_long_unrecognized_line_message_is_short() -> None:
    f = parse("x" * 100_000)
    assert issues_of(f) == [(0, 0, 100_000, "unrecognized-line")]
    assert len(f.issues[0].message) < 200


# --------------------------------------------------------------------------- comments


def test_comments_are_recorded_for_every_line() -> None:
    f = parse("# top   \nI10 # essential\n  # indented\nfoo # x\nencounter A#B")
    assert f.comments == {
        0: Span(0, 0, 5),  # trailing blanks excluded
        1: Span(1, 4, 15),
        2: Span(2, 2, 12),
        3: Span(3, 4, 7),
        4: Span(4, 11, 13),
    }
    assert f.encounters[1].id == "A"  # '#' always starts a comment
    assert f.allows == {}


def test_allow_comment() -> None:
    line = "dx: A15.4 # allow: excludes1, duplicate-code"
    f = parse(line)
    assert f.issues == []
    allow = f.allows[0]
    assert isinstance(allow, AllowComment)
    assert allow.line == 0
    assert allow.rules == ("excludes1", "duplicate-code")
    assert allow.spans == (Span(0, 19, 28), Span(0, 30, 44))
    assert [slice_of(f, s) for s in allow.spans] == ["excludes1", "duplicate-code"]
    assert allow.comment_span == Span(0, 10, 44) == f.comments[0]
    assert allow.reason == ""


@pytest.mark.parametrize(
    "comment, rules",
    [
        ("#allow:excludes1", ("excludes1",)),
        ("#  Allow : Excludes1 DUPLICATE-code", ("excludes1", "duplicate-code")),
        ("# allow: a,b,,c  ", ("a", "b", "c")),
        ("# allow: excludes1; conditions documented as unrelated", ("excludes1",)),
        ("# allow:\texcludes1\t,\tcode-first", ("excludes1", "code-first")),
    ],
)
def test_allow_comment_forms(comment: str, rules: tuple[str, ...]) -> None:
    line = f"I10 {comment}"
    f = parse(line)
    assert f.issues == []
    allow = f.allows[0]
    assert allow.rules == rules
    assert [slice_of(f, s).lower() for s in allow.spans] == list(rules)


def test_allow_reason() -> None:
    f = parse("A15.4 # allow: excludes1 ; unrelated per physician query")
    assert f.allows[0].reason == "unrelated per physician query"


def test_other_comments_are_not_allow_comments() -> None:
    f = parse("I10 # per query; allow: excludes1\nI10 # allowed: x\nI10 # allow excludes1")
    assert f.allows == {}
    assert f.issues == []
    assert set(f.comments) == {0, 1, 2}


def test_bad_allow_comments() -> None:
    f = parse("I10 # allow: excludes_1, ok-rule, x!\nE78.5 # allow:\nE78.5 # allow: ,;reason")
    assert issues_of(f) == [
        (0, 13, 23, "bad-allow"),
        (0, 34, 36, "bad-allow"),
        (1, 6, 14, "bad-allow"),
        (2, 6, 23, "bad-allow"),
    ]
    assert f.issues[0].message.startswith("'excludes_1' is not a rule id")
    assert f.allows[0].rules == ("ok-rule",)
    assert f.allows[1].rules == ()


def test_allow_on_a_line_of_its_own_is_reported_but_recorded() -> None:
    f = parse("I10\n# allow: excludes1\n")
    assert issues_of(f) == [(1, 0, 18, "bad-allow")]
    assert "silences nothing" in f.issues[0].message
    assert f.allows[1].rules == ("excludes1",)
    assert f.kinds[1] == "comment"


def test_allow_on_header_and_encounter_lines() -> None:
    f = parse("encounter A # allow: some-rule\ndate: 2026-03-14 # allow: other")
    assert f.issues == []
    assert f.allows[0].rules == ("some-rule",) and f.allows[1].rules == ("other",)


# --------------------------------------------------------------------------- endings, tabs, unicode


def test_crlf_line_endings() -> None:
    text = "encounter A\r\ndate: 2026-03-14\r\ndx: E11.22 poa=Y text\r\nI10 # c\r\n"
    f = parse(text)
    assert f.lines == ["encounter A", "date: 2026-03-14", "dx: E11.22 poa=Y text", "I10 # c", ""]
    assert f.issues == []
    e = f.encounters[0]
    assert e.end_line == 3
    assert e.headers["date"].value_span == Span(1, 6, 16)
    dx = e.diagnoses[0]
    assert (dx.code_span, dx.text, dx.text_span) == (Span(2, 4, 10), "text", Span(2, 17, 21))
    assert f.comments[3] == Span(3, 4, 7)


def test_cr_line_endings() -> None:
    text = "encounter A\rsetting: er\rI10"
    f = parse(text)
    assert f.lines == ["encounter A", "setting: er", "I10"]
    assert issues_of(f) == [(1, 9, 11, "bad-value")]
    assert f.encounters[0].diagnoses[0].code_span == Span(2, 0, 3)


def test_mixed_line_endings_match_an_lf_file() -> None:
    lf = parse("encounter A\ndate: 2026-03-14\n\nI10\nfoo\n")
    mixed = parse("encounter A\r\ndate: 2026-03-14\r\rI10\nfoo\r\n")
    assert mixed.lines == lf.lines
    assert mixed.encounters == lf.encounters
    assert mixed.issues == lf.issues


def test_tabs_count_as_one_character() -> None:
    f = parse("\tdx:\tE11.22\tpoa=Y\ttext\t# c")
    dx = f.encounters[0].diagnoses[0]
    assert dx.code_span == Span(0, 5, 11)
    assert dx.poa_span == Span(0, 12, 17)
    assert dx.text_span == Span(0, 18, 22)
    assert f.comments[0] == Span(0, 23, 26)


def test_unicode_and_emoji_positions_are_code_points() -> None:
    text = "\n".join(
        [
            "encounter caf\u00e9-\U0001f600",  # 0
            "note: \U0001f600\U0001f600 patient r\u00e9sum\u00e9",  # 1
            # 2: an ideographic space and a no-break space first
            "\u3000\u00a0E11.22 \U0001f600 text # allow: excludes1",
            "dx:\u2003N18.4",  # 3: em space
        ]
    )
    f = parse(text)
    assert f.issues == []
    e = f.encounters[0]
    assert e.id == "caf\u00e9-\U0001f600" and e.id_span == Span(0, 10, 16)
    assert e.headers["note"].value_span == Span(1, 6, 23)
    first, second = e.diagnoses
    assert first.code_span == Span(2, 2, 8)
    assert first.text == "\U0001f600 text" and first.text_span == Span(2, 9, 15)
    assert f.allows[2].spans == (Span(2, 25, 34),)
    assert second.code_span == Span(3, 4, 9)


def test_byte_order_mark_at_the_start() -> None:
    f = parse("\ufeffencounter A\nI10")
    assert f.issues == []
    assert f.lines[0] == "\ufeffencounter A"
    assert f.encounters[0].id_span == Span(0, 11, 12)
    f = parse("\ufeffI10")
    assert f.encounters[0].diagnoses[0].code_span == Span(0, 1, 4)


@pytest.mark.parametrize(
    "text",
    [
        "\x00",
        "I10\x00",
        "\x00I10",
        "dx: \x00",
        "date: \x00",
        "\ud800",
        "E11.22 \udfff text",
        "encounter \ud83d\ude00",
        "# allow: \ud800",
        "note: \x1b[31m",
        "\u202eE11.22",
        "\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029",
        "#" * 1000,
        ":" * 1000,
        "poa=Y",
        "dx: poa=Y",
        "E11.22 poa=\ud800",
    ],
)
def test_strange_input_never_raises(text: str) -> None:
    f = parse(text)
    assert isinstance(f, EncounterFile)
    assert all(i.kind != "internal" for i in f.issues)
    for issue in f.issues:
        issue.message.encode("utf-8")  # messages escape lone surrogates and control characters


def test_nul_and_surrogate_in_messages_are_escaped() -> None:
    f = parse("sex: \x00\ud800")
    assert f.issues[0].message == "'sex' must be F, M or U, not '\\x00\\ud800'"


@pytest.mark.timeout(60)  # linear work takes well under a second; a quadratic pattern, hours
def test_long_lines_are_parsed() -> None:
    for text in (
        "E11.22 " + " " * 100_000 + "x",
        "E11.22 a" + " " * 100_000 + "b\x0b",
        "a" * 100_000 + ":",
        "a" + " " * 100_000 + "b",
        "note:" + " x" * 50_000,
        "E11.22 " + "poa= " * 20_000,
        "I10 # allow: " + "a, " * 30_000,
        "date:" + "\t" * 100_000,
    ):
        parse(text)  # the point is the time it takes: the timeout above fails a slow parse


def test_many_lines() -> None:
    text = "encounter A\n" + "I10\n" * 50_000
    f = parse(text)
    assert len(f.lines) == 50_002
    assert len(f.encounters[0].diagnoses) == 50_000
    assert f.encounters[0].diagnoses[-1].index == 49_999
    assert f.encounters[0].end_line == 50_000


# --------------------------------------------------------------------------- parse_line, internals


def test_parse_line_uses_the_given_line_number() -> None:
    p = parse_line("dx: E11.22 poa=Q # allow: x", 41)
    assert p.kind == "dx" and p.line == 41
    assert p.diagnosis is not None and p.diagnosis.code_span == Span(41, 4, 10)
    assert p.key_span == Span(41, 0, 2)
    assert [(i.span, i.kind) for i in p.issues] == [(Span(41, 15, 16), "bad-poa")]
    assert p.comment == Span(41, 17, 27)
    assert p.allow is not None and p.allow.rules == ("x",)
    assert (p.start, p.end) == (0, 16)


def test_parse_line_for_each_kind() -> None:
    assert parse_line("").kind == "blank"
    assert parse_line("  # x").kind == "comment"
    h = parse_line("age: 5").header
    assert h is not None and h.value == 5
    p = parse_line("encounter X", 3)
    assert (p.kind, p.encounter_id, p.encounter_id_span) == ("encounter", "X", Span(3, 10, 11))
    assert parse_line("zzz").kind == "unknown"


def test_internal_errors_become_issues(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(s: str, ln: int) -> enc.ParsedLine:
        raise RuntimeError("boom")

    monkeypatch.setattr(enc, "_parse_line", broken)
    f = enc._parse("I10\n  something odd  \n", fast=False)
    assert [(i.span, i.kind) for i in f.issues] == [
        (Span(0, 0, 3), "internal"),
        (Span(1, 2, 15), "internal"),
    ]
    assert "RuntimeError" in f.issues[0].message


def test_parse_restores_the_garbage_collector() -> None:
    import gc

    assert gc.isenabled()
    parse("I10\n" * 10)
    assert gc.isenabled()
    gc.disable()
    try:
        parse("I10\n" * 10)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_spans_are_frozen_values() -> None:
    s = Span(1, 2, 3)
    assert s == enc._span(1, 2, 3)
    assert hash(s) == hash(enc._span(1, 2, 3))
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.line = 4  # type: ignore[misc]
    assert s.contains(1, 2) and s.contains(1, 3) and not s.contains(1, 4) and not s.contains(0, 2)


# --------------------------------------------------------------------------- examples


def example(name: str) -> EncounterFile:
    return parse((EXAMPLES / name).read_text(encoding="utf-8"))


def test_example_files_exist() -> None:
    names = sorted(p.name for p in EXAMPLES.glob("*.enc"))
    assert {"outpatient-clinic.enc", "inpatient-mixed.enc", "needs-review.enc"} <= set(names)


@pytest.mark.parametrize("name", ["outpatient-clinic.enc", "inpatient-mixed.enc", "quick-list.enc"])
def test_clean_examples_have_no_syntax_issues(name: str) -> None:
    f = example(name)
    assert f.issues == []
    assert f.encounters
    for e in f.encounters:
        assert e.date is not None
        assert e.diagnoses and all(d.code is not None for d in e.diagnoses)
        if e.setting == "inpatient":
            assert all(d.poa is not None for d in e.diagnoses)


def test_outpatient_example() -> None:
    f = example("outpatient-clinic.enc")
    first = f.encounters[0]
    assert [d.code for d in first.diagnoses][:3] == ["E11.22", "I12.9", "N18.4"]
    codes = {d.code for e in f.encounters for d in e.diagnoses}
    assert {"I10", "L70.9"} <= codes


def test_inpatient_example() -> None:
    f = example("inpatient-mixed.enc")
    assert {e.effective_setting for e in f.encounters} == {"inpatient"}
    fiscal_years = {e.date.year + (e.date.month >= 10) for e in f.encounters}
    assert fiscal_years == {2025, 2026}
    stay = next(e for e in f.encounters if any(d.code == "F02.80" for d in e.diagnoses))
    order = [d.code for d in stay.diagnoses]
    assert order.index("G20.A1") < order.index("F02.80")
    assert "S03.40XA" in order


def test_needs_review_example_has_only_the_deliberate_syntax_problem() -> None:
    f = example("needs-review.enc")
    assert [i.kind for i in f.issues] == ["bad-value"]
    assert "2026-02-30" in f.issues[0].message
    codes = [d.code for e in f.encounters for d in e.diagnoses]
    for code in ("E11.2", "S52.521", "T07.A", "A15.4", "A15.7", "F02.80", "W19.XXXA", "E13.99"):
        assert code in codes
    assert any(e.diagnoses[0].code == "F02.80" for e in f.encounters)
    assert any(e.diagnoses[0].code == "W19.XXXA" for e in f.encounters)
    assert any(
        len(codes_) != len(set(codes_))
        for codes_ in ([d.code for d in e.diagnoses] for e in f.encounters)
    )


@pytest.mark.parametrize(
    "name", ["outpatient-clinic.enc", "inpatient-mixed.enc", "needs-review.enc", "quick-list.enc"]
)
def test_fast_path_matches_general_path_on_examples(name: str) -> None:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    assert enc._parse(text, fast=True) == enc._parse(text, fast=False)


@pytest.mark.parametrize(("line", "expected_id"), [
    (" ENCOUNTER :ENC-2026-0001", "ENC-2026-0001"),  # found by hypothesis: the fast path kept the colon
    ("encounter:ENC-1", "ENC-1"),
    ("encounter : ENC-1", "ENC-1"),
    ("ENCOUNTER\t:\tA", "A"),
    ("encounter", None),
    ("encounter :", None),
    ("encounter: # a comment", None),
])
def test_encounter_line_forms_read_the_same_on_both_paths(line, expected_id):
    fast, general = enc._parse(line + "\n", True), enc._parse(line + "\n", False)
    assert fast == general
    assert [e.id for e in fast.encounters] == [expected_id] and not fast.issues


def test_a_word_that_starts_with_encounter_is_no_encounter_line():
    f = parse("encounterX\n")
    assert f.encounters[0].implicit and [i.kind for i in f.issues] == ["unrecognized-line"]
