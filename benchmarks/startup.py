"""Start-up: spawn → `initialize` answered, icd10ls vs a bare pygls server; the first
diagnostics; and the first word completion right after opening a file.

Each round spawns icd10ls, then the bare server (both pinned to the server CPU).
For icd10ls the round goes on: `initialized`, `didOpen` of a small encounter
file with one bad code, and the time from spawn to its publishDiagnostics
(compared with the bare server's spawn → `initialize` of the same round); then
`didOpen` of a file whose last line is `dx: <query>` and, at once, a completion
at its end, timed from request to answer: the first search of the session,
which needs the search index.
"""

from __future__ import annotations

from . import lspclient
from .common import Config, Spec, at_most
from .documents import SMALL
from .lspclient import ServerError

NAME = "startup"
STARTUP = Spec("startup", "start-up: spawn → initialize answered", "ms", "bare pygls server",
               (at_most("ratio", 1.25, "ratio ≤ 1.25"),))
FIRST_DIAGNOSTICS = Spec("first_diagnostics", "first diagnostics of an opened file, from spawn", "ms",
                         "bare pygls server's spawn → initialize", (at_most("ratio", 1.3, "≤ 1.3× bare initialize"),))
FIRST_COMPLETION = Spec("first_completion", "first word completion right after opening a file", "ms", "",
                        (at_most("ours", 100, "≤ 100 ms"),))
SPECS = (STARTUP, FIRST_DIAGNOSTICS, FIRST_COMPLETION)
QUERY = "diab ckd"
TYPED = f"encounter T1\ndate: 2026-03-14\nsetting: outpatient\ndx: {QUERY}"


def _ours(cfg: Config, diagnose: bool) -> tuple[float, float | None, float | None, str | None]:
    with lspclient.ours(cfg) as client:
        initialized = client.initialize() - client.spawned_at
        if not diagnose:
            return initialized, None, None, None
        uri = lspclient.document_uri("first")
        client.open(uri, SMALL)
        try:
            arrived, _params = client.diagnostics(uri, 1, timeout=20)
            typed = lspclient.document_uri("typed")
            client.open(typed, TYPED)
            took, result = client.completion(typed, 3, len(f"dx: {QUERY}"), timeout=60)
        except ServerError as error:
            return initialized, None, None, str(error)
        items = result.get("items") if isinstance(result, dict) else result
        if not items:
            return initialized, arrived - client.spawned_at, None, f"no completion items for {QUERY!r}"
        return initialized, arrived - client.spawned_at, took, None


def _bare(cfg: Config) -> float:
    with lspclient.bare(cfg) as client:
        return client.initialize() - client.spawned_at


def measure(cfg: Config) -> list:
    rounds = cfg.rounds(10, 3)
    ours_init, bare_init, first, completion = [], [], [], []
    problem = None
    for number in range(rounds + 1):  # round 0 only brings both servers' files into the page cache
        initialized, diagnosed, completed, failed = _ours(cfg, diagnose=problem is None)  # after a failure, only start-up
        problem = problem or failed
        peer = _bare(cfg)
        if number == 0:
            continue
        ours_init.append(initialized * 1000)
        bare_init.append(peer * 1000)
        if diagnosed is not None:
            first.append(diagnosed * 1000)
        if completed is not None:
            completion.append(completed * 1000)
    rows = [STARTUP.row(ours_init, bare_init)]
    rows.append(FIRST_DIAGNOSTICS.row(first, bare_init) if first
                else FIRST_DIAGNOSTICS.error(problem or "no diagnostics"))
    rows.append(FIRST_COMPLETION.row(completion) if completion
                else FIRST_COMPLETION.error(problem or "no completion"))
    return rows
