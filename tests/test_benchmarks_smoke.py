"""The benchmark harness runs: its cheapest measurement, one round, no timing asserted."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `benchmarks` is not installed; it lives beside `tests`
    sys.path.insert(0, str(ROOT))

from benchmarks import run  # noqa: E402


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # simple_icd_10_cm uses old importlib APIs
def test_harness_runs_the_lookup_measurement(tmp_path, capsys):
    environment = {key: os.environ.get(key) for key in ("ICD10LS_CACHE_DIR", "ICD10LS_DATA_DIR")}
    results = tmp_path / "results.json"

    status = run.main(["--only", "lookup", "--rounds", "1", "--no-pin", "--check", "--json", str(results)])

    assert status == 0  # the lookup row has no target, so nothing can be missed
    report = json.loads(results.read_text(encoding="utf-8"))
    (row,) = report["rows"]
    assert row["key"] == "lookup" and row["status"] == "REPORT", row["note"]
    assert row["ours"] > 0 and len(row["samples"]["ours"]) == 200
    assert "one code with all its notes" in capsys.readouterr().out
    assert {key: os.environ.get(key) for key in environment} == environment  # the harness put them back
