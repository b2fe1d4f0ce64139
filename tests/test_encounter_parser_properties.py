"""Property tests for the encounter file parser: it never raises, and what it
reports always points at the text it was given."""

from __future__ import annotations

import dataclasses
import datetime
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icd10ls import encounter as enc
from icd10ls.codeset.codes import normalize
from icd10ls.encounter import EncounterFile, Span, code_of, parse, parse_line

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Every character, lone surrogates included.
any_char = st.characters(exclude_categories=())
any_text = st.text(any_char, max_size=300)

# --------------------------------------------------------------------------- plausible files

KNOWN_CODES = [
    "E11.22",
    "e1122",
    "N18.4",
    "I12.9",
    "i10",
    "L70.9",
    "G20.A1",
    "F02.80",
    "S03.40XA",
    "S06.0X0A",
    "T07XXXA",
    "E11.2",
    "S52.521",
    "T07A",
    "A15.4",
    "A15.7",
    "W19.XXXA",
    "E1399",
    "E11.",
]
code_shaped = st.one_of(
    st.sampled_from(KNOWN_CODES),
    st.from_regex(r"[A-Za-z][0-9][0-9A-Za-z](\.?[0-9A-Za-z]{1,4})?", fullmatch=True),
)
blank = st.sampled_from(["", " ", "  ", "\t", " \t ", "\u00a0", "\u3000"])
nonempty_blank = st.sampled_from([" ", "  ", "\t", " \t", "\u00a0"])
comment = st.sampled_from(
    [
        "",
        "# a comment",
        "#",
        "# allow: excludes1",
        "#allow:excludes1,duplicate-code; unrelated",
        "# Allow : code-first  other",
        "# allow:",
        "# allow: bad_id, ok",
        "# \U0001f600 note",
        "# poa=Y date: x",
    ]
)
header_value = {
    "date": st.sampled_from(
        ["2026-03-14", "03/14/2026", "3/4/2026", "2026-02-30", "yesterday", "", "2026-13-01"]
    ),
    "setting": st.sampled_from(["inpatient", "Outpatient", "er", "", "in patient"]),
    "sex": st.sampled_from(["F", "m", "U", "X", "female", ""]),
    "age": st.sampled_from(["0", "67", "124", "125", "-3", "6.5", "", "9" * 40]),
    "note": st.text(st.characters(exclude_characters="\r\n"), max_size=30),
}
free_text = st.text(
    st.characters(exclude_characters="\r\n#=:", exclude_categories=("Cs",)), max_size=30
)


@st.composite
def header_line(draw: st.DrawFn) -> str:
    key = draw(st.sampled_from(sorted(header_value)))
    written = draw(st.sampled_from([key, key.upper(), key.capitalize()]))
    value = draw(header_value[key])
    return f"{draw(blank)}{written}{draw(blank)}:{draw(blank)}{value}{draw(blank)}{draw(comment)}"


@st.composite
def dx_line(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["", "dx:", "DX :", "dx: ", "Dx:\t"]))
    code = draw(st.one_of(code_shaped, st.sampled_from(["E11.22,", "diabetes", "poa=Y", ""])))
    poa = draw(st.sampled_from(["", " poa=Y", " POA=n", " poa=1", " poa=Q", " poa=", " poa = W"]))
    text = draw(st.one_of(st.just(""), free_text.map(lambda t: " " + t)))
    return f"{draw(blank)}{prefix}{code}{poa}{text}{draw(blank)}{draw(comment)}"


@st.composite
def encounter_line(draw: st.DrawFn) -> str:
    word = draw(st.sampled_from(["encounter", "Encounter", "encounter:", "ENCOUNTER :"]))
    ident = draw(
        st.sampled_from(["", " ENC-2026-0001", " A", " caf\u00e9-\U0001f600", " two words"])
    )
    return f"{draw(blank)}{word}{ident}{draw(blank)}{draw(comment)}"


any_line = st.one_of(
    dx_line(),
    dx_line(),
    header_line(),
    encounter_line(),
    blank,
    comment,
    st.sampled_from(["foo: bar", "date 2026-01-01", "E11.22: text", "hello", "\U0001f600 E11.22"]),
    st.text(any_char, max_size=20).map(lambda t: t.replace("\r", "").replace("\n", "")),
)
line_end = st.sampled_from(["\n", "\r\n", "\r"])
nasty = st.one_of(
    st.sampled_from(
        [
            "#",
            ":",
            "=",
            " ",
            "\t",
            "\r",
            "\n",
            "\r\n",
            "\x00",
            "\ud800",
            "\U0001f600",
            ",",
            ".",
            "poa=",
            "dx:",
            "encounter ",
            "E11.22",
            "# allow: ",
            "\ufeff",
            "\u2028",
            "\x0b",
        ]
    ),
    st.text(any_char, max_size=5),
)


