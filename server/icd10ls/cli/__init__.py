"""The `icd10ls` command line.

Exit codes are the same for every subcommand: 0 success, 1 not found (or, for
`check`, findings that need attention), 2 usage or input error.  Every error a
user can cause ends in a one-line message on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..codeset.codes import normalize

if TYPE_CHECKING:
    from ..codeset.store import DataStore, Selection

EXIT_OK, EXIT_NOT_FOUND, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit code 2."""


def _show(text: str, limit: int = 40) -> str:
    shown = text if len(text) <= limit else text[:limit] + "…"
    return repr(shown)


def _parse_day(text: str) -> date:
    from ..encounter import parse_date

    day = parse_date(text)
    if day is None:
        raise UsageError(f"{_show(text)} is not a valid date (use YYYY-MM-DD or MM/DD/YYYY)")
    return day


def _selection_for(args: argparse.Namespace, store: DataStore) -> "Selection":
    """The code set named by --year or --date, or the latest; with the nearest-year note and
    CMS's validity for the date where the installed files do not cover it."""
    from ..codeset.store import Selection

    if getattr(args, "year", None) is not None:
        return Selection(store.for_year(args.year))
    if getattr(args, "date", None):
        return store.for_date(_parse_day(args.date))
    return Selection(store.latest())


def _codeset_for(args: argparse.Namespace, store: DataStore):
    selection = _selection_for(args, store)
    return selection.codeset, selection.note


def _require_code(text: str) -> str:
    code = normalize(text)
    if code is None:
        raise UsageError(f"{_show(text)} is not an ICD-10-CM code: a code is a letter, two characters "
                         "(letters or digits, at least one digit), then up to four more, e.g. E11.22")
    return code


# -- lookup -------------------------------------------------------------------
def cmd_lookup(args: argparse.Namespace, store: DataStore) -> int:
    from ..codeset.describe import describe, to_markdown, to_text

    code = _require_code(args.code)
    selection = _selection_for(args, store)
    codeset, note = selection.codeset, selection.note
    info = codeset.get(code)
    verdict = (selection.validity.explain(code, info is not None and info.billable)
               if selection.validity is not None else None)
    validity = {"valid": verdict[0], "source": "CMS code tables", "explanation": verdict[1]} if verdict else None
    if info is None or (verdict is not None and verdict[0] and not info.billable):
        return _lookup_not_in_file(args, store, code, codeset, note, validity)
    description = describe(codeset, info, store.codesets())
    if args.format == "json":
        payload = description.to_dict()
        payload["found"] = True
        payload["note"] = note
        payload["validity"] = validity
        print(json.dumps(payload, indent=2))
    elif args.format == "markdown":
        print(to_markdown(description) + (f"\n\n_{validity['explanation']}_" if validity else ""))
    else:
        if note:
            print(f"note: {note}")
        if validity:
            print(f"validity: {validity['explanation']}")
        print(to_text(description))
    return EXIT_OK


def _lookup_not_in_file(args, store: DataStore, code: str, codeset, note: str | None,
                        validity: dict | None) -> int:
    """A code the installed file does not have as a code: valid on the date all the same (CMS's
    table says so), or not a code at all."""
    years = [c.fiscal_year for c in store.codesets() if c.get(code) is not None]
    if validity is not None and validity["valid"]:
        titled = [c for c in store.codesets() if c.is_billable(code)]
        title = titled[-1].get(code).title if titled else None
        if args.format == "json":
            print(json.dumps({"code": code, "found": True, "title": title, "billable": True,
                              "code_set": codeset.label, "in_years": years, "note": note,
                              "validity": validity}, indent=2))
        else:
            if note and args.format == "text":
                print(f"note: {note}")
            print(f"{code}  {title or '(title not installed)'}")
            print(f"  {validity['explanation']}")
        return EXIT_OK
    message = f"{code} is not a code in {codeset.label}"
    hints = _suggestions(codeset, code)
    if years:
        message += f" (it is in FY{', FY'.join(map(str, years))})"
    if args.format == "json":
        print(json.dumps({"code": code, "found": False, "code_set": codeset.label,
                          "in_years": years, "suggestions": hints, "note": note, "validity": validity},
                         indent=2))
    else:
        print(message, file=sys.stderr)
        if hints:
            print("did you mean: " + ", ".join(hints), file=sys.stderr)
    return EXIT_NOT_FOUND


def _suggestions(codeset, code: str) -> list[str]:
    from ..codeset.suggest import suggest

    return suggest(codeset, code)


