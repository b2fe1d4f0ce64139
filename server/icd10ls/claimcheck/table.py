"""Claims as tables: `check_claims(table) -> table` for Arrow tables and pandas DataFrames.

The findings table has one row per finding, in row order: `row` (1-based, the
first row of the input is 1), `claim`, `field` (the column), `severity`, `rule`,
`code`, `message` and `fix` (the first fix's title, empty when there is none).
The same table is what `icd10ls check --output findings.parquet|.csv` writes.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping

from ..claims.mapping import ClaimsMapping, resolve
from ..claims.read import BATCH_ROWS, RowBatch, require_pyarrow
from ..claims.rows import claim_lines
from ..checker import collector_paused
from ..codeset.store import DataStore, default_store
from ..settings import Settings
from .check import ClaimFinding, check_lines

__all__ = ["FINDING_COLUMNS", "check_claims", "findings_schema", "findings_table", "table_batches"]

FINDING_COLUMNS = ("row", "claim", "field", "severity", "rule", "code", "message", "fix")


def findings_schema():
    pa = require_pyarrow()
    return pa.schema([("row", pa.int64())] + [(name, pa.string()) for name in FINDING_COLUMNS[1:]])


def findings_table(findings: Iterable[ClaimFinding]):
    """The findings as an Arrow table (see the module's docstring for the columns)."""
    pa = require_pyarrow()
    columns: dict[str, list] = {name: [] for name in FINDING_COLUMNS}
    for f in findings:
        columns["row"].append(f.row)
        columns["claim"].append(f.claim)
        columns["field"].append(f.field)
        columns["severity"].append(f.severity.label)
        columns["rule"].append(f.rule)
        columns["code"].append(f.code)
        columns["message"].append(f.message)
        columns["fix"].append(f.fixes[0].title if f.fixes else "")
    return pa.table(columns, schema=findings_schema())


def _as_arrow(table: Any):
    pa = require_pyarrow()
    if isinstance(table, pa.Table):
        return table, False
    if isinstance(table, pa.RecordBatch):
        return pa.Table.from_batches([table]), False
    if type(table).__module__.startswith("pandas"):
        return pa.Table.from_pandas(table, preserve_index=False), True
    raise TypeError(f"check_claims takes a pyarrow Table or a pandas DataFrame, not {type(table).__name__}")


def table_batches(table, columns: list[str], first_row: int = 1, batch_rows: int = BATCH_ROWS) -> Iterator[RowBatch]:
    """An Arrow table's rows as batches of the claims reader, numbered from `first_row`."""
    for batch in table.select(columns).to_batches(max_chunksize=batch_rows):
        n = batch.num_rows
        values = {name: batch.column(i).to_pylist() for i, name in enumerate(batch.schema.names)}
        yield RowBatch(values, list(range(first_row, first_row + n)))
        first_row += n


def check_claims(table: Any, mapping: ClaimsMapping | Mapping[str, Any] | None = None,
                 settings: Settings | None = None, store: DataStore | None = None, first_row: int = 1):
    """Check every claim of `table`; the findings as a table of the same kind (Arrow or pandas).

    `mapping` is a `ClaimsMapping` or a table like `[claims]` in icd10ls.toml
    (`{"dx": ["PDX", "DX2"], "date": "DOS"}`); common headers are recognised
    without one.  A mapped column that does not exist raises `MappingError`.
    """
    arrow, from_pandas = _as_arrow(table)
    if not isinstance(mapping, ClaimsMapping):
        mapping = resolve(arrow.column_names, mapping)
    settings = settings or Settings()
    store = store or default_store()
    findings: list[ClaimFinding] = []
    with collector_paused():
        for lines in claim_lines(table_batches(arrow, mapping.columns(), first_row), mapping):
            findings.extend(check_lines(lines, settings, store))
    result = findings_table(findings)
    return result.to_pandas() if from_pandas else result