@st.composite
def plausible_file(draw: st.DrawFn) -> str:
    lines = draw(st.lists(any_line, max_size=25))
    text = "".join(line + draw(line_end) for line in lines)
    if draw(st.booleans()) and text:
        text = text[:-1]  # no final line end
    return text


@st.composite
def mutated_file(draw: st.DrawFn) -> str:
    text = draw(plausible_file())
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(nasty) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(0, 8)) :]
    return text


# --------------------------------------------------------------------------- invariants


def all_spans(f: EncounterFile) -> list[Span]:
    spans: list[Span] = [i.span for i in f.issues]
    spans += f.comments.values()
    for allow in f.allows.values():
        spans += [*allow.spans, allow.comment_span]
    for e in f.encounters:
        if e.id_span is not None:
            spans.append(e.id_span)
        for h in e.headers.values():
            spans += [h.key_span, h.value_span]
        for d in e.diagnoses:
            spans += [s for s in (d.code_span, d.poa_span, d.text_span) if s is not None]
    return spans


def check(text: str) -> EncounterFile:
    f = parse(text)
    lines = f.lines

    # The lines are the text's lines, whatever the line endings.
    assert lines == text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    assert "\n".join(lines) == text.replace("\r\n", "\n").replace("\r", "\n")
    assert len(f.kinds) == len(lines)

    # Every span lies inside its line.
    for span in all_spans(f):
        assert 0 <= span.line < len(lines)
        assert 0 <= span.start <= span.end <= len(lines[span.line]), span

    # What the spans cover is what the model says.
    for e in f.encounters:
        if e.id is not None:
            assert e.id_span is not None
            assert lines[e.id_span.line][e.id_span.start : e.id_span.end] == e.id
        for key, h in e.headers.items():
            assert h.key == key
            assert lines[h.key_span.line][h.key_span.start : h.key_span.end].lower() == key
            assert lines[h.value_span.line][h.value_span.start : h.value_span.end] == h.raw_value
            assert e.start_line <= h.key_span.line <= e.end_line
        for index, d in enumerate(e.diagnoses):
            line = lines[d.line]
            assert d.raw_code == line[d.code_span.start : d.code_span.end]
            assert d.raw_code and not any(c.isspace() for c in d.raw_code)
            assert d.code == code_of(d.raw_code)
            if d.code is not None:
                assert d.code == normalize(d.raw_code)
            assert d.index == index
            assert d.code_span.line == d.line
            assert f.kinds[d.line] == "dx"
            assert e.start_line <= d.line <= e.end_line
            if d.poa is not None:
                assert d.poa in enc.POA_FLAGS
                assert d.poa_span is not None
                assert line[d.poa_span.start : d.poa_span.end].lower().startswith("poa")
            if d.text:
                assert d.text_span is not None
                assert line[d.text_span.start : d.text_span.end] == d.text == d.text.strip()
                assert "#" not in d.text
            else:
                assert d.text_span is None
            assert f.diagnosis_at(d.line, d.code_span.start) is d
            assert f.diagnosis_at(d.line, d.code_span.end) is d
    for line_no, allow in f.allows.items():
        assert allow.line == line_no
        assert f.comments[line_no] == allow.comment_span
        assert len(allow.rules) == len(allow.spans)
        for rule, span in zip(allow.rules, allow.spans):
            assert lines[line_no][span.start : span.end].lower() == rule
            assert re.fullmatch(r"[a-z0-9-]+", rule)
    for line_no, span in f.comments.items():
        assert span.line == line_no
        assert lines[line_no][span.start] == "#"
        assert lines[line_no][span.start :].rstrip() == lines[line_no][span.start : span.end]

    # Encounters are in order and do not overlap.
    for e in f.encounters:
        assert e.start_line <= e.end_line
        assert f.encounter_at(e.start_line) is e and f.encounter_at(e.end_line) is e
        if not e.implicit:
            assert f.kinds[e.start_line] == "encounter"
    for a, b in zip(f.encounters, f.encounters[1:]):
        assert a.end_line < b.start_line
        assert not b.implicit
    if f.encounters and f.encounters[0].implicit:
        assert all(k in ("blank", "comment") for k in f.kinds[: f.encounters[0].start_line])

    # Issues are in line order, readable, and never the parser's own failure.
    assert [i.span.line for i in f.issues] == sorted(i.span.line for i in f.issues)
    for issue in f.issues:
        assert issue.kind in enc.ISSUE_KINDS and issue.kind != "internal", issue
        assert issue.message
        issue.message.encode("utf-8")

    # Lines are independent: each line on its own reads the same.
    for i, line in enumerate(lines):
        if i == 0 and line.startswith("\ufeff"):
            continue
        alone = parse_line(line, i)
        assert alone.kind == f.kinds[i]
        dx = f.diagnosis_on_line(i)
        if dx is not None:
            assert alone.diagnosis == dataclasses.replace(dx, index=0)

    # The fast path for common lines gives exactly the general path's result.
    assert enc._parse(text, fast=False) == f
    return f


