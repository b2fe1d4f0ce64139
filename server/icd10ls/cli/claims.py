"""`icd10ls check claims.csv|claims.parquet`: claims extracts checked like encounter files.

A path ending in .csv, .tsv or .parquet (or any path with `--claims`) is read
as a claims file: its columns are mapped (`[claims]` in icd10ls.toml, then
`--claims-map KEY=COLUMN`), its rows streamed by batches, and every finding
points to its data row (the first row after the header is row 1), column and
claim id.  Findings go to standard output in the chosen format, or with
`--output findings.csv|.parquet` to a table for spreadsheets; the summary goes
to standard error.  `--dask ADDRESS` runs the same check on a Dask cluster
(`icd10ls.claimcheck.cluster`).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..claims.mapping import MappingError, from_config, parse_assignments, resolve
from ..claims.read import ClaimsReadError, ClaimsSource, is_claims_path, open_claims
from ..claimcheck.check import ClaimFinding, check_source, count_by_severity
from ..codeset.store import DataStore
from ..encounter import Span
from ..findings import Finding, Fix, Related, Severity, TextEdit
from ..settings import Settings, find_config, load_toml, merge
from .report import json_lines, sarif_log

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
OUTPUT_SUFFIXES = (".csv", ".parquet")


class ClaimsUsageError(Exception):
    """A claims run that cannot start as asked (exit 2)."""


def add_mapping_arguments(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """The options that say how to read claims files (for `check` and `drg`)."""
    group = parser.add_argument_group("claims files (CSV, Parquet)")
    group.add_argument("--claims", action="store_true",
                       help="read every PATH as a claims file (implied by .csv, .tsv and .parquet)")
    group.add_argument("--claims-map", action="append", default=[], metavar="KEY=COLUMN",
                       help="which column holds what: claim, date, setting, bill-type, age, sex, discharge-status, "
                            "dx=COL1,COL2..., poa=COL1,..., px=COL1,..., layout=long, code, sequence "
                            "(over [claims] in icd10ls.toml)")
    group.add_argument("--delimiter", metavar="CHAR", help="the CSV delimiter (default: guessed from the header)")
    return group


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = add_mapping_arguments(parser)
    group.add_argument("--output", type=Path, metavar="PATH",
                       help="write the findings to a .csv or .parquet table (with --dask: a directory of Parquet "
                            "files) and print only the summary")
    group.add_argument("--dask", metavar="ADDRESS",
                       help="check on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786); "
                            "needs --output")


def wanted(args: argparse.Namespace) -> bool:
    """Whether this run checks claims files."""
    return bool(args.claims or args.dask or any(is_claims_path(p) for p in args.paths))


def is_claims_input(path: str, args: argparse.Namespace | None) -> bool:
    """Whether `path` is read as a claims file: its name, or `--claims`."""
    return bool(getattr(args, "claims", False)) or is_claims_path(path)


@dataclass
class ClaimsFile:
    display: str
    source: ClaimsSource
    settings: Settings
    mapping: Any
    columns: dict[str, int] = field(default_factory=dict)  # column -> 0-based position


def run(args: argparse.Namespace, overrides: Settings, out: TextIO, err: TextIO, store: DataStore) -> int:
    try:
        files, failed = _open_all(args, overrides, err)
    except (ClaimsUsageError, MappingError) as error:
        err.write(f"icd10ls check: {error}\n")
        return EXIT_ERROR
    if failed and not files:
        return EXIT_ERROR
    if args.dask:
        from ..claimcheck.cluster import run_on_cluster

        try:
            totals = run_on_cluster(args.dask, [(f.display, f.source, f.settings, f.mapping) for f in files],
                                    args.output)
        except (OSError, ValueError, RuntimeError, TimeoutError) as error:
            err.write(f"icd10ls check: --dask {args.dask}: {' '.join(str(error).split()) or type(error).__name__}\n")
            return EXIT_ERROR
        err.write(_summary(totals.counts, totals.claims, len(files), failed) + f"; findings in {args.output}\n")
        return EXIT_ERROR if failed or totals.failed else (EXIT_FINDINGS if totals.has_problems else EXIT_CLEAN)
    writer = _writer(args, out)
    counts = {s: 0 for s in Severity}
    claims = 0
    try:
        for file in files:
            try:
                for batch in check_source(file.source, file.mapping, file.settings, store):
                    claims += batch.claims
                    writer.add(file, batch.findings)
                    for severity, n in count_by_severity(batch.findings).items():
                        counts[severity] += n
            except ClaimsReadError as error:
                err.write(f"icd10ls check: {file.display}: {error}\n")
                failed += 1
    finally:
        writer.close()
    err.write(_summary(counts, claims, len(files), failed) + "\n")
    if failed:
        return EXIT_ERROR
    return EXIT_FINDINGS if counts[Severity.ERROR] or counts[Severity.WARNING] else EXIT_CLEAN


def _summary(counts: dict[Severity, int], claims: int, files: int, failed: int) -> str:
    parts = [f"{n} {s.label}{'s' if n != 1 and s != Severity.INFORMATION else ''}" for s, n in counts.items() if n]
    text = (", ".join(parts) if parts else "no problems") + \
        f" in {claims} claim{'s' if claims != 1 else ''} of {files} file{'s' if files != 1 else ''}"
    if failed:
        text += f"; {failed} file{'s' if failed != 1 else ''} could not be read"
    return text


# -- opening ------------------------------------------------------------------------------


class ClaimEncounters:
    """Every claim of some claims files as an encounter, for commands other than `check` (`drg`):
    yields (path as shown, encounter, default setting, row, claim id); `failed` counts the files
    that could not be read, each said on `err`."""

    def __init__(self, paths: list[str], args: argparse.Namespace | None, err: TextIO) -> None:
        self.paths = paths
        self.args = args or argparse.Namespace()
        self.err = err
        self.failed = 0

    def __iter__(self):
        from ..claims.rows import claim_lines

        args = argparse.Namespace(paths=self.paths, fix=False, dask=None, output=None, config=None, no_config=False,
                                  claims=True, claims_map=[], delimiter=None)
        vars(args).update({k: v for k, v in vars(self.args).items() if k in ("config", "no_config", "claims_map",
                                                                             "delimiter")})
        try:
            files, self.failed = _open_all(args, Settings(), self.err)
        except (ClaimsUsageError, MappingError) as error:
            self.err.write(f"icd10ls: {error}\n")
            self.failed += 1
            return
        for file in files:
            default = file.settings.default_setting
            try:
                for lines in claim_lines(file.source.batches(file.mapping.columns()), file.mapping):
                    for encounter in lines.file.encounters:
                        row, _field, claim = lines.origin(Span(encounter.start_line, 0, 0))
                        yield file.display, encounter, default, row, claim
            except ClaimsReadError as error:
                self.err.write(f"icd10ls: {file.display}: {error}\n")
                self.failed += 1


def _open_all(args: argparse.Namespace, overrides: Settings, err: TextIO) -> tuple[list[ClaimsFile], int]:
    if args.fix:
        raise ClaimsUsageError("--fix does not rewrite claims files; --output findings.csv lists each fix")
    if "-" in args.paths:
        raise ClaimsUsageError("claims are read from files, not standard input")
    encounter_paths = [p for p in args.paths if not args.claims and not is_claims_path(p)]
    if encounter_paths:
        raise ClaimsUsageError(f"{encounter_paths[0]}: check encounter files and claims files in separate runs "
                               "(or read it as claims with --claims)")
    if args.dask and args.output is None:
        raise ClaimsUsageError("--dask needs --output DIRECTORY for the findings (Parquet files, one per part)")
    if args.output is not None and not args.dask and args.output.suffix.lower() not in OUTPUT_SUFFIXES:
        raise ClaimsUsageError(f"--output {args.output}: write findings to a .csv or .parquet file")
    if args.delimiter is not None and len(args.delimiter) != 1:
        raise ClaimsUsageError(f"--delimiter {args.delimiter!r}: one character")
    flags = parse_assignments(args.claims_map)
    configs: dict[Path | None, tuple[Settings, dict[str, Any]]] = {}
    files: list[ClaimsFile] = []
    failed = 0
    for given in args.paths:
        config = args.config if args.config is not None else None if args.no_config else find_config(Path(given))
        if config not in configs:
            configs[config] = _load_config(config)
        settings, table = configs[config]
        table = {**table, **flags}
        try:
            source = open_claims(given, args.delimiter or table.get("delimiter"))
        except ClaimsReadError as error:
            err.write(f"icd10ls check: {given}: {error}\n")
            failed += 1
            continue
        try:
            mapping = resolve(source.columns, table)
        except MappingError as error:
            raise MappingError(f"{given}: {error}") from None
        files.append(ClaimsFile(given, source, merge(settings, overrides), mapping,
                                {name: i for i, name in enumerate(source.columns)}))
    return files, failed


def _load_config(config: Path | None) -> tuple[Settings, dict[str, Any]]:
    """The settings and the [claims] table of one icd10ls.toml; a problem in either stops the run."""
    if config is None:
        return Settings(), {}
    settings, problems = load_toml(config)
    if problems:
        raise ClaimsUsageError("; ".join(problems))
    import tomllib

    try:
        with open(config, "rb") as stream:
            document = tomllib.load(stream)
    except (OSError, ValueError) as error:
        raise ClaimsUsageError(f"{config}: {error}") from None
    return settings, from_config(document.get("claims", {}), str(config)) if "claims" in document else {}


# -- output -------------------------------------------------------------------------------


def located(file: ClaimsFile, f: ClaimFinding) -> Finding:
    """The finding placed on its cell as a spreadsheet shows it: line = row + 1 (the header is
    line 1), column = the field's position, so text and SARIF consumers can jump to it."""

    def span(row: int, column: str | None) -> Span:
        index = file.columns.get(column, 0) if column else 0
        return Span(row, index, index + 1)

    related = [Related(span(r.row, r.field), r.code, r.message) for r in f.related]
    fixes = [Fix(fix.title, tuple(TextEdit(span(e.row, e.field), e.new_text) for e in fix.edits), fix.safe)
             for fix in f.fixes]
    return Finding(f.rule, f.severity, span(f.row, f.field), f.message, f.code, related, fixes)


