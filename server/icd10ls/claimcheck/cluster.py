"""Claims checked on a Dask cluster: files split into parts, each part checked by a worker.

`run_on_cluster` is `icd10ls check --dask ADDRESS`: every Parquet file is cut
into parts of whole row groups (a CSV file, or a long layout whose claims may
cross row groups, is one part), each worker reads its parts itself (the files
must be visible to the workers at the same path: a shared disk or object store
mount), checks them and writes `part-NNNNN.parquet` into the output directory;
the client only adds up the counts.  A worker process loads the code sets on its
first part and keeps them for the next ones (the engine's store is per process);
it reads the per-code facts `icd10ls check` kept in the cache directory, but does
not write: workers rewriting the same files after every part cost more than it saves.

`check_claims_dask` is the same for a `dask.dataframe.DataFrame`, through
`map_partitions`: the result is a lazy DataFrame of findings with the columns of
`icd10ls.claimcheck.table`, rows numbered across partitions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..claims.mapping import LONG, ClaimsMapping, resolve
from ..claims.read import ClaimsSource, require_pyarrow
from ..codeset.store import default_store
from ..findings import Severity
from ..rules.engine import keep_facts
from ..settings import Settings
from .check import check_source, count_by_severity

__all__ = ["Part", "PartResult", "Totals", "plan_parts", "check_part", "run_on_cluster", "check_claims_dask"]

TARGET_PART_ROWS = 65_536  # a part is whole row groups, about this many rows
CONNECT_TIMEOUT = "15s"


@dataclass(frozen=True)
class Part:
    number: int
    display: str
    source: ClaimsSource
    settings: Settings
    mapping: ClaimsMapping
    row_groups: tuple[int, ...] | None  # None: the whole file


@dataclass
class PartResult:
    number: int
    claims: int = 0
    counts: dict[Severity, int] = field(default_factory=dict)
    error: str | None = None  # why the part could not be checked


@dataclass
class Totals:
    claims: int
    counts: dict[Severity, int]
    failed: int
    errors: list[str]

    @property
    def has_problems(self) -> bool:
        return bool(self.counts.get(Severity.ERROR) or self.counts.get(Severity.WARNING))


def plan_parts(files: Sequence[tuple[str, ClaimsSource, Settings, ClaimsMapping]],
               target_rows: int = TARGET_PART_ROWS) -> list[Part]:
    """The parts to check: runs of whole row groups of about `target_rows` rows."""
    parts: list[Part] = []
    for display, source, settings, mapping in files:
        if source.kind != "parquet" or mapping.layout == LONG:
            parts.append(Part(len(parts), display, source, settings, mapping, None))
            continue
        import pyarrow.parquet as pq

        metadata = pq.ParquetFile(source.path).metadata
        group: list[int] = []
        rows = 0
        for index in range(metadata.num_row_groups):
            group.append(index)
            rows += metadata.row_group(index).num_rows
            if rows >= target_rows:
                parts.append(Part(len(parts), display, source, settings, mapping, tuple(group)))
                group, rows = [], 0
        if group or metadata.num_row_groups == 0:
            parts.append(Part(len(parts), display, source, settings, mapping, tuple(group)))
    return parts


def part_path(output: Path, number: int) -> Path:
    return output / f"part-{number:05d}.parquet"


def check_part(part: Part, output: str) -> PartResult:
    """Check one part and write its findings (with a `path` column) as one Parquet file."""
    pa = require_pyarrow()
    import pyarrow.parquet as pq

    from ..claims.read import ClaimsReadError
    from .table import findings_schema, findings_table

    store = default_store()
    keep_facts(store)  # read the per-code facts `icd10ls check` kept (workers do not write them back)
    result = PartResult(part.number, counts={s: 0 for s in Severity})
    schema = findings_schema().insert(0, pa.field("path", pa.string()))
    target = part_path(Path(output), part.number)
    temporary = target.with_name(f".{target.name}.{os.getpid()}")
    try:
        with pq.ParquetWriter(temporary, schema) as writer:
            for batch in check_source(part.source, part.mapping, part.settings, row_groups=part.row_groups):
                result.claims += batch.claims
                for severity, n in count_by_severity(batch.findings).items():
                    result.counts[severity] += n
                table = findings_table(batch.findings)
                writer.write_table(table.add_column(0, "path", pa.array([part.display] * table.num_rows,
                                                                        pa.string())))
        os.replace(temporary, target)
    except (ClaimsReadError, OSError) as error:
        result.error = f"{part.display}: {error}"
        temporary.unlink(missing_ok=True)
    return result


def _prepare_output(output: Path) -> None:
    output.mkdir(parents=True, exist_ok=True)
    for old in output.glob("part-*.parquet"):  # parts of an earlier run would mix with this one's
        old.unlink()


def _part_rows(files: Sequence[tuple[str, ClaimsSource, Settings, ClaimsMapping]], workers: int) -> int:
    """Rows per part: at most TARGET_PART_ROWS, and small enough for a few parts per worker."""
    import pyarrow.parquet as pq

    rows = sum(pq.ParquetFile(source.path).metadata.num_rows for _d, source, _s, _m in files
               if source.kind == "parquet")
    return max(1, min(TARGET_PART_ROWS, rows // (4 * max(1, workers))))


def run_on_cluster(address: Any, files: Sequence[tuple[str, ClaimsSource, Settings, ClaimsMapping]],
                   output: Path) -> Totals:
    """Check `files` on the cluster at `address` (a scheduler address or a `distributed` Client)."""
    from distributed import Client

    output = Path(output).absolute()
    _prepare_output(output)
    own = not isinstance(address, Client)
    client = Client(address, timeout=CONNECT_TIMEOUT) if own else address
    try:
        parts = plan_parts(files, _part_rows(files, len(client.scheduler_info().get("workers", {}))))
        futures = client.map(check_part, parts, output=str(output), pure=False)
        results: list[PartResult] = client.gather(futures)
    finally:
        if own:
            client.close()
    counts = {s: 0 for s in Severity}
    for result in results:
        for severity, n in result.counts.items():
            counts[severity] += n
    errors = [r.error for r in results if r.error]
    failed_files = len({e.split(": ", 1)[0] for e in errors})
    return Totals(sum(r.claims for r in results), counts, failed_files, errors)


# -- dask.dataframe --------------------------------------------------------------------------


def _check_partition(frame, mapping: ClaimsMapping, settings: Settings | None, offsets: Sequence[int],
                     partition_info: dict | None = None):
    from .table import check_claims

    first = offsets[partition_info["number"]] + 1 if partition_info else 1
    return check_claims(frame, mapping, settings, first_row=first)


def check_claims_dask(frame, mapping: ClaimsMapping | Mapping[str, Any] | None = None,
                      settings: Settings | None = None):
    """Findings of every claim of a dask DataFrame, as a lazy dask DataFrame (one partition each).

    Rows are numbered over the whole frame (1 = its first row): the partitions'
    lengths are computed first, which reads the data once more.  A long layout's
    claims must not cross partitions.
    """
    import pandas as pd

    from .table import FINDING_COLUMNS

    if not isinstance(mapping, ClaimsMapping):
        mapping = resolve([str(c) for c in frame.columns], mapping)
    lengths = frame.map_partitions(len).compute()
    offsets = [0]
    for length in list(lengths)[:-1]:
        offsets.append(offsets[-1] + int(length))
    meta = pd.DataFrame({name: pd.Series(dtype="int64" if name == "row" else "object") for name in FINDING_COLUMNS})
    return frame.map_partitions(_check_partition, mapping, settings, offsets, meta=meta, align_dataframes=False)
