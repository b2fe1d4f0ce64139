"""`icd10ls drg FILE...`: the MS-DRG of each inpatient encounter, as text or JSON lines.

Each inpatient encounter is grouped with the MS-DRG grouper in force on its
discharge date (through `inpatient.drg`); outpatient encounters are not
grouped, which is said once.  Exit status: 0, or 2 when a file cannot be read
or CMS's grouper is unavailable.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from ..checker import collector_paused
from ..codeset.cms import cms_tables
from ..encounter import parse
from ..inpatient.claims import claim_of, table_note
from ..inpatient.drg import Grouper
from ..settings import find_config, load_toml
from . import claims
from .check import _collect

EXIT_OK, EXIT_USAGE = 0, 2


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("drg", help="the MS-DRG of each inpatient encounter")
    parser.add_argument("paths", nargs="+", metavar="FILE",
                        help="encounter files or directories ('-': stdin), or claims files (.csv, .tsv, .parquet)")
    parser.add_argument("--format", choices=["text", "json"], default="text",
                        help="text: one line per encounter; json: one JSON object per line")
    claims.add_mapping_arguments(parser)
    parser.set_defaults(handler=handle)
    return parser


def handle(args: argparse.Namespace, store=None) -> int:
    return run(args.paths, args.format, sys.stdout, sys.stderr, args)


def run(paths: list[str], output: str, out: TextIO, err: TextIO, args: argparse.Namespace | None = None) -> int:
    tables = cms_tables()
    if tables.problem is not None:
        print(f"icd10ls drg: {tables.problem}", file=err)
        return EXIT_USAGE
    grouper = Grouper(tables)
    # As in `check`: grouping makes many small objects and no reference cycles, and the
    # collector's passes over them (and over CMS's tables) took a third of a large run.
    with collector_paused():
        return _group_all(paths, output, out, err, args, tables, grouper)


def _group_all(paths, output, out, err, args, tables, grouper) -> int:
    status = EXIT_OK
    outpatient = 0
    claims_paths = [p for p in paths if claims.is_claims_input(p, args)]
    for document, problem in _collect([p for p in paths if p not in claims_paths]):
        if problem is not None:
            print(f"icd10ls: {problem}", file=err)
            status = EXIT_USAGE
            continue
        default_setting = _default_setting(document.path)
        for encounter in parse(document.text).encounters:
            if (encounter.setting or default_setting) != "inpatient":
                outpatient += 1
                continue
            record, grouping = _record(document.display, encounter, tables, grouper)
            out.write(json.dumps(record) + "\n" if output == "json" else _text(record, grouping) + "\n")
    if claims_paths:
        source = claims.ClaimEncounters(claims_paths, args, err)
        for display, encounter, default_setting, row, claim in source:
            if (encounter.setting or default_setting) != "inpatient":
                outpatient += 1
                continue
            record, grouping = _record(display, encounter, tables, grouper)
            record.update(encounter=claim, line=row + 1, row=row, claim=claim)
            out.write(json.dumps(record) + "\n" if output == "json" else _text(record, grouping, row) + "\n")
        if source.failed:
            status = EXIT_USAGE
    if outpatient:
        print(f"icd10ls drg: {outpatient} outpatient encounter{'s' if outpatient != 1 else ''} not grouped "
              "(an MS-DRG is for inpatient stays)", file=err)
    return status


def _record(display: str, encounter, tables, grouper) -> tuple[dict, object]:
    """What `drg` says about one inpatient encounter, and the grouping it comes from."""
    claim = claim_of(encounter, tables)
    grouping = grouper.group(claim) if claim is not None else None
    record = {"path": display, "encounter": encounter.id, "line": encounter.start_line + 1,
              "version": grouping.version_label if grouping else None,
              "drg": grouping.drg if grouping and grouping.grouped else None,
              "mdc": grouping.mdc if grouping and grouping.grouped else None,
              "title": grouping.title if grouping and grouping.grouped else None,
              "codes": [{"code": c.code, "severity": c.severity} for c in grouping.secondary]
              if grouping else []}
    if grouping is None or not grouping.grouped:
        record["note"] = _why_not(encounter, claim, grouping)
    return record, grouping


def _default_setting(path) -> str:
    config = find_config(path) if path is not None else None
    if config is None:
        return "outpatient"
    settings, _problems = load_toml(config)
    return settings.default_setting


def _why_not(encounter, claim, grouping) -> str:
    if grouping is not None:
        return f"not grouped: {grouping.return_code.replace('_', ' ').lower()}"
    if claim is None:
        day = encounter.date
        return (table_note(day) if day is not None else None) or "not covered by CMS's tables"
    if not claim.pdx:
        return "no principal diagnosis"
    return "no MS-DRG grouper for this discharge date (the first is v40.0, from 2022-10-01)"


def _text(record: dict, grouping, row: int | None = None) -> str:
    if row is not None:  # a claim of a claims file
        where = f"{record['path']}: row {row}" + (f" (claim {record['claim']})" if record["claim"] else "")
    else:
        where = f"{record['path']}:{record['line']}: {record['encounter'] or 'encounter'}"
    if grouping is None or not grouping.grouped:
        return f"{where}: {record['note']}"
    codes = ", ".join(f"{c['code']} {c['severity']}" for c in record["codes"] if c["severity"] != "none")
    return f"{where}: {grouping.headline()}" + (f" · {codes}" if codes else "")