# -- search -------------------------------------------------------------------
def cmd_search(args: argparse.Namespace, store: DataStore) -> int:
    from ..codeset.search import index_for

    text = " ".join(args.text).strip()
    if not text:
        raise UsageError("give some words to search for, e.g. icd10ls search diabetes ckd")
    if len(text) > 500:
        raise UsageError("the search text is longer than 500 characters")
    if args.limit < 1 or args.limit > 1000:
        raise UsageError("--limit must be between 1 and 1000")
    codeset, _note = _codeset_for(args, store)
    hits = index_for(codeset).search(text, args.limit)
    if args.format == "json":
        print(json.dumps([{"code": h.code, "title": h.title, "billable": h.billable, "score": round(h.score, 1)}
                          for h in hits], indent=2))
    else:
        for hit in hits:
            print(f"{hit.code:<9} {'' if hit.billable else '(header) '}{hit.title}")
    return EXIT_OK if hits else EXIT_NOT_FOUND


# -- codes --------------------------------------------------------------------
def cmd_codes(args: argparse.Namespace, store: DataStore) -> int:
    codeset, _note = _codeset_for(args, store)
    if args.billable:
        codes = codeset.billable_codes()
    else:
        expansions: dict[int, list[str]] = {}
        for code, node in zip(codeset.billable_codes(), codeset.compiled.billable_nodes):
            if code != codeset.name_of(node):
                expansions.setdefault(node, []).append(code)
        codes = []
        for code in codeset.all_codes():
            codes.append(code)
            codes.extend(expansions.get(codeset.node_index(code), ()))
    sys.stdout.write("\n".join(codes) + "\n")
    return EXIT_OK


# -- data ---------------------------------------------------------------------
def cmd_data_list(args: argparse.Namespace, store: DataStore) -> int:
    years = []
    for year, status, sources in store.availability():
        years.append({"fiscal_year": year, "status": status, "releases": [
            {"effective": s.effective.isoformat(), "release": s.release, "origin": s.origin, "path": str(s.path),
             "kept": sorted(kind for kind, _ in s.extras)} for s in sources]})
    if args.format == "json":
        print(json.dumps(years, indent=2))
        return EXIT_OK
    words = {"full": "full data", "validity": "validity only (CMS code tables)", "none": "nothing"}
    for row in years:
        print(f"FY{row['fiscal_year']}  {words[row['status']]}")
        for release in row["releases"]:
            kept = f"  + {', '.join(release['kept'])}" if release["kept"] else ""
            print(f"    from {release['effective']}  {release['origin']:<7}  {release['release']}  "
                  f"{release['path']}{kept}")
    problem = store.tables.problem
    if problem:
        print(f"note: {problem}")
    return EXIT_OK


def cmd_data_add(args: argparse.Namespace, store: DataStore) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"{args.file}: no such file")
    effective = _parse_day(args.effective) if args.effective else None
    source = store.add(path, effective)
    kept = f"; kept {', '.join(kind for kind, _ in source.extras)}" if source.extras else ""
    print(f"installed FY{source.fiscal_year} (effective {source.effective.isoformat()}) as {source.path}{kept}")
    return EXIT_OK


def cmd_data_fetch(args: argparse.Namespace, store: DataStore) -> int:
    from ..codeset.cms import fiscal_year_of
    from ..codeset.fetch import fetch

    year = args.year if args.year is not None else fiscal_year_of(date.today())
    progress = _ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    try:
        result = fetch(store, year, args.mirror, progress)
    finally:
        if progress is not None:
            progress.close()
    source = result.source
    print(f"installed FY{source.fiscal_year} (effective {source.effective.isoformat()}) from "
          f"{', '.join(result.files)}")
    print(f"  {result.agreement}")
    if result.missing:
        print(f"  not found, skipped: {', '.join(result.missing)}")
    return EXIT_OK


