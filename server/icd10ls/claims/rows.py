"""Claim rows as encounters: what the engine checks, and where each line came from.

Each claim is written as the encounter a coder would have typed (an
`encounter` line, `date:`, `setting:`, `sex:`, `age:`, then `dx: CODE poa=Y`
lines in order) and read by the encounter parser, so that a claim is checked
exactly as the same encounter in an `.enc` file is, and a bad value (a date
that does not exist, an age of 'abc') gets the parser's own finding.  Beside
the text, every line remembers its data row and column, so a finding on a line
is a finding on a cell; on a `dx:` line, everything from the `poa=` token on
belongs to the POA column.

Claim-level problems the parser cannot see (an empty principal diagnosis, a
date of service missing, a CSV row that could not be read) become parser issues
of kind `missing-value`, `missing-code` or `unrecognized-line` on a comment line
of their own, and so reach users as `syntax` findings like every malformed value.
A claim without its principal diagnosis is not checked further: which code is
principal decides too many rules to guess it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any, Iterator

from ..encounter import (POA_FLAGS, Diagnosis, Encounter, EncounterFile, Header, Span, SyntaxIssue, code_of,
                         new_span, parse_line, read_header_value)
from .mapping import LONG, ClaimsMapping
from .read import RowBatch

__all__ = ["ClaimLines", "claim_lines", "cell_text"]


@dataclass
class ClaimLines:
    """A batch of claims as one parsed encounter file, and each line's origin."""

    file: EncounterFile
    origins: list[tuple[int, str | None, str | None]]  # per line: 1-based data row, column, claim id
    poa_fields: dict[int, tuple[int, str]]  # dx line -> (offset of its 'poa=' token, POA column)
    claim_count: int

    def origin(self, span: Span) -> tuple[int, str | None, str | None]:
        """The data row, column and claim id of a span on a line of the batch."""
        line = span.line
        poa = self.poa_fields.get(line)
        if poa is not None and span.start >= poa[0]:
            row, _field, claim = self.origins[line]
            return row, poa[1], claim
        return self.origins[line]


_BREAKS = re.compile(r"[\r\n]+")
_BLANKS = re.compile(r"\s+")
_YYYYMMDD = re.compile(r"([12][0-9]{3})([01][0-9])([0-3][0-9])")
_SETTINGS = {"inpatient": "inpatient", "i": "inpatient", "ip": "inpatient", "in": "inpatient",
             "outpatient": "outpatient", "o": "outpatient", "op": "outpatient", "out": "outpatient"}
_SEXES = {"f": "F", "female": "F", "2": "F", "m": "M", "male": "M", "1": "M", "u": "U", "unknown": "U", "0": "U"}


