"""`icd10ls check PATH...`: check encounter files from the command line.

Exit status: 0 when no error or warning was found, 1 when some were, 2 for a
usage error, a settings file that cannot be read, or a file that could not be
checked (unreadable, binary, not UTF-8, larger than 20 MB, or a FIFO or device
found in a directory).  2 wins over 1: a run that skipped a file has not
checked everything, and CI must not pass it.  Files that cannot be read are
reported on stderr and the run goes on with the others.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, TextIO

from ..checker import CheckResult, check_text, collector_paused
from ..findings import Severity
from ..fixes import fix_text
from .report import FORMATS, LINES, join_lines, severity_counts, summary_of
from . import claims
from ..rules import RULES
from ..rules.engine import add_fresh_facts, keep_facts, save_facts, take_fresh_facts
from ..settings import RuleSetting, Settings, find_config, load_toml, merge
from ..codeset.store import DataError, DataStore, default_store

MAX_FILE_BYTES = 20 * 1024 * 1024
STDIN = "-"
STDIN_NAME = "<stdin>"
EXTENSION = ".enc"

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """A command line that cannot be run as given (exit 2)."""


@dataclass
class Document:
    display: str  # the path as shown in reports
    path: Path | None  # None for standard input
    text: str = ""
    bom: bool = False  # the file started with a UTF-8 byte order mark (kept by --fix)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="encounter files, directories (every *.enc inside, recursively) or - for standard input")
    parser.add_argument("--format", choices=sorted(FORMATS), default="text",
                        help="text (default): path:line:col: severity[rule] message; json; sarif (SARIF 2.1.0)")
    parser.add_argument("--fix", action="store_true",
                        help="apply the safe fixes in place (with -: print the fixed text to standard output)")
    parser.add_argument("--select", metavar="RULE,...", help="check only these rules")
    parser.add_argument("--ignore", metavar="RULE,...", help="do not check these rules")
    parser.add_argument("--year", type=int, metavar="YYYY", help="check every encounter against this fiscal year")
    parser.add_argument("--setting", choices=("inpatient", "outpatient"),
                        help="the setting of encounters without a 'setting:' line (default: outpatient)")
    parser.add_argument("--config", type=Path, metavar="PATH", help="use this icd10ls.toml")
    parser.add_argument("--no-config", action="store_true", help="ignore icd10ls.toml files")
    parser.add_argument("-j", "--jobs", type=_jobs, metavar="N",
                        help="check up to N files at once (default: the number of CPUs)")
    parser.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    claims.add_arguments(parser)


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of processes (1 or more), not {text!r}")
    return value


def register(subparsers) -> argparse.ArgumentParser:
    """Add the `check` subcommand; `icd10ls.cli` calls its `handler(args, store)`."""
    parser = subparsers.add_parser("check", help="check encounter files",
                                   description="Check ICD-10-CM encounter files (*.enc).",
                                   epilog="Exit status: 0 clean, 1 errors or warnings found, 2 usage or I/O error.")
    add_arguments(parser)
    parser.set_defaults(handler=handle)
    return parser


def handle(args: argparse.Namespace, store: DataStore | None = None) -> int:
    return run(args, store=store)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="icd10ls check", description="Check ICD-10-CM encounter files (*.enc).")
    add_arguments(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse's usage errors exit 2 already
        return int(exit_.code or 0)
    return run(args)


def run(args: argparse.Namespace, stdout: TextIO | None = None, stderr: TextIO | None = None,
        store: DataStore | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    if args.list_rules:
        out.write(_rule_table())
        return EXIT_CLEAN
    try:
        return _run(args, out, err, store or default_store())
    except UsageError as error:
        err.write(f"icd10ls check: {error}\n")
        return EXIT_ERROR
    except DataError as error:
        err.write(f"icd10ls check: {error}\n")
        return EXIT_ERROR


def _rule_table() -> str:
    width = max(len(r) for r in RULES)
    return "".join(f"{r.id:<{width}}  {r.severity.label:<11}  {r.summary}\n" for r in RULES.values())


def _run(args: argparse.Namespace, out: TextIO, err: TextIO, store: DataStore) -> int:
    if not args.paths:
        raise UsageError("no PATH given (use - for standard input)")
    if args.paths.count(STDIN) > 1:
        raise UsageError("- (standard input) can be given once")
    overrides = _overrides(args, store)
    if claims.wanted(args):
        return claims.run(args, overrides, out, err, store)
    failed = 0
    documents: list[Document] = []
    for document, problem in _collect(args.paths):
        if problem:
            err.write(f"icd10ls check: {problem}\n")
            failed += 1
        else:
            documents.append(document)
    all_settings, problems = _settings(args, overrides, documents)
    if problems:
        for problem in problems:
            err.write(f"icd10ls check: {problem}\n")
        return EXIT_ERROR
    store.latest()  # loaded before any `-j` workers fork, so that they share it
    keep_facts(store)
    # Checking and reporting make millions of small objects and no reference cycles: with
    # the collector on, its passes over everything made so far (the code sets, each parsed
    # file, each report) cost a quarter of a large run.  Reference counting frees them all the same.
    with collector_paused():
        checked, fixed, failed_writes, worst = _check_all(args, documents, all_settings, store, out, err)
        save_facts(store)
        failed += failed_writes
        report_stream = err if args.fix and any(d.path is None for d in documents) else out
        if args.format in LINES:
            report = join_lines(args.format, [line for outcome in checked for line in outcome.lines])
        else:
            report = FORMATS[args.format]([(d.display, o.findings) for d, o in zip(documents, checked)])
        report_stream.write(report)
        if args.format == "text":
            counts = {severity: sum(o.counts[severity] for o in checked) for severity in Severity}
            err.write(summary_of(counts, len(checked), failed, fixed) + "\n")
    return EXIT_ERROR if failed else worst


@dataclass
class Checked:
    """One document's outcome, small enough to send back from a worker process: its report
    lines already made (text and JSON; the findings themselves for SARIF)."""

    counts: dict[Severity, int]
    problems: bool  # errors or warnings
    lines: list[str]
    findings: list | None = None
    applied: int = 0  # --fix: fixes applied
    fixed_text: str | None = None  # --fix: the text to write back, when there is one


def _check_one(document: Document, settings: Settings, store: DataStore, args: argparse.Namespace) -> Checked:
    applied, fixed_text = 0, None
    if args.fix:
        outcome = fix_text(document.text, settings, store)
        result = outcome.result
        applied = outcome.applied
        if applied or document.path is None:  # standard input is always echoed, fixed or not
            fixed_text = outcome.text
    else:
        result = check_text(document.text, settings, store)
    findings = result.findings
    lines = LINES[args.format](document.display, findings) if args.format in LINES else []
    return Checked(severity_counts(findings), _has_problems(result), lines,
                   None if args.format in LINES else findings, applied, fixed_text)


def _check_all(args: argparse.Namespace, documents: list[Document], all_settings: list[Settings],
               store: DataStore, out: TextIO, err: TextIO) -> tuple[list[Checked], int, int, int]:
    checked: list[Checked] = []
    fixed = failed = 0
    worst = EXIT_CLEAN
    for document, outcome in zip(documents, _outcomes(args, documents, all_settings, store)):
        fixed += outcome.applied
        if outcome.fixed_text is not None:
            problem = _write(document, outcome.fixed_text, out)
            if problem:
                err.write(f"icd10ls check: {problem}\n")
                failed += 1
        checked.append(outcome)
        if outcome.problems:
            worst = EXIT_FINDINGS
    return checked, fixed, failed, worst


# -- several files at once ------------------------------------------------------------
# Worker processes are forked after the code sets are loaded, so they share them and find
# the documents here; each sends back its outcomes and the per-code facts it worked out.
_work: tuple[list[Document], list[Settings], DataStore, argparse.Namespace] | None = None


def default_jobs() -> int:
    """The CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1


