"""Claims files at scale: one process on a 1M-claim Parquet file against msdrg's MCE, and Dask.

The claims are generated, seeded, from the encounters of `check_throughput`
(common codes with a long tail, typical pairs, ~3% mistakes): 20,000 distinct
encounters drawn with replacement into 1,000,000 claims, each with a claim id,
date of service, bill type (20% inpatient 111, POA flags on their codes), age,
sex and DX1..DX6, dotless as on real claims.  The file is written once to
`.bench/claims-1000000-SEED.parquet` (row groups of 65,536 claims) and reused.

Rows:
* one process: `check_source` over the file (read, claims to encounters, every rule,
  findings traced to cells) in claims/s, beside `MceEditor.edit` on the same claims
  in the same run (its claim dicts are built untimed, a batch at a time); target ≥ 1.0×.
* Dask: `run_on_cluster` on a `distributed.LocalCluster` of 2 single-threaded worker
  processes on 127.0.0.1, findings written as Parquet parts; its speed-up over the one
  process, target ≥ 1.6×.  The workers are not pinned (they need both CPUs); the
  one-process figure is the harness's pinned CPU.  On a machine others share, the
  speed-up says more about the load than about Dask: read it with the load average.

Run alone: `python -m benchmarks.claims [--claims N]`.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from .common import BENCH_DIR, Config, Spec, at_least

NAME = "claims"
CLAIMS = 1_000_000
TEMPLATES = 20_000
SEED = 20261202
ROW_GROUP = 65_536
DX_COLUMNS = 6

ONE_PROCESS = Spec("claims-one-process", "claims file, one process (Parquet)", "claims/s",
                   "msdrg MceEditor.edit on the same claims", (at_least("ratio", 1.0, "≥ 1.0× MCE"),))
DASK = Spec("claims-dask", "claims file, Dask 2 workers vs 1 process", "×", "",
            (at_least("ours", 1.6, "≥ 1.6× speed-up"),))
SPECS = (ONE_PROCESS, DASK)


def claims_table(claims: int = CLAIMS, seed: int = SEED, templates: int = TEMPLATES):
    """`claims` seeded claims as an Arrow table (fast: encounters are drawn by index)."""
    import numpy as np
    import pyarrow as pa

    from icd10ls.codeset.store import default_store

    from .check_throughput import generate

    _text, encounters = generate(default_store().latest(), encounters=templates, seed=seed)
    rng = np.random.default_rng(seed)
    inpatient = rng.random(templates) < 0.2
    columns: dict[str, list] = {"DOS": [], "bill_type": [], "age": [], "sex": []}
    for name in range(1, DX_COLUMNS + 1):
        columns[f"DX{name}"] = []
        columns[f"POA{name}"] = []
    for index, claim in enumerate(encounters):
        day = str(claim["discharge_date"])
        columns["DOS"].append(f"{day[:4]}-{day[4:6]}-{day[6:]}")
        columns["bill_type"].append("0111" if inpatient[index] else "0131")
        columns["age"].append(claim["age"])
        columns["sex"].append("F" if claim["sex"] == 1 else "M")
        codes = [claim["pdx"]["code"]] + [dx["code"] for dx in claim["sdx"]]
        for position in range(DX_COLUMNS):
            code = codes[position] if position < len(codes) else None
            columns[f"DX{position + 1}"].append(code)
            columns[f"POA{position + 1}"].append("Y" if code and inpatient[index] else None)
    pool = pa.table(columns)
    pool = pool.set_column(pool.column_names.index("DOS"), "DOS",
                           pa.array(columns["DOS"]).cast(pa.string()).cast(pa.date32()))
    picked = pool.take(pa.array(rng.integers(0, templates, claims)))
    ids = pa.array([f"C{number:08d}" for number in range(1, claims + 1)], pa.string())
    return picked.add_column(0, "claim_id", ids)


def claims_file(claims: int = CLAIMS, seed: int = SEED) -> Path:
    """The generated claims as Parquet under .bench/, written once."""
    import pyarrow.parquet as pq

    path = BENCH_DIR / f"claims-{claims}-{seed}.parquet"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        pq.write_table(claims_table(claims, seed), temporary, row_group_size=ROW_GROUP)
        os.replace(temporary, path)
    return path


def _open(path: Path):
    from icd10ls.claims import open_claims, resolve
    from icd10ls.settings import Settings

    source = open_claims(path)
    return source, Settings(), resolve(source.columns)


def one_process(path: Path) -> tuple[float, int, int, float]:
    """Seconds, claims, findings and CPU seconds of checking the file in this process."""
    from icd10ls.claimcheck.check import check_source

    source, settings, mapping = _open(path)
    started, cpu = time.perf_counter(), time.process_time()
    claims = findings = 0
    for batch in check_source(source, mapping, settings):
        claims += batch.claims
        findings += len(batch.findings)
    return time.perf_counter() - started, claims, findings, time.process_time() - cpu


def mce(path: Path) -> tuple[float, int, float]:
    """Seconds, claims and CPU seconds of `MceEditor.edit` over the same claims (dicts built
    untimed, by batches)."""
    import msdrg
    import pyarrow.parquet as pq

    seconds = cpu = 0.0
    claims = 0
    with msdrg.MceEditor() as editor:
        edit = editor.edit
        for batch in pq.ParquetFile(path).iter_batches(batch_size=ROW_GROUP):
            rows = batch.to_pylist()
            dicts = []
            for row in rows:
                codes = [row[f"DX{n}"] for n in range(1, DX_COLUMNS + 1) if row[f"DX{n}"]]
                dicts.append({"discharge_date": int(row["DOS"].strftime("%Y%m%d")), "age": row["age"],
                              "sex": 1 if row["sex"] == "F" else 0, "discharge_status": 1,
                              "pdx": {"code": codes[0]}, "sdx": [{"code": c} for c in codes[1:]],
                              "procedures": []})
            started, cpu_started = time.perf_counter(), time.process_time()
            for claim in dicts:
                edit(claim)
            seconds += time.perf_counter() - started
            cpu += time.process_time() - cpu_started
            claims += len(dicts)
    return seconds, claims, cpu


def on_cluster(path: Path, workers: int = 2) -> tuple[float, int]:
    """Seconds and claims of `run_on_cluster` on a local cluster of `workers` processes (started untimed)."""
    from distributed import Client, LocalCluster

    from icd10ls.claimcheck.cluster import run_on_cluster

    source, settings, mapping = _open(path)
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client, \
            tempfile.TemporaryDirectory(prefix="icd10ls-claims-bench-") as output:
        client.run(_warm_worker)  # each worker loads its code sets before the clock starts
        started = time.perf_counter()
        totals = run_on_cluster(client, [(str(path), source, settings, mapping)], Path(output))
        return time.perf_counter() - started, totals.claims


def _warm_worker() -> None:
    from icd10ls.codeset.store import default_store

    default_store().latest()


def measure(cfg: Config) -> list:
    """The two rows; a smoke run (`--rounds 1`) uses 100,000 claims."""
    return measure_file(claims_file(CLAIMS if cfg.rounds_override != 1 else 100_000))


def measure_file(path: Path) -> list:
    one_process(path)  # untimed warm-up: code sets and per-code facts
    ours_s, checked, findings, ours_cpu = one_process(path)
    load = os.getloadavg()[0]
    rows = []
    try:
        peer_s, peer_claims, peer_cpu = mce(path)
        rows.append(ONE_PROCESS.row(checked / ours_s, peer_claims / peer_s,
                                    note=f"{checked:,} claims, {findings:,} findings; per CPU second {checked / ours_cpu:,.0f} vs "
                                         f"{peer_claims / peer_cpu:,.0f} claims; load average {load:.2f}",
                                    extra={"claims": checked, "ours_s": ours_s, "peer_s": peer_s,
                                           "ours_cpu_s": ours_cpu, "peer_cpu_s": peer_cpu, "load_average": load}))
    except ImportError:
        rows.append(ONE_PROCESS.row(checked / ours_s, None, note="msdrg is not installed"))
    saved = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    try:
        if saved is not None:  # the workers inherit the harness's pinning: give them every CPU
            os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
        cluster_s, cluster_claims = on_cluster(path)
    finally:
        if saved is not None:
            os.sched_setaffinity(0, saved)
    load = os.getloadavg()[0]
    rows.append(DASK.row(ours_s / cluster_s, None, note=f"{cluster_claims / cluster_s:,.0f} claims/s on 2 "
                         f"workers vs {checked / ours_s:,.0f} in one process; load average {load:.2f}",
                         extra={"cluster_s": cluster_s, "one_process_s": ours_s, "load_average": load}))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.claims", description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=CLAIMS)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    path = claims_file(args.claims)
    print(f"claims file {path} ready in {time.perf_counter() - started:.1f} s")
    print(json.dumps([row.to_json() for row in measure_file(path)], indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
