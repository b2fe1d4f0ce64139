"""What every measurement shares: rounds, CPU pinning, paths, statistics and table rows."""

from __future__ import annotations

import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / ".bench"
CACHE_DIR = BENCH_DIR / "cache"  # the warm code-set cache every measurement uses
DATA_DIR = BENCH_DIR / "user-data"  # empty: only the bundled code sets are installed
LOG_DIR = BENCH_DIR / "logs"  # stderr of every spawned server
CLIENT_CPU = 0
SERVER_CPU = 1
MIB = 1024 * 1024


@dataclass
class Config:
    """How hard to measure; `rounds(full, quick)` picks the count for this run."""

    quick: bool = False
    rounds_override: int | None = None
    pinned: bool = False  # client on CLIENT_CPU, servers and child processes on SERVER_CPU

    def rounds(self, full: int, quick: int) -> int:
        if self.rounds_override is not None:
            return max(1, self.rounds_override)
        return quick if self.quick else full

    def child_prefix(self) -> list[str]:
        """Prefix for spawned processes: pin them to the server CPU when pinning is on."""
        return ["taskset", "-c", str(SERVER_CPU)] if self.pinned else []


def can_pin() -> bool:
    try:
        cpus = os.sched_getaffinity(0)
    except AttributeError:
        return False
    return {CLIENT_CPU, SERVER_CPU} <= cpus and shutil.which("taskset") is not None


def environment() -> dict[str, str]:
    """The environment of every measured process: the bench cache, no user-added code sets,
    and bytecode caching on (as in an installed wheel), so sources are compiled once, not per spawn."""
    env = dict(os.environ)
    env["ICD10LS_CACHE_DIR"] = str(CACHE_DIR)
    env["ICD10LS_DATA_DIR"] = str(DATA_DIR)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


# -- statistics ---------------------------------------------------------------------
def median(samples: list[float]) -> float | None:
    return statistics.median(samples) if samples else None


def p99(samples: list[float]) -> float | None:
    """Nearest-rank 99th percentile (the maximum when there are fewer than 100 samples)."""
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


def per_key_medians(samples: dict[str, list[float]]) -> tuple[dict[str, float], str]:
    """Each key's median, and the key with the largest (e.g. the slowest query)."""
    medians = {key: statistics.median(values) for key, values in samples.items() if values}
    return medians, max(medians, key=medians.get)


def join_notes(*notes: str) -> str:
    return "; ".join(note for note in notes if note)


# -- rows -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """A bound on one figure of a row: `of` is "ours", "p99", "ratio" or "max"."""

    of: str
    op: str  # "<=" or ">="
    value: float
    text: str

    def met(self, row: "Row") -> bool | None:
        figure = {"ours": row.ours, "p99": row.ours_p99, "ratio": row.ratio, "max": row.ours_max}[self.of]
        if figure is None:
            return None
        return figure <= self.value if self.op == "<=" else figure >= self.value


def at_most(of: str, value: float, text: str) -> Target:
    return Target(of, "<=", value, text)


def at_least(of: str, value: float, text: str) -> Target:
    return Target(of, ">=", value, text)


@dataclass(frozen=True)
class Spec:
    """A row a measurement promises: known before it runs, so a failure still fills the table."""

    key: str
    label: str
    unit: str
    peer: str = ""  # what the peer column measures; "" when there is no peer
    targets: tuple[Target, ...] = ()

    def row(self, ours: list[float] | float | None, peer: list[float] | float | None = None, *,
            percentiles: bool = True, ours_max: float | None = None, note: str = "",
            extra: dict | None = None) -> "Row":
        """A row from samples (median, p99, max unless given) or single figures."""
        ours_samples = ours if isinstance(ours, list) else []
        peer_samples = peer if isinstance(peer, list) else []
        row = Row(
            spec=self,
            ours=median(ours_samples) if isinstance(ours, list) else ours,
            peer=median(peer_samples) if isinstance(peer, list) else peer,
            ours_p99=p99(ours_samples) if percentiles and ours_samples else None,
            ours_max=ours_max if ours_max is not None else max(ours_samples) if ours_samples else None,
            peer_p99=p99(peer_samples) if percentiles and peer_samples else None,
            samples={"ours": ours_samples, "peer": peer_samples},
            note=note,
            extra=extra or {},
        )
        return row.judged()

    def error(self, message: str) -> "Row":
        return Row(spec=self, status="ERROR", note=f"error: {message}")

    def unavailable(self, message: str) -> "Row":
        return Row(spec=self, status="N/A", note=message)


@dataclass
class Row:
    spec: Spec
    ours: float | None = None
    peer: float | None = None
    ours_p99: float | None = None
    ours_max: float | None = None
    peer_p99: float | None = None
    status: str = ""
    note: str = ""
    samples: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.peer:
            return None
        return self.ours / self.peer

    def judged(self) -> "Row":
        if not self.spec.targets:
            self.status = "REPORT"
            return self
        verdicts = [t.met(self) for t in self.spec.targets]
        self.status = "ERROR" if None in verdicts else "PASS" if all(verdicts) else "FAIL"
        return self

    def to_json(self) -> dict:
        return {
            "key": self.spec.key, "label": self.spec.label, "unit": self.spec.unit, "peer_name": self.spec.peer,
            "ours": self.ours, "ours_p99": self.ours_p99, "ours_max": self.ours_max, "peer": self.peer,
            "peer_p99": self.peer_p99, "ratio": self.ratio,
            "targets": [t.text for t in self.spec.targets] or ["report"], "status": self.status,
            "note": self.note, "extra": self.extra, "samples": self.samples,
        }


# -- child processes ---------------------------------------------------------------------
def run_child(cfg: Config, code: str, env: dict[str, str] | None = None, timeout: float = 120) -> tuple[float, dict]:
    """Run `python -c code` in a fresh (pinned) process; the code prints one JSON object last.

    Returns the seconds from just before the spawn to the moment the child reports
    (`"done"`: its time.monotonic(), the same clock on Linux) and the child's report.
    """
    argv = [*cfg.child_prefix(), sys.executable, "-c", code]
    start = time.monotonic()
    done = subprocess.run(argv, env=env or environment(), capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise RuntimeError(f"child process failed: {last}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["done"] - start, report


def alternate(rounds: int, ours, peer) -> tuple[list, list]:
    """Call ours(), peer(), ours(), peer()... and collect what each returns."""
    ours_out, peer_out = [], []
    for _ in range(rounds):
        ours_out.append(ours())
        peer_out.append(peer())
    return ours_out, peer_out