def _outcomes(args: argparse.Namespace, documents: list[Document], all_settings: list[Settings],
              store: DataStore) -> Iterator[Checked]:
    """Each document's outcome, in the order given; on `-j` processes when there are several."""
    jobs = min(args.jobs or default_jobs(), len(documents))
    if jobs > 1:  # imported here: a run over one file does not pay for them
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for document, settings in zip(documents, all_settings):
            yield _check_one(document, settings, store, args)
        return
    global _work
    _work = (documents, all_settings, store, args)
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            for outcome, facts in pool.map(_check_in_worker, range(len(documents))):
                add_fresh_facts(store, facts)
                yield outcome
    finally:
        _work = None


def _check_in_worker(index: int) -> tuple[Checked, dict]:
    assert _work is not None
    documents, all_settings, store, args = _work
    outcome = _check_one(documents[index], all_settings[index], store, args)
    return outcome, take_fresh_facts(store)


def _has_problems(result: CheckResult) -> bool:
    return any(f.severity <= Severity.WARNING for f in result.findings)


# -- settings -----------------------------------------------------------------------


def _rule_list(text: str | None, option: str) -> set[str]:
    if text is None:
        return set()
    ids = {item.strip().lower() for item in text.split(",") if item.strip()}
    unknown = sorted(ids - set(RULES))
    if unknown:
        raise UsageError(f"{option}: unknown rule id {', '.join(unknown)} (see --list-rules)")
    if not ids:
        raise UsageError(f"{option}: no rule id given")
    return ids


def _overrides(args: argparse.Namespace, store: DataStore) -> Settings:
    """What the command line sets, as a settings layer over the files."""
    values: dict = {}
    if args.year is not None:
        years = store.fiscal_years()
        if args.year not in years:
            raise UsageError(f"--year {args.year}: no code set for FY{args.year} is installed "
                             f"(installed: {', '.join(f'FY{y}' for y in years)})")
        values["year"] = args.year
    if args.setting:
        values["default_setting"] = args.setting
    selected = _rule_list(args.select, "--select")
    ignored = _rule_list(args.ignore, "--ignore")
    if args.config is not None and args.no_config:
        raise UsageError("--config and --no-config contradict each other")
    settings = Settings(**values, explicit=frozenset(values))
    rules: dict[str, RuleSetting] = {}
    if selected:
        rules.update({rule_id: RuleSetting(False) for rule_id in RULES if rule_id not in selected})
    rules.update({rule_id: RuleSetting(False) for rule_id in ignored})
    return settings.with_rules(rules) if rules else settings