# --------------------------------------------------------------------------- tests


@SETTINGS
@given(any_text)
def test_never_raises_on_any_text(text: str) -> None:
    check(text)


@SETTINGS
@given(st.text(st.sampled_from("E1.1x #:=poa\r\n\t \U0001f600\ud800dx,;A9"), max_size=80))
def test_never_raises_on_text_made_of_syntax_characters(text: str) -> None:
    check(text)


@SETTINGS
@given(plausible_file())
def test_plausible_files(text: str) -> None:
    check(text)


@SETTINGS
@given(mutated_file())
def test_mutated_files(text: str) -> None:
    check(text)


@SETTINGS
@given(
    st.text(
        st.characters(codec="ascii", exclude_characters=" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"),
        max_size=12,
    )
)
def test_code_of_agrees_with_normalize_on_ascii_tokens(token: str) -> None:
    assert code_of(token) == normalize(token)


@SETTINGS
@given(code_shaped)
def test_code_of_code_shaped_tokens(token: str) -> None:
    assert code_of(token) == normalize(token) is not None


# A model of a well-formed file, rendered with random spacing, case and line
# endings: parsing it gives the model back, without issues.
valid_header = st.fixed_dictionaries(
    {},
    optional={
        "date": st.dates(datetime.date(2015, 10, 1), datetime.date(2030, 9, 30)),
        "setting": st.sampled_from(["inpatient", "outpatient"]),
        "sex": st.sampled_from(["F", "M", "U"]),
        "age": st.integers(0, 124),
    },
)
valid_dx = st.tuples(code_shaped, st.sampled_from([None, "Y", "N", "U", "W", "1"]), free_text)
valid_encounter = st.tuples(
    st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,15}", fullmatch=True)),
    valid_header,
    st.lists(valid_dx, max_size=6),
)


def render_value(key: str, value: object, us_date: bool) -> str:
    if isinstance(value, datetime.date):
        return f"{value.month}/{value.day}/{value.year}" if us_date else value.isoformat()
    return str(value)


@settings(SETTINGS, max_examples=100)  # each example draws a whole file piece by piece
@given(st.lists(valid_encounter, min_size=1, max_size=5), st.data())
def test_well_formed_files_parse_back_to_their_model(model: list, data: st.DataObject) -> None:
    out: list[str] = []
    for ident, headers, dxs in model:
        out.append(
            f"encounter {ident}"
            if ident
            else data.draw(st.sampled_from(["encounter", "Encounter:"]))
        )
        for key, value in headers.items():
            written = data.draw(st.sampled_from([key, key.upper()]))
            value_text = render_value(key, value, data.draw(st.booleans()))
            out.append(
                f"{data.draw(blank)}{written}{data.draw(blank)}:{data.draw(blank)}{value_text}"
            )
        for code, poa, text in dxs:
            prefix = data.draw(st.sampled_from(["", "dx: ", "DX:"]))
            poa_text = (
                f"{data.draw(nonempty_blank)}poa={poa.lower() if data.draw(st.booleans()) else poa}"
                if poa
                else ""
            )
            # Free text that starts like a poa flag would be read as one.
            text_part = (
                f"{data.draw(nonempty_blank)}{text}"
                if text.strip() and not text.strip().lower().startswith("poa")
                else ""
            )
            trailing = data.draw(comment.filter(lambda c: "allow" not in c))
            out.append(f"{data.draw(blank)}{prefix}{code}{poa_text}{text_part}{trailing}")
        out.extend(data.draw(st.lists(st.sampled_from(["", "# comment", "  "]), max_size=2)))
    text = "".join(line + data.draw(line_end) for line in out)

    f = check(text)
    assert f.issues == []
    assert len(f.encounters) == len(model)
    for e, (ident, headers, dxs) in zip(f.encounters, model):
        assert e.id == ident and not e.implicit
        assert {k: h.value for k, h in e.headers.items()} == headers
        assert [(d.raw_code, d.code, d.poa) for d in e.diagnoses] == [
            (c, normalize(c), p) for c, p, _ in dxs
        ]
        for d, (_, _, t) in zip(e.diagnoses, dxs):
            if t.strip() and not t.strip().lower().startswith("poa"):
                assert d.text == t.strip()