def claim_json(file: ClaimsFile, f: ClaimFinding) -> dict[str, Any]:
    """The finding as `check --format json` gives it, with its row, field and claim."""
    (line,) = json_lines(file.display, [located(file, f)])
    data = json.loads(line)
    data.update(row=f.row, field=f.field, claim=f.claim)
    for entry, related in zip(data["related"], f.related):
        entry.update(row=related.row, field=related.field)
    return data


def claim_text(file: ClaimsFile, f: ClaimFinding) -> str:
    where = f"row {f.row}" + (f" {f.field}" if f.field else "") + (f" (claim {f.claim})" if f.claim else "")
    return f"{file.display}: {where}: {f.severity.label}[{f.rule}] {' '.join(f.message.split())}\n"


class _Writer:
    def add(self, file: ClaimsFile, findings: list[ClaimFinding]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _TextWriter(_Writer):
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def add(self, file: ClaimsFile, findings: list[ClaimFinding]) -> None:
        self.out.write("".join(claim_text(file, f) for f in findings))


class _JsonWriter(_Writer):
    """A JSON array written as it grows, so that memory does not."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.first = True

    def add(self, file: ClaimsFile, findings: list[ClaimFinding]) -> None:
        for f in findings:
            self.out.write(("[\n" if self.first else ",\n") + json.dumps(claim_json(file, f), ensure_ascii=False))
            self.first = False

    def close(self) -> None:
        self.out.write("[]\n" if self.first else "\n]\n")


class _SarifWriter(_Writer):
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.files: dict[str, tuple[ClaimsFile, list[ClaimFinding]]] = {}

    def add(self, file: ClaimsFile, findings: list[ClaimFinding]) -> None:
        self.files.setdefault(file.display, (file, []))[1].extend(findings)

    def close(self) -> None:
        checked = [(display, [located(file, f) for f in findings]) for display, (file, findings) in self.files.items()]
        log = sarif_log(checked)
        results = iter(log["runs"][0]["results"])
        for _display, (_file, findings) in self.files.items():
            for f in findings:
                result = next(results)
                result.setdefault("properties", {}).update(row=f.row, field=f.field, claim=f.claim)
        self.out.write(json.dumps(log, indent=2, ensure_ascii=False) + "\n")


class _TableWriter(_Writer):
    """Findings to a .parquet or .csv table, batch by batch; `path` is added when several files are checked."""

    def __init__(self, path: Path) -> None:
        from ..claimcheck.table import findings_schema

        self.path = path
        self.schema = findings_schema()
        self.writer: Any = None

    def add(self, file: ClaimsFile, findings: list[ClaimFinding]) -> None:
        import pyarrow as pa

        from ..claimcheck.table import findings_table

        table = findings_table(findings)
        table = table.add_column(0, "path", pa.array([file.display] * table.num_rows, pa.string()))
        if self.writer is None:
            self.writer = self._open(table.schema)
        self.writer.write_table(table)

    def _open(self, schema) -> Any:
        try:
            if self.path.suffix.lower() == ".parquet":
                import pyarrow.parquet as pq

                return pq.ParquetWriter(self.path, schema)
            from pyarrow import csv as pacsv

            return pacsv.CSVWriter(self.path, schema)
        except OSError as error:
            raise ClaimsReadError(f"--output {self.path}: cannot write ({error})") from None

    def close(self) -> None:
        if self.writer is None:
            import pyarrow as pa

            from ..claimcheck.table import findings_table

            empty = findings_table([])
            self.writer = self._open(empty.add_column(0, "path", pa.array([], pa.string())).schema)
        self.writer.close()


def _writer(args: argparse.Namespace, out: TextIO) -> _Writer:
    if args.output is not None:
        return _TableWriter(args.output)
    return {"json": _JsonWriter, "sarif": _SarifWriter}.get(args.format, _TextWriter)(out)