class _ProgressBar:
    """One line on a terminal, redrawn as bytes arrive."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.shown = False

    def __call__(self, name: str, received: int, total: int | None) -> None:
        if total:
            filled = int(30 * received / total)
            text = f"{name}  [{'#' * filled}{'.' * (30 - filled)}] {received / 2**20:.1f}/{total / 2**20:.1f} MB"
        else:
            text = f"{name}  {received / 2**20:.1f} MB"
        self.stream.write("\r" + text[:100].ljust(100))
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()


def cmd_data_remove(args: argparse.Namespace, store: DataStore) -> int:
    for source in store.remove(args.target):
        print(f"removed {source.label} ({source.path.name})")
    return EXIT_OK


# -- serve --------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace, store: DataStore) -> int:
    from ..lsp.server import run

    run(tcp=args.tcp, host=args.host, port=args.port)
    return EXIT_OK


def _fiscal_year(text: str) -> int:
    value = text.strip().upper().removeprefix("FY")
    if not (value.isdigit() and len(value) == 4):
        raise argparse.ArgumentTypeError(f"{_show(text)} is not a fiscal year such as 2027")
    return int(value)


def build_parser(include_check: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="icd10ls", description="ICD-10-CM code sets, encounter checks "
                                     "and a language server for coders.")
    parser.add_argument("--version", action="version", version=f"icd10ls {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def with_year(p: argparse.ArgumentParser) -> None:
        group = p.add_mutually_exclusive_group()
        group.add_argument("--date", help="date of service (YYYY-MM-DD): picks the fiscal year's code set")
        group.add_argument("--year", type=int, help="fiscal year of the code set, e.g. 2026")

    lookup = sub.add_parser("lookup", help="everything about one code")
    lookup.add_argument("code")
    with_year(lookup)
    lookup.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    lookup.set_defaults(handler=cmd_lookup)

    search = sub.add_parser("search", help="find codes by words of the condition")
    search.add_argument("text", nargs="+")
    search.add_argument("--limit", type=int, default=20)
    with_year(search)
    search.add_argument("--format", choices=["text", "json"], default="text")
    search.set_defaults(handler=cmd_search)

    codes = sub.add_parser("codes", help="list the codes of a code set, one per line, in tabular order")
    codes.add_argument("--year", type=int)
    codes.add_argument("--billable", action="store_true", help="only billable codes")
    codes.set_defaults(handler=cmd_codes)

    data = sub.add_parser("data", help="installed code sets")
    data_sub = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    data_list = data_sub.add_parser("list", help="every fiscal year and what is installed for it")
    data_list.add_argument("--format", choices=["text", "json"], default="text")
    data_list.set_defaults(handler=cmd_data_list)
    data_add = data_sub.add_parser("add", help="install a CMS ICD-10-CM tabular XML file (e.g. a newer year)")
    data_add.add_argument("file")
    data_add.add_argument("--effective", help="date the release takes effect (default: October 1 that starts "
                          "its fiscal year)")
    data_add.set_defaults(handler=cmd_data_add)
    data_fetch = data_sub.add_parser("fetch", help="download and install a fiscal year's release files from CMS")
    data_fetch.add_argument("year", nargs="?", type=_fiscal_year,
                            help="fiscal year, e.g. 2027 (default: the fiscal year of today)")
    data_fetch.add_argument("--mirror", help="a base URL or a folder holding the same file names as CMS")
    data_fetch.set_defaults(handler=cmd_data_fetch)
    data_remove = data_sub.add_parser("remove", help="remove a release you installed (a year, or a file name)")
    data_remove.add_argument("target", help="a fiscal year (2027) or a file name from `icd10ls data list`")
    data_remove.set_defaults(handler=cmd_data_remove)

    serve = sub.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument("--tcp", action="store_true", help="listen on TCP instead of stdio (for debugging)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=2087)
    serve.set_defaults(handler=cmd_serve)

    if include_check:
        from . import check as check_command

        check_command.register(sub)
        from . import drg as drg_command

        drg_command.register(sub)
    return parser


def _command_of(argv: list[str]) -> str | None:
    return next((word for word in argv if not word.startswith("-")), None)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # `serve` must answer the editor quickly: it does not need the checker's
    # command-line machinery, which the language server imports when first used.
    parser = build_parser(include_check=_command_of(argv) != "serve")
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    from ..codeset.store import DataError, default_store

    try:
        store = default_store() if getattr(args, "command", None) != "serve" else None
        return args.handler(args, store)
    except UsageError as error:
        print(f"icd10ls: {error}", file=sys.stderr)
        return EXIT_USAGE
    except DataError as error:
        print(f"icd10ls: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        return 130


def run() -> None:
    """The `icd10ls` command: `main`, then an exit that skips the interpreter's teardown.

    A large run leaves millions of objects behind (code sets, checked files, per-code
    facts), and freeing them one by one at exit took longer than checking 10,000
    encounters.  Whatever the run writes is written and closed inside `main`; only the
    standard streams are left to flush.  `serve`, and a run under a profiler or a
    tracer (which report at exit), end the ordinary way."""
    argv = sys.argv[1:]
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's usage errors and --help
        code = stop.code
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    code = int(code or 0)
    if _command_of(argv) == "serve" or sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away, or a stream already closed
            pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