def cell_text(value: Any) -> str:
    """A cell as text on one line: '' for missing values, whole floats without '.0'."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value.strip()
    elif isinstance(value, float):
        if value != value:  # NaN: pandas' missing value
            return ""
        text = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, datetime.datetime):
        text = value.date().isoformat()
    elif isinstance(value, datetime.date):
        text = value.isoformat()
    else:
        text = str(value).strip()
    if "\n" in text or "\r" in text:
        text = _BREAKS.sub(" ", text)
    return text.replace("#", "?") if "#" in text else text


def _date_text(value: Any) -> str:
    text = cell_text(value)
    match = _YYYYMMDD.fullmatch(text)
    if match:
        return "-".join(match.groups())
    if len(text) > 10 and text[4:5] == "-" and text[10] in " T":  # a timestamp written as text
        return text[:10]
    return text


def _setting_text(setting: Any, bill_type: Any) -> str:
    text = cell_text(setting)
    if text:
        return _SETTINGS.get(text.lower(), text)
    bill = cell_text(bill_type).lstrip("0")
    if not bill:
        return ""
    # UB-04 type of bill: facility type then bill classification; 11x is a hospital inpatient stay.
    if len(bill) in (2, 3) and bill.isdigit():
        return "inpatient" if bill.startswith("11") else "outpatient"
    return bill


def _code_text(value: Any, procedure: bool = False) -> str:
    """The code of a cell as the encounter writes it: claims write codes without their dot (as
    X12 837 does) and in any case, which is their canonical form there, so such a code is
    written with its dot; anything else is written as it is, for the parser to judge."""
    text = cell_text(value)
    if " " in text or "\t" in text:
        return _BLANKS.sub("_", text)
    if procedure:
        return text
    code = code_of(text)
    if code is not None and code != text and code.replace(".", "") == text.upper():
        return code
    return text


class _Writer:
    """Writes claims as encounter lines and builds the parsed model of those lines at once.

    The model is what `parse` makes of the same text (a test holds them equal);
    building it directly skips reading back what was just written, the larger part
    of the cost.  A line the fast path does not cover (a cell that is not
    code-shaped, an odd POA flag) goes through the parser's own `parse_line`.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.origins: list[tuple[int, str | None, str | None]] = []  # per line: row, column, claim
        self.poa_fields: dict[int, tuple[int, str]] = {}
        self.encounters: list[Encounter] = []
        self.issues: list[SyntaxIssue] = []
        self.comments: dict[int, Span] = {}
        self.claim_count = 0
        self.current: Encounter | None = None

    def line(self, text: str, row: int, field: str | None, claim: str | None) -> int:
        line = len(self.lines)
        self.lines.append(text)
        self.origins.append((row, field, claim))
        if self.current is not None:
            self.current.end_line = line
        return line

    def issue(self, message: str, kind: str, row: int, field: str | None, claim: str | None) -> None:
        line = self.line("#", row, field, claim)
        span = Span(line, 0, 1)
        self.comments[line] = span
        self.issues.append(SyntaxIssue(span, message, kind))

    def header(self, key: str, text: str, row: int, field: str | None, claim: str | None) -> None:
        if not text:
            return
        line = self.line(f"{key}: {text}", row, field, claim)
        start = len(key) + 2
        value_span = new_span(line, start, start + len(text))
        value, message = read_header_value(key, text)
        if message is not None:
            self.issues.append(SyntaxIssue(value_span, message, "bad-value"))
        self.current.headers[key] = Header(key, new_span(line, 0, len(key)), text, value_span, value)

    def dx(self, code_text: str, poa: str, row: int, field: str, poa_field: str | None, claim: str | None) -> None:
        text = f"dx: {code_text}"
        with_poa = bool(poa) and poa_field is not None
        if with_poa:
            line = self.line(f"{text} poa={_BLANKS.sub('_', poa)}", row, field, claim)
            self.poa_fields[line] = (len(text) + 1, poa_field)
        else:
            line = self.line(text, row, field, claim)
        diagnoses = self.current.diagnoses
        code = code_of(code_text)
        if code is None or (with_poa and poa not in POA_FLAGS):
            parsed = parse_line(self.lines[line], line)
            self.issues.extend(parsed.issues)
            if parsed.diagnosis is not None:
                parsed.diagnosis.index = len(diagnoses)
                diagnoses.append(parsed.diagnosis)
            return
        end = 4 + len(code_text)
        poa_span = new_span(line, end + 1, len(self.lines[line])) if with_poa else None
        diagnoses.append(Diagnosis(code_text, new_span(line, 4, end), code, poa if with_poa else None, poa_span, "",
                                   line, len(diagnoses)))

    def claim_headers(self, mapping: ClaimsMapping, values: dict[str, list[Any]], i: int, row: int,
                      claim: str | None) -> None:
        """The `encounter` line and the headers of the claim in row index `i`."""
        self.claim_count += 1
        self.current = None
        line = self.line("encounter", row, mapping.claim, claim)
        self.current = Encounter(None, None, line, line, False, {}, [])
        self.encounters.append(self.current)

        def value(column: str | None) -> Any:
            return values[column][i] if column is not None else None

        if mapping.date is not None:
            date = _date_text(value(mapping.date))
            if date:
                self.header("date", date, row, mapping.date, claim)
            else:
                self.issue(f"{mapping.date} (date of service) is empty; the claim is checked against the latest "
                           "code set", "missing-value", row, mapping.date, claim)
        setting = _setting_text(value(mapping.setting), value(mapping.bill_type))
        self.header("setting", setting, row, mapping.setting or mapping.bill_type, claim)
        sex = cell_text(value(mapping.sex))
        self.header("sex", _SEXES.get(sex.lower(), sex), row, mapping.sex, claim)
        self.header("age", cell_text(value(mapping.age)), row, mapping.age, claim)
        status = cell_text(value(mapping.discharge_status))
        self.header("discharge-status", status.zfill(2) if status.isdigit() else status, row,
                    mapping.discharge_status, claim)

    def px(self, code_text: str, row: int, field: str, claim: str | None) -> None:
        """A procedure line, read by the parser (procedures are few)."""
        line = self.line(f"px: {code_text}", row, field, claim)
        parsed = parse_line(self.lines[line], line)
        self.issues.extend(parsed.issues)
        if parsed.procedure is not None:
            procedures = self.current.procedures
            parsed.procedure.index = len(procedures)
            procedures.append(parsed.procedure)

    def finish(self) -> ClaimLines:
        lines = self.lines
        file = EncounterFile("\n".join(lines), lines, self.encounters, self.issues, {}, self.comments)
        return ClaimLines(file, self.origins, self.poa_fields, self.claim_count)


def _claim_id(values: dict[str, list[Any]], column: str | None, i: int) -> str | None:
    if column is None:
        return None
    return cell_text(values[column][i]) or None


def _skipped(writer: _Writer, batch: RowBatch) -> None:
    for row, why in batch.skipped:
        writer.issue(why, "unrecognized-line", row, None, None)


