"""Start-up: spawn → `initialize` answered, icd10ls vs a bare pygls server; and the first diagnostics.

Each round spawns icd10ls, then the bare server (both pinned to the server CPU).
For icd10ls the round goes on: `initialized`, `didOpen` of a small encounter
file with one bad code, and the time from spawn to its publishDiagnostics.
"""

from __future__ import annotations

from . import lspclient
from .common import Config, Spec, at_most
from .documents import SMALL
from .lspclient import ServerError

NAME = "startup"
STARTUP = Spec("startup", "start-up: spawn → initialize answered", "ms", "bare pygls server",
               (at_most("ratio", 1.25, "ratio ≤ 1.25"),))
FIRST_DIAGNOSTICS = Spec("first_diagnostics", "first diagnostics of an opened file, from spawn", "ms", "",
                         (at_most("ours", 500, "≤ 500 ms"),))
SPECS = (STARTUP, FIRST_DIAGNOSTICS)


def _ours(cfg: Config, diagnose: bool) -> tuple[float, float | None, str | None]:
    with lspclient.ours(cfg) as client:
        initialized = client.initialize() - client.spawned_at
        if not diagnose:
            return initialized, None, None
        uri = lspclient.document_uri("first")
        client.open(uri, SMALL)
        try:
            arrived, _params = client.diagnostics(uri, 1, timeout=20)
        except ServerError as error:
            return initialized, None, str(error)
        return initialized, arrived - client.spawned_at, None


def _bare(cfg: Config) -> float:
    with lspclient.bare(cfg) as client:
        return client.initialize() - client.spawned_at


def measure(cfg: Config) -> list:
    rounds = cfg.rounds(10, 3)
    ours_init, bare_init, first = [], [], []
    problem = None
    for number in range(rounds + 1):  # round 0 only brings both servers' files into the page cache
        initialized, diagnosed, failed = _ours(cfg, diagnose=problem is None)  # after a failure, only start-up
        problem = problem or failed
        peer = _bare(cfg)
        if number == 0:
            continue
        ours_init.append(initialized * 1000)
        bare_init.append(peer * 1000)
        if diagnosed is not None:
            first.append(diagnosed * 1000)
    rows = [STARTUP.row(ours_init, bare_init)]
    rows.append(FIRST_DIAGNOSTICS.row(first) if first else FIRST_DIAGNOSTICS.error(problem or "no diagnostics"))
    return rows
