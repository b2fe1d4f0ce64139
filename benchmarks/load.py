"""Loading the code set: icd10ls's compiled cache vs `import simple_icd_10_cm` (which parses the CMS XML).

Fresh pinned processes, alternated: ours runs `DataStore().latest()` against
the warm bench cache, then loads the other year too; the peer imports
simple_icd_10_cm (one year).  Times run from just before the spawn to the
moment the child has its code set; memory is the child's peak RSS
(getrusage maxrss).  Then the first use with an empty cache (compile and
write the index), and `DataStore.load()` of one code set in this process,
without interpreter start-up.
"""

from __future__ import annotations

import gc
import shutil
import time

from .common import BENCH_DIR, MIB, Config, Spec, at_most, environment, run_child

NAME = "load"
LOAD = Spec("load", "code set ready in a fresh process, warm cache", "ms", "import simple_icd_10_cm")
LOAD_RSS = Spec("load_rss", "peak RSS of that process, one year", "MiB", "import simple_icd_10_cm")
IN_PROCESS = Spec("load_in_process", "DataStore.load() of one code set, in-process", "ms", "",
                  (at_most("ours", 100, "≤ 100 ms"),))
FIRST_USE = Spec("first_use", "first use, empty cache, fresh process", "ms", "import simple_icd_10_cm",
                 (at_most("ours", 3000, "≤ 3 s"),))
RSS_BOTH = Spec("rss_both_years", "peak RSS of a process with both years loaded", "MiB",
                "simple_icd_10_cm, one year", (at_most("ours", 120, "≤ 120 MiB"),))
SPECS = (LOAD, LOAD_RSS, IN_PROCESS, FIRST_USE, RSS_BOTH)

OURS = """import json, resource, time
from icd10ls.codeset.store import DataStore
store = DataStore()
store.latest()
done = time.monotonic()
rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
one = rss()
if BOTH:
    for source in store.sources():
        store.load(source)
print(json.dumps({"done": done, "rss_one": one, "rss_both": rss(), "years": len(store.loaded())}))
"""
PEER = """import json, resource, time
import simple_icd_10_cm
done = time.monotonic()
print(json.dumps({"done": done, "rss_one": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def _ours(cfg: Config, both: bool = True, env: dict | None = None) -> tuple[float, dict]:
    return run_child(cfg, OURS.replace("BOTH", str(both)), env)


def _first_use(cfg: Config) -> float:
    cold = BENCH_DIR / "cold-cache"
    shutil.rmtree(cold, ignore_errors=True)
    env = environment()
    env["ICD10LS_CACHE_DIR"] = str(cold)
    try:
        seconds, _report = _ours(cfg, both=False, env=env)
    finally:
        shutil.rmtree(cold, ignore_errors=True)
    return seconds


def _in_process(rounds: int) -> list[float]:
    from icd10ls.codeset.store import DataStore

    sources = DataStore().sources()
    for source in sources:  # the cache exists and this process has imported everything
        DataStore().load(source)
    samples = []
    for _ in range(rounds):
        for source in sources:
            store = DataStore()
            gc.collect()
            start = time.perf_counter()
            store.load(source)
            samples.append((time.perf_counter() - start) * 1000)
            del store
    return samples


def measure(cfg: Config) -> list:
    rounds = cfg.rounds(5, 2)
    ours, peer = [], []
    for number in range(rounds + 1):  # round 0 fills the page cache and writes bytecode
        pair = _ours(cfg), run_child(cfg, PEER)
        if number:
            ours.append(pair[0])
            peer.append(pair[1])
    years = {report["years"] for _seconds, report in ours}
    ours_ms = [seconds * 1000 for seconds, _report in ours]
    peer_ms = [seconds * 1000 for seconds, _report in peer]
    peer_rss = [report["rss_one"] / MIB for _seconds, report in peer]
    first_use = [_first_use(cfg) * 1000 for _ in range(cfg.rounds(3, 1))]
    return [
        LOAD.row(ours_ms, peer_ms),
        LOAD_RSS.row([report["rss_one"] / MIB for _seconds, report in ours], peer_rss, percentiles=False),
        IN_PROCESS.row(_in_process(cfg.rounds(10, 3))),
        FIRST_USE.row(first_use, peer_ms),
        RSS_BOTH.row([report["rss_both"] / MIB for _seconds, report in ours], peer_rss, percentiles=False,
                     note="" if years == {2} else f"the process loaded {sorted(years)} code sets, not 2"),
    ]
