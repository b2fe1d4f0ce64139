"""Everything about one code: `icd10ls.describe.describe` vs `simple_icd_10_cm.get_full_data`.

In this process, over 200 real codes that both know (40 categories, 50
subcategories, 70 codes without and 40 with a 7th character, taken at even
steps through the FY2026 tabular list).  Each round times every code once on
our side, then on the peer's; the per-call times of all rounds give the
median and p99.  A first pass on each side is not timed (our note caches are
warm in a running server too).
"""

from __future__ import annotations

import time

from .common import Config, Spec

NAME = "lookup"
LOOKUP = Spec("lookup", "one code with all its notes", "µs", "simple_icd_10_cm.get_full_data")
SPECS = (LOOKUP,)

CODES = (
    "A30", "A85", "B46", "C00", "C53", "D05", "D53", "E21", "E79", "F50", "G20", "G95", "H65", "I32",
    "I88", "J64", "K37", "L02", "L72", "M25", "M92", "N44", "O04", "O72", "P39", "Q20", "Q76", "R29",
    "R81", "S33", "S81", "T44", "V05", "V55", "W04", "W56", "X39", "Y37", "Z23", "Z78", "B57.4",
    "C82.2", "D59.1", "E75.1", "F19.9", "G57.8", "H10.22", "H21.4", "H43.0", "H54.5", "H83.2", "I69.92",
    "I97.82", "K57.0", "L97.22", "M06.0", "M11.21", "M21.75", "M25.72", "M61.23", "M67.44", "M84.6",
    "M88.84", "M99.2", "O09.89", "O42.91", "P91.6", "R87.61", "S11.0", "S24.13", "S35.9", "S43.42",
    "S52.69", "S60.94", "S65.81", "S75.81", "S83.8", "S92.01", "T15.9", "T23.52", "T36.1", "T45.2",
    "T54.3", "T71.15", "T86.82", "V39.4", "W55.1", "Y37.44", "Z31.6", "Z87.76", "A26.0", "A81.81",
    "B48.8", "C25.9", "C53.1", "C82.15", "C90.22", "D22.20", "D57.214", "E08.39", "E66.813", "F02.B4",
    "F15.91", "F50.019", "G40.814", "G72.49", "H02.143", "H05.113", "H16.052", "H21.221", "H33.023",
    "H44.121", "H50.671", "H60.531", "H73.811", "I16.0", "I63.311", "I69.952", "I77.0", "I88.9",
    "J92.0", "K28.4", "K62.2", "L02.531", "L71.1", "L97.303", "M02.232", "M06.29", "M11.029", "M14.672",
    "M23.061", "M25.141", "M33.93", "M47.898", "M61.09", "M65.171", "M67.969", "M79.629", "M86.351",
    "M88.861", "M92.201", "N00.4", "N48.32", "N83.41", "O10.213", "O29.5X1", "O65.2", "O99.824",
    "P50.5", "Q24.4", "Q65.82", "Q91.3", "R39.82", "R93.1", "Y65.2", "Y93.35", "Z22.322", "Z52.018",
    "Z79.82", "Z91.A98", "M1A.2610", "M84.659S", "O64.0XX2", "S04.019D", "S12.300B", "S22.008G",
    "S31.123S", "S34.103D", "S42.013B", "S42.476G", "S50.862A", "S52.255M", "S52.562D", "S57.81XA",
    "S61.315S", "S62.343A", "S63.262A", "S66.515D", "S72.102C", "S72.423S", "S79.099P", "S82.144S",
    "S82.454J", "S83.8X2A", "S90.921S", "S92.335G", "S98.129A", "T22.042S", "T24.301D", "T38.2X6A",
    "T44.1X5D", "T50.5X5A", "T63.062S", "T81.521D", "T85.828A", "V29.601S", "V70.1XXD", "V93.53XS",
    "W55.82XD", "Y36.021A",
)


def _timed(call, codes) -> list[float]:
    samples = []
    for code in codes:
        start = time.perf_counter()
        call(code)
        samples.append((time.perf_counter() - start) * 1e6)
    return samples


def measure(cfg: Config) -> list:
    from icd10ls.codeset.describe import describe
    from icd10ls.codeset.store import DataStore

    store = DataStore()
    codesets = store.codesets()
    latest = store.latest()
    missing = [code for code in CODES if latest.get(code) is None]
    if missing:
        raise RuntimeError(f"{len(missing)} benchmark codes are not in {latest.label}: {', '.join(missing[:5])}")

    def ours(code: str) -> None:
        describe(latest, latest.get(code), codesets)

    try:
        import simple_icd_10_cm
    except ModuleNotFoundError:  # the bench extra is missing: measure our side alone
        peer, note = None, "peer not installed (pip install -e '.[bench]')"
    else:
        peer, note = simple_icd_10_cm.get_full_data, ""
    ours_us, peer_us = [], []
    for number in range(cfg.rounds(5, 2) + 1):  # round 0 warms both sides
        ours_round = _timed(ours, CODES)
        peer_round = _timed(peer, CODES) if peer else []
        if number:
            ours_us += ours_round
            peer_us += peer_round
    return [LOOKUP.row(ours_us, peer_us or None, note=note, extra={"codes": len(CODES)})]