def _settings(args: argparse.Namespace, overrides: Settings,
              documents: list[Document]) -> tuple[list[Settings], list[str]]:
    """Each document's settings, and the problems of every settings file read.

    All settings files are read before anything is checked, so that a broken
    one stops the run instead of silently changing what some files are checked for.
    """
    loaded: dict[Path, Settings] = {}
    found_for: dict[Path, Path | None] = {}
    problems: list[str] = []

    def layer(config: Path | None) -> Settings:
        if config is None:
            return Settings()
        if config not in loaded:
            settings, found = load_toml(config)
            loaded[config] = settings
            problems.extend(found)
        return loaded[config]

    def config_for(document: Document) -> Path | None:
        if args.config is not None:
            return args.config
        if args.no_config:
            return None
        directory = (document.path.absolute().parent if document.path is not None else Path.cwd())
        if directory not in found_for:
            found_for[directory] = find_config(directory)
        return found_for[directory]

    if args.config is not None:
        layer(args.config)
    out = [merge(layer(config_for(document)), overrides) for document in documents]
    return out, problems


# -- files --------------------------------------------------------------------------


def _collect(paths: list[str]) -> Iterator[tuple[Document, str | None]]:
    """Each document to check, or the reason it cannot be."""
    for given in paths:
        if given == STDIN:
            yield _read_stdin()
            continue
        path = Path(given)
        try:
            is_dir = path.is_dir()
        except OSError as error:
            yield Document(given, path), f"{given}: {error.strerror or error}"
            continue
        if is_dir:
            found = sorted(_walk(path, set()), key=lambda p: str(p))
            for file in found:
                yield _read_file(str(file), file, regular_only=True)
        else:
            yield _read_file(given, path)


def _walk(directory: Path, seen: set[tuple[int, int]]) -> Iterator[Path]:
    """Every *.enc below `directory`; symlinked directories are followed, each real one once."""
    try:
        info = directory.stat()
    except OSError:
        return
    key = (info.st_dev, info.st_ino)
    if key in seen:  # a symlink loop, or a directory reached twice
        return
    seen.add(key)
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir():
                if not entry.name.startswith("."):
                    yield from _walk(Path(entry.path), seen)
            elif entry.name.endswith(EXTENSION):
                yield Path(entry.path)
        except OSError:
            continue


def _decode(display: str, raw: bytes, path: Path | None) -> tuple[Document, str | None]:
    document = Document(display, path)
    if len(raw) > MAX_FILE_BYTES:
        return document, f"{display}: larger than 20 MB; not checked (split the file)"
    if b"\x00" in raw:
        return document, f"{display}: a binary file (it contains NUL bytes), not an encounter file; not checked"
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        document.bom = True
    try:
        document.text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line_start = raw.rfind(b"\n", 0, error.start) + 1
        line = raw.count(b"\n", 0, error.start) + 1
        column = len(raw[line_start:error.start].decode("utf-8", "replace")) + 1
        return document, (f"{display}: not UTF-8 text at line {line}, column {column} (byte "
                          f"0x{raw[error.start]:02X} cannot be decoded); save the file as UTF-8")
    return document, None


def _read_file(display: str, path: Path, regular_only: bool = False) -> tuple[Document, str | None]:
    """Read one file.  `regular_only` for files found in a directory: a FIFO, socket or device
    named *.enc there is refused without being opened (reading a FIFO waits for a writer forever);
    one named on the command line is read, as `icd10ls check <(...)` gives a pipe."""
    try:
        info = path.stat()
        if regular_only and not stat.S_ISREG(info.st_mode):
            return Document(display, path), f"{display}: not a regular file (a FIFO, socket or device); not checked"
        size = info.st_size
        if size > MAX_FILE_BYTES:
            return Document(display, path), f"{display}: larger than 20 MB ({size // (1024 * 1024)} MB); not checked"
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except IsADirectoryError:
        return Document(display, path), f"{display}: is a directory"
    except OSError as error:
        return Document(display, path), f"{display}: cannot read ({error.strerror or error})"
    return _decode(display, raw, path)


def _read_stdin() -> tuple[Document, str | None]:
    try:
        raw = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    except (OSError, AttributeError, ValueError) as error:
        return Document(STDIN_NAME, None), f"{STDIN_NAME}: cannot read ({error})"
    return _decode(STDIN_NAME, raw, None)


def _write(document: Document, text: str, out: TextIO) -> str | None:
    """Write a fixed document back; an error message, or None."""
    payload = ("\ufeff" if document.bom else "") + text
    if document.path is None:
        out.write(payload)
        return None
    path = document.path
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        target = path.resolve()  # write through a symlink, not over it
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(payload.encode("utf-8"))
            os.chmod(temporary, mode)
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError as error:
        return f"{document.display}: cannot write the fixes ({error.strerror or error})"
    return None
