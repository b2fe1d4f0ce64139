"""Hover and completion round trips: icd10ls vs a bare pygls server answering constants.

Both servers run at once (pinned to the server CPU) and get the same documents:
the small encounter file and one with a `dx: <query>` line per benchmark
query.  After a warm-up pass (which builds our search index), requests
alternate between the servers, ours first; a round trip runs from the write of
the request to the arrival of its answer.
"""

from __future__ import annotations

from . import lspclient
from .common import Config, Spec, at_most, join_notes, per_key_medians
from .documents import HOVER_CHARACTER, HOVER_LINE, SMALL, query_file
from .queries import SEARCH_QUERIES

NAME = "roundtrip"
HOVER = Spec("hover", "hover round trip", "ms", "bare pygls server, constant hover",
             (at_most("ratio", 1.5, "≤ 1.5× bare"),))
COMPLETION = Spec("completion", "completion by words round trip", "ms", "bare pygls server, 20 constant items",
                  (at_most("ours", 10, "median ≤ 10 ms"), at_most("p99", 40, "p99 ≤ 40 ms")))
SPECS = (HOVER, COMPLETION)


def _items(result) -> int:
    if isinstance(result, dict):
        return len(result.get("items") or [])
    return len(result or [])


def measure(cfg: Config) -> list:
    text, cursors = query_file()
    with lspclient.ours(cfg) as ours, lspclient.bare(cfg) as bare:
        servers = (ours, bare)
        for server in servers:
            server.initialize()
        small, queries = lspclient.document_uri("hover"), lspclient.document_uri("queries")
        for server in servers:
            server.open(small, SMALL)
            server.open(queries, text)
        ours.diagnostics(small, 1, timeout=60)
        ours.diagnostics(queries, 1, timeout=60)

        def hover(server) -> tuple[float, object]:
            seconds, result = server.hover(small, HOVER_LINE, HOVER_CHARACTER)
            return seconds * 1000, result

        def complete(server, cursor) -> tuple[float, object]:
            seconds, result = server.completion(queries, *cursor)
            return seconds * 1000, result

        for server in servers:  # warm-up: code sets, search index, first-call paths
            for _ in range(5):
                hover(server)
            for cursor in cursors:
                server.completion(queries, *cursor, timeout=120)

        hover_ours, hover_bare, answered = [], [], True
        for _ in range(cfg.rounds(200, 40)):
            took, result = hover(ours)
            hover_ours.append(took)
            answered = answered and bool(result)
            hover_bare.append(hover(bare)[0])

        completion_ours, completion_bare = [], []
        by_query: dict[str, list[float]] = {query: [] for query in SEARCH_QUERIES}
        empty: set[str] = set()
        for _ in range(cfg.rounds(10, 3)):
            for query, cursor in zip(SEARCH_QUERIES, cursors):
                took, result = complete(ours, cursor)
                completion_ours.append(took)
                by_query[query].append(took)
                if not _items(result):
                    empty.add(query)
                completion_bare.append(complete(bare, cursor)[0])
        logged = ours.errors_note()

    empty_note = (f"{len(empty)} of {len(cursors)} queries got no items: " + ", ".join(repr(q) for q in sorted(empty))
                  if empty else "")
    hover_note = "" if answered else "our hover answered null"
    per_query, slowest = per_key_medians(by_query)
    slowest_note = f"slowest query {slowest!r}: median {per_query[slowest]:.1f} ms"
    return [
        HOVER.row(hover_ours, hover_bare, note=join_notes(hover_note, logged)),
        COMPLETION.row(completion_ours, completion_bare, note=join_notes(slowest_note, empty_note, logged),
                       extra={"empty_queries": sorted(empty), "per_query_median_ms": per_query}),
    ]