def wide_lines(batch: RowBatch, mapping: ClaimsMapping) -> ClaimLines:
    writer = _Writer()
    _skipped(writer, batch)
    values = batch.values
    dx_columns = [(column, values[column], poa, values[poa] if poa else None)
                  for column, poa in zip(mapping.dx, mapping.poa)]
    px_columns = [(column, values[column]) for column in mapping.px]
    principal = mapping.dx[0]
    for i, row in enumerate(batch.rows):
        claim = _claim_id(values, mapping.claim, i)
        writer.claim_headers(mapping, values, i, row, claim)
        first = True
        for column, cells, poa_column, poa_cells in dx_columns:
            code = _code_text(cells[i])
            if not code:
                if first:
                    writer.issue(f"{principal} (the principal diagnosis) is empty; the claim's codes are not "
                                 "checked until it is given", "missing-code", row, principal, claim)
                    break
                continue
            first = False
            poa = cell_text(poa_cells[i]).upper() if poa_cells is not None else ""
            writer.dx(code, poa, row, column, poa_column, claim)
        else:  # the procedures, unless the claim is left unchecked
            for column, cells in px_columns:
                code = _code_text(cells[i], procedure=True)
                if code:
                    writer.px(code, row, column, claim)
    return writer.finish()


class LongLayout:
    """Groups one-row-per-code batches into claims; a claim's rows may span two batches."""

    def __init__(self, mapping: ClaimsMapping) -> None:
        self.mapping = mapping
        self.pending: RowBatch | None = None  # rows of the last claim of the previous batch

    def feed(self, batch: RowBatch) -> ClaimLines:
        """The claims complete by the end of `batch`; the last claim waits for the next one."""
        batch = self._join(batch)
        ids = batch.values[self.mapping.claim]
        end = len(batch)
        if end:
            last = ids[end - 1]
            while end > 0 and ids[end - 1] == last:
                end -= 1
        self.pending = _slice(batch, end, len(batch), keep_skipped=False)
        return self._lines(_slice(batch, 0, end, keep_skipped=True))

    def flush(self) -> ClaimLines | None:
        pending, self.pending = self.pending, None
        return self._lines(pending) if pending is not None and len(pending) else None

    def _join(self, batch: RowBatch) -> RowBatch:
        if self.pending is None or not len(self.pending):
            return batch
        values = {c: self.pending.values[c] + batch.values[c] for c in batch.values}
        return RowBatch(values, self.pending.rows + batch.rows, batch.skipped)

    def _lines(self, batch: RowBatch) -> ClaimLines:
        mapping = self.mapping
        writer = _Writer()
        _skipped(writer, batch)
        values = batch.values
        for start, end in _groups(values[mapping.claim], len(batch)):
            self._claim(writer, values, batch.rows, start, end)
        return writer.finish()

    def _claim(self, writer: _Writer, values: dict[str, list[Any]], rows: list[int], start: int, end: int) -> None:
        mapping = self.mapping
        claim = _claim_id(values, mapping.claim, start)
        writer.claim_headers(mapping, values, start, rows[start], claim)
        codes = []
        for i in range(start, end):
            sequence_text = cell_text(values[mapping.sequence][i])
            try:
                sequence = int(sequence_text)
            except ValueError:
                writer.issue(f"{mapping.sequence} {sequence_text!r} is not a whole number; this code is not "
                             "checked", "bad-value", rows[i], mapping.sequence, claim)
                continue
            code = _code_text(values[mapping.code][i])
            if code:
                poa = cell_text(values[mapping.long_poa][i]).upper() if mapping.long_poa else ""
                codes.append((sequence, i, code, poa))
        codes.sort()
        if not codes or codes[0][0] not in (0, 1):
            writer.issue(f"no principal diagnosis: no row of this claim has {mapping.sequence} 1 and a code; "
                         "the claim's codes are not checked", "missing-code", rows[start], mapping.sequence, claim)
            return
        for _sequence, i, code, poa in codes:
            writer.dx(code, poa, rows[i], mapping.code, mapping.long_poa, claim)


def _groups(ids: list[Any], n: int) -> Iterator[tuple[int, int]]:
    start = 0
    for i in range(1, n + 1):
        if i == n or ids[i] != ids[start]:
            yield start, i
            start = i


def _slice(batch: RowBatch, start: int, end: int, keep_skipped: bool) -> RowBatch:
    return RowBatch({c: v[start:end] for c, v in batch.values.items()}, batch.rows[start:end],
                    batch.skipped if keep_skipped else [])


def claim_lines(batches: Iterator[RowBatch], mapping: ClaimsMapping) -> Iterator[ClaimLines]:
    """Every batch of rows as encounters, in order (long layouts regrouped by claim)."""
    if mapping.layout == LONG:
        layout = LongLayout(mapping)
        for batch in batches:
            yield layout.feed(batch)
        rest = layout.flush()
        if rest is not None:
            yield rest
    else:
        for batch in batches:
            yield wide_lines(batch, mapping)
