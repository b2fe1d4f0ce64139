"""Run the benchmarks and print one table: `python -m benchmarks.run [--check] [--quick] [--only NAME,...]`.

Every row has our median, the peer's median from the same run, their ratio
(ours / peer), our p99 where it makes sense, the target and PASS / FAIL.  The
results also go to `.bench/results.json`.  With `--check` the exit code is 1
when a selected target is missed, or could not be measured.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .common import BENCH_DIR, CACHE_DIR, CLIENT_CPU, DATA_DIR, SERVER_CPU, Config, Row, Spec, can_pin, run_child
from .lspclient import ServerError

# Measurement modules in the order of the issues' figures: 1 start-up ... 8 memory, 9 whole-process check,
# 10 inpatient coding, 11 claims files.
MEASUREMENTS = ("startup", "load", "lookup", "roundtrip", "search", "throughput", "edit", "memory", "check",
                "inpatient", "claims")
RESULTS = BENCH_DIR / "results.json"
MISSED = ("FAIL", "ERROR", "N/A")

WARM_CACHE = """import json, time
from icd10ls.codeset.search import index_for
from icd10ls.codeset.store import DataStore
store = DataStore()
for source in store.sources():
    index_for(store.load(source))
print(json.dumps({"done": time.monotonic(), "years": [s.fiscal_year for s in store.sources()]}))
"""


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--quick", action="store_true", help="fewer rounds (figures are rougher)")
    parser.add_argument("--only", default="", metavar="NAME,...",
                        help="run only these measurements: " + ", ".join(MEASUREMENTS))
    parser.add_argument("--rounds", type=int, metavar="N", help="exactly N rounds for every measurement")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the client and servers to CPUs")
    parser.add_argument("--json", type=Path, default=RESULTS, metavar="PATH",
                        help=f"where to write the results (default {RESULTS.relative_to(BENCH_DIR.parent)})")
    args = parser.parse_args(argv)
    wanted = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in MEASUREMENTS]
    if unknown:
        parser.error(f"unknown measurement {', '.join(unknown)}; choose from {', '.join(MEASUREMENTS)}")
    args.selected = [name for name in MEASUREMENTS if not wanted or name in wanted]
    return args


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    first = text[0] if text else ""
    return first if isinstance(error, ServerError) else f"{type(error).__name__}: {first}".rstrip(": ")


def _measure_here(name: str, cfg: Config) -> list[Row]:
    module = None
    try:
        module = importlib.import_module(f"{__package__}.{name}")
        return module.measure(cfg)
    except Exception as error:  # noqa: BLE001 - one broken figure must not hide the others
        specs = getattr(module, "SPECS", None) or (Spec(name, name, ""),)
        return [spec.error(_one_line(error)) for spec in specs]


def _measure(name: str, cfg: Config) -> list[Row]:
    """One measurement in a fresh interpreter: what an earlier one imported or kept (the
    peer's data, search indexes) would otherwise slow the collector and skew later figures."""
    started = time.monotonic()
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        try:
            rows = pool.submit(_measure_here, name, cfg).result()
        except Exception as error:  # noqa: BLE001 - e.g. the child died
            module = importlib.import_module(f"{__package__}.{name}")
            rows = [spec.error(_one_line(error)) for spec in module.SPECS]
    print(f"  {name}: {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    return rows


# -- the table ----------------------------------------------------------------------------
def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit in ("enc/s", "queries"):
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def _with_unit(value: float | None, unit: str) -> str:
    text = _number(value, unit)
    return text if value is None else f"{text} {unit}"


def _ids(rows: list[tuple[int, Row]]) -> list[str]:
    counts: dict[int, int] = {}
    for figure, _row in rows:
        counts[figure] = counts.get(figure, 0) + 1
    seen: dict[int, int] = {}
    out = []
    for figure, _row in rows:
        seen[figure] = seen.get(figure, 0) + 1
        out.append(f"{figure}{'abcdefgh'[seen[figure] - 1]}" if counts[figure] > 1 else str(figure))
    return out


def render(numbered: list[tuple[int, Row]]) -> str:
    header = ("#", "measurement", "ours (median)", "p99", "peer (median)", "ratio", "target", "result")
    table = [header]
    footnotes = []
    for ident, (_figure, row) in zip(_ids(numbered), numbered):
        spec = row.spec
        ratio = "—" if row.ratio is None else f"{row.ratio:.2f}×" if row.ratio < 100 else f"{row.ratio:,.0f}×"
        target = "; ".join(t.text for t in spec.targets) or "report"
        table.append((ident, spec.label, _with_unit(row.ours, spec.unit), _with_unit(row.ours_p99, spec.unit),
                      _with_unit(row.peer, spec.unit), ratio, target, row.status))
        if spec.peer:
            footnotes.append(f"  {ident:>3}  peer: {spec.peer}" + (f"; {row.note}" if row.note else ""))
        elif row.note:
            footnotes.append(f"  {ident:>3}  {row.note}")
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    right = {2, 3, 4, 5}
    lines = []
    for number, line in enumerate(table):
        cells = [cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(line)]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines + ([""] + footnotes if footnotes else []))


# -- the run --------------------------------------------------------------------------------
def _git_commit() -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BENCH_DIR.parent,
                              capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def _prepare(cfg: Config) -> str | None:
    """Compile the code sets and their search indexes into the bench cache once, so that every
    measurement finds it warm."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    try:
        run_child(cfg, WARM_CACHE, timeout=300)
    except Exception as error:  # noqa: BLE001 - the measurements will say what is broken
        return _one_line(error)
    return None


def run(args: argparse.Namespace, pinned: bool) -> tuple[list[tuple[int, Row]], dict]:
    cfg = Config(quick=args.quick, rounds_override=args.rounds, pinned=pinned)
    load_before = os.getloadavg()
    started = time.monotonic()
    print(f"benchmarks: {', '.join(args.selected)}{' (quick)' if args.quick else ''}; "
          f"load average {load_before[0]:.2f}", file=sys.stderr, flush=True)
    problem = _prepare(cfg)
    if problem:
        print(f"  warming the code-set cache failed: {problem}", file=sys.stderr)
    numbered = []
    for name in args.selected:
        figure = MEASUREMENTS.index(name) + 1
        numbered += [(figure, row) for row in _measure(name, cfg)]
    meta = {
        "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "pinned": {"client": CLIENT_CPU, "servers": SERVER_CPU} if cfg.pinned else None,
        "quick": args.quick,
        "rounds": args.rounds,
        "load_average": {"before": load_before[0], "after": os.getloadavg()[0]},
        "seconds": round(time.monotonic() - started, 1),
        "cache_warm_up_error": problem,
    }
    return numbered, meta


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    saved_env = {key: os.environ.get(key) for key in ("ICD10LS_CACHE_DIR", "ICD10LS_DATA_DIR")}
    saved_cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    try:
        # In-process measurements use the bench cache too, and run on the client CPU.
        os.environ["ICD10LS_CACHE_DIR"] = str(CACHE_DIR)
        os.environ["ICD10LS_DATA_DIR"] = str(DATA_DIR)
        pinned = not args.no_pin and can_pin()
        if pinned:
            os.sched_setaffinity(0, {CLIENT_CPU})
        numbered, meta = run(args, pinned)
    finally:
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if saved_cpus is not None:
            os.sched_setaffinity(0, saved_cpus)

    busy = meta["load_average"]["before"] > 1.0 or meta["load_average"]["after"] > 1.5
    print()
    print(render(numbered))
    print()
    print(f"{meta['seconds']:.0f} s; load average {meta['load_average']['before']:.2f} → "
          f"{meta['load_average']['after']:.2f}" + ("  (the machine was busy: figures are noisy)" if busy else "")
          + ("" if meta["pinned"] else "; not pinned to CPUs"))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    ids = _ids(numbered)
    results = {"meta": meta, "rows": [{"id": ident, **row.to_json()} for ident, (_f, row) in zip(ids, numbered)]}
    args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"results: {args.json}")
    missed = [f"{ident} {row.spec.key} ({row.status})" for ident, (_f, row) in zip(ids, numbered)
              if row.status in MISSED]
    if missed:
        print(f"targets missed or not measured: {', '.join(missed)}")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
