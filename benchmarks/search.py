"""Word search: the token-prefiltered `SearchIndex.search` vs `exhaustive_search` (rapidfuzz over everything).

In this process, on the latest code set, over the 20 benchmark queries, top 10
hits.  Each round runs every query on our side then on the full scan's (which
is slow and steady, so only the first rounds time it).  The median is of every
timed search; "slowest" is the slowest query's median time.  The same rounds
count the queries whose top 10 (codes, in order) are the same on both sides.
"""

from __future__ import annotations

import time

from .common import Config, Spec, at_least, at_most, join_notes, per_key_medians
from .queries import SEARCH_QUERIES

NAME = "search"
LIMIT = 10
SEARCH = Spec("search", "word search, top 10", "ms", "exhaustive rapidfuzz scan",
              (at_most("ours", 5, "median ≤ 5 ms"), at_most("max", 30, "slowest ≤ 30 ms")))
AGREEMENT = Spec("search_agreement", "queries whose top 10 equal the full scan's", "queries", "",
                 (at_least("ours", 19, "≥ 19 of 20"),))
SPECS = (SEARCH, AGREEMENT)


def _timed(call, query: str) -> tuple[float, list[str]]:
    start = time.perf_counter()
    hits = call(query, LIMIT)
    return (time.perf_counter() - start) * 1000, [hit.code for hit in hits]


def measure(cfg: Config) -> list:
    from icd10ls.codeset.search import index_for
    from icd10ls.codeset.store import DataStore

    index = index_for(DataStore().latest())  # built here, not timed
    by_query: dict[str, list[float]] = {query: [] for query in SEARCH_QUERIES}
    ours, peer = [], []
    differing: set[str] = set()
    peer_rounds = cfg.rounds(3, 1)  # the full scan is slow and steady: fewer rounds of it
    for number in range(cfg.rounds(10, 3) + 1):  # round 0 warms our side
        for query in SEARCH_QUERIES:
            fast, fast_codes = _timed(index.search, query)
            if number == 0:
                continue
            ours.append(fast)
            by_query[query].append(fast)
            if number <= peer_rounds:
                full, full_codes = _timed(index.exhaustive_search, query)
                peer.append(full)
                if fast_codes != full_codes:
                    differing.add(query)
    per_query, slowest = per_key_medians(by_query)
    agreeing = len(SEARCH_QUERIES) - len(differing)
    differ = "differ: " + ", ".join(repr(q) for q in sorted(differing)) if differing else ""
    return [
        SEARCH.row(ours, peer, ours_max=per_query[slowest],
                   note=f"slowest query {slowest!r}: {per_query[slowest]:.1f} ms",
                   extra={"per_query_median_ms": per_query}),
        AGREEMENT.row(float(agreeing), note=join_notes(f"of {len(SEARCH_QUERIES)}", differ),
                      extra={"differing": sorted(differing)}),
    ]
