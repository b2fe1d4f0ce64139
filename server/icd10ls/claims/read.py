"""Reading claims files by batches: CSV (any delimiter, a header row) and Parquet.

Files are streamed through pyarrow's readers, a batch of rows at a time and
only the mapped columns, so that memory stays flat however long the file is.
Every CSV cell is read as text: a wrong type is then a finding on its claim
(an age of 'abc'), never a failed file.  A CSV row with the wrong number of
fields is skipped and reported on its row; the data rows keep their numbers
(the first row after the header is row 1), as in Parquet.

pyarrow is an optional dependency (`pip install 'icd10ls[claims]'`); without it
opening a claims file is one clear `ClaimsReadError`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

__all__ = ["CLAIMS_SUFFIXES", "ClaimsReadError", "ClaimsSource", "RowBatch", "is_claims_path", "open_claims",
           "require_pyarrow"]

CLAIMS_SUFFIXES = (".csv", ".tsv", ".parquet")
BATCH_ROWS = 32_768
CSV_BLOCK_BYTES = 4 << 20
SNIFF_BYTES = 64 << 10
DELIMITERS = ",;|\t"


class ClaimsReadError(Exception):
    """A claims file that cannot be read at all (missing, not CSV/Parquet, pyarrow absent)."""


def is_claims_path(path: str | Path) -> bool:
    """True for the names read as claims without being asked: *.csv, *.tsv, *.parquet."""
    return str(path).lower().endswith(CLAIMS_SUFFIXES)


def require_pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError:
        raise ClaimsReadError("reading claims files needs pyarrow: pip install 'icd10ls[claims]'") from None
    return pyarrow


@dataclass
class RowBatch:
    """Rows read together: their values by column and their 1-based data row numbers."""

    values: dict[str, list[Any]]  # column -> one value per row (None for a missing value)
    rows: list[int]
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, why) of rows that could not be read

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class ClaimsSource:
    path: Path
    kind: str  # 'csv' or 'parquet'
    columns: list[str]
    delimiter: str | None = None

    def batches(self, columns: Sequence[str], batch_rows: int = BATCH_ROWS,
                row_groups: Sequence[int] | None = None) -> Iterator[RowBatch]:
        """The rows, by batches, with only `columns` (which must exist).

        `row_groups` (Parquet only) reads those row groups alone, numbering their
        rows as in the whole file.
        """
        if self.kind == "parquet":
            return self._parquet_batches(columns, batch_rows, row_groups)
        return self._csv_batches(columns)

    def _parquet_batches(self, columns: Sequence[str], batch_rows: int,
                         row_groups: Sequence[int] | None) -> Iterator[RowBatch]:
        import pyarrow.parquet as pq

        file = pq.ParquetFile(self.path)
        first = 1
        if row_groups is not None:
            metadata = file.metadata
            first += sum(metadata.row_group(i).num_rows for i in range(min(row_groups, default=0)))
        for batch in file.iter_batches(batch_size=batch_rows, row_groups=row_groups, columns=list(columns),
                                       use_threads=False):
            n = batch.num_rows
            values = {name: batch.column(i).to_pylist() for i, name in enumerate(batch.schema.names)}
            yield RowBatch(values, list(range(first, first + n)))
            first += n

    def _csv_batches(self, columns: Sequence[str]) -> Iterator[RowBatch]:
        pa = require_pyarrow()
        from pyarrow import csv as pacsv

        skipped_lines: list[tuple[int | None, str]] = []

        def invalid(row: Any) -> str:
            skipped_lines.append((row.number, f"this row has {row.actual_columns} fields where the header has "
                                              f"{row.expected_columns}; the row is not checked"))
            return "skip"

        reader = pacsv.open_csv(
            self.path,
            read_options=pacsv.ReadOptions(use_threads=False, block_size=CSV_BLOCK_BYTES, encoding="utf8"),
            parse_options=pacsv.ParseOptions(delimiter=self.delimiter or ",", newlines_in_values=True,
                                              invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in self.columns},
                                                 include_columns=list(columns), strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False),
        )
        next_row = 1
        reported = 0
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except pa.ArrowInvalid as error:
                raise ClaimsReadError(f"cannot read past data row {next_row - 1}: {_arrow_message(error)}") from None
            # Rows skipped in this batch keep their numbers: the rows read go around them.
            skipped_rows = []
            for number, why in skipped_lines[reported:]:
                # pyarrow counts physical lines from 1 (the header); without line breaks
                # inside values, data row = line - 1.
                skipped_rows.append(((number - 1) if number else next_row, why))
            reported = len(skipped_lines)
            gaps = {row for row, _ in skipped_rows}
            rows = []
            row = next_row
            while len(rows) < batch.num_rows:
                if row not in gaps:
                    rows.append(row)
                row += 1
            next_row = max([row, *(g + 1 for g in gaps)])
            values = {name: batch.column(i).to_pylist() for i, name in enumerate(batch.schema.names)}
            yield RowBatch(values, rows, skipped_rows)
        if len(skipped_lines) > reported:  # bad rows at the very end
            yield RowBatch({c: [] for c in columns}, [],
                           [((n - 1) if n else next_row, why) for n, why in skipped_lines[reported:]])


def _arrow_message(error: BaseException) -> str:
    return " ".join(str(error).split())[:300]


def open_claims(path: str | Path, delimiter: str | None = None) -> ClaimsSource:
    """Open a CSV or Parquet claims file and read its column names (nothing else yet)."""
    path = Path(path)
    require_pyarrow()
    try:
        with path.open("rb") as stream:
            head = stream.read(SNIFF_BYTES)
    except IsADirectoryError:
        raise ClaimsReadError("is a directory") from None
    except OSError as error:
        raise ClaimsReadError(f"cannot read ({error.strerror or error})") from None
    if head.startswith(b"PAR1"):
        return _open_parquet(path)
    if path.suffix.lower() == ".parquet":
        raise ClaimsReadError("not a Parquet file (it does not start with PAR1)")
    return _open_csv(path, head, delimiter)


def _open_parquet(path: Path) -> ClaimsSource:
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except Exception as error:  # noqa: BLE001 - pyarrow raises several kinds for a damaged file
        raise ClaimsReadError(f"not a readable Parquet file ({_arrow_message(error)})") from None
    return ClaimsSource(path, "parquet", list(schema.names))


def _open_csv(path: Path, head: bytes, delimiter: str | None) -> ClaimsSource:
    if b"\x00" in head:
        raise ClaimsReadError("a binary file (it contains NUL bytes), not CSV")
    if head.startswith(b"\xef\xbb\xbf"):
        raise ClaimsReadError("starts with a UTF-8 byte order mark; save it without one (UTF-8) and check again")
    text = head.decode("utf-8", errors="replace")
    if not text.strip():
        raise ClaimsReadError("empty: a claims file needs a header row")
    if delimiter is None:
        delimiter = _sniff(text, path)
    header = next(csv.reader(io.StringIO(text), delimiter=delimiter))
    columns = [name.strip() for name in header]
    if len(set(header)) != len(header):
        duplicates = sorted({c for c in header if header.count(c) > 1})
        raise ClaimsReadError(f"the header names {', '.join(repr(c) for c in duplicates)} twice; "
                              "each column needs its own name")
    if columns != header:
        raise ClaimsReadError("header names start or end with blanks; remove them")
    return ClaimsSource(path, "csv", columns, delimiter)


def _sniff(text: str, path: Path) -> str:
    """The delimiter of the header row: the candidate it has most of (tab for .tsv files)."""
    first_line = text.splitlines()[0]
    if path.suffix.lower() == ".tsv":
        return "\t"
    try:
        return csv.Sniffer().sniff(text[:8192], delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: first_line.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","
