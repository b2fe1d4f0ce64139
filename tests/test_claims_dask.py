"""Claims on a Dask cluster (two worker processes on 127.0.0.1) find what one process finds."""

from __future__ import annotations

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")

from benchmarks.claims import claims_table  # noqa: E402
from icd10ls.claimcheck.table import check_claims  # noqa: E402
from icd10ls.cli import check as check_command  # noqa: E402

CLAIMS = 3_000


@pytest.fixture(scope="module")
def claims_file(tmp_path_factory):
    table = claims_table(CLAIMS, seed=7, templates=600)
    # a few broken claims, so that cell findings take part too
    dates = table.column("DOS").cast(pa.string()).to_pylist()
    table = table.set_column(table.column_names.index("DOS"), "DOS", pa.array(
        [d if i % 997 else "2025-02-30" for i, d in enumerate(dates)]))
    path = tmp_path_factory.mktemp("claims") / "claims.parquet"
    pq.write_table(table, path, row_group_size=500)
    return path, table


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as local:
        yield local


def _keys(rows) -> list[tuple]:
    return sorted((r["row"], r["field"] or "", r["rule"], r["message"]) for r in rows)


def test_cluster_run_equals_one_process(claims_file, cluster, tmp_path, capsys):
    path, table = claims_file
    single = tmp_path / "single.parquet"
    assert check_command.main(["--no-config", str(path), "--output", str(single)]) == 1
    single_err = capsys.readouterr().err
    output = tmp_path / "parts"
    code = check_command.main(["--no-config", str(path), "--dask", cluster.scheduler_address,
                               "--output", str(output)])
    err = capsys.readouterr().err
    assert code == 1
    parts = sorted(output.glob("part-*.parquet"))
    assert len(parts) == CLAIMS // 500  # one part per row group here
    expected = _keys(pq.read_table(single).to_pylist())
    assert len(expected) > CLAIMS // 10
    assert _keys(pq.read_table(output).to_pylist()) == expected
    assert f"in {CLAIMS} claims of 1 file" in err
    assert err.split("; findings in")[0] == single_err.strip()
    assert any(key[2] == "syntax" and key[1] == "DOS" for key in expected)


def test_dask_dataframe_api_numbers_rows_across_partitions(claims_file, cluster):
    from icd10ls.claimcheck.cluster import check_claims_dask

    path, table = claims_file
    frame = dd.from_pandas(table.to_pandas(), npartitions=4)
    with distributed.Client(cluster):
        result = check_claims_dask(frame).compute()
    expected = check_claims(table)
    assert _keys(pa.Table.from_pandas(result, preserve_index=False).to_pylist()) == _keys(expected.to_pylist())


def test_unreachable_scheduler_is_one_clear_error(claims_file, tmp_path, capsys):
    path, _ = claims_file
    code = check_command.main(["--no-config", str(path), "--dask", "tcp://127.0.0.1:9", "--output",
                               str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("icd10ls check: --dask tcp://127.0.0.1:9:") and err.count("\n") == 1


def test_dask_needs_an_output_directory(claims_file, capsys):
    path, _ = claims_file
    assert check_command.main(["--no-config", str(path), "--dask", "tcp://127.0.0.1:9"]) == 2
    assert "--dask needs --output" in capsys.readouterr().err


def test_a_worker_reads_the_facts_a_check_kept(claims_file, tmp_path, monkeypatch):
    """A worker's part reads the per-code facts `icd10ls check` kept on disk instead of working them out."""
    import shutil

    import icd10ls.codeset.store as store_module
    from icd10ls.claimcheck.check import check_source
    from icd10ls.claimcheck.cluster import check_part, plan_parts
    from icd10ls.claims.mapping import resolve
    from icd10ls.claims.read import open_claims
    from icd10ls.rules import facts as facts_module
    from icd10ls.rules.engine import keep_facts, save_facts
    from icd10ls.settings import Settings

    shared = store_module.default_store()
    shared.codesets()
    cache = tmp_path / "cache"
    cache.mkdir()
    (tmp_path / "out").mkdir()
    for index in shared.cache_dir.glob("*.idx"):
        shutil.copy2(index, cache / index.name)
    path, _table = claims_file
    source = open_claims(path)
    mapping = resolve(source.columns)
    parts = plan_parts([(str(path), source, Settings(), mapping)], 500)
    worked_out: list[str] = []
    real_resolve = facts_module.resolve
    monkeypatch.setattr(facts_module, "resolve", lambda kb, code: worked_out.append(code) or real_resolve(kb, code))

    def fresh_process() -> store_module.DataStore:
        fresh = store_module.DataStore(cache_dir=cache)
        monkeypatch.setattr(store_module, "_default_store", fresh)
        return fresh

    fresh_process()
    assert check_part(parts[0], str(tmp_path / "out")).claims == 500
    assert len(set(worked_out)) > 100 and not list(cache.glob("facts-*.bin")), "a worker wrote facts"

    checked = fresh_process()  # what `icd10ls check` on the same claims does
    keep_facts(checked)
    for _batch in check_source(source, mapping, Settings(), checked, row_groups=(0,)):
        pass
    save_facts(checked)
    assert list(cache.glob("facts-*.bin"))
    worked_out.clear()
    fresh_process()
    assert check_part(parts[0], str(tmp_path / "out")).claims == 500
    assert worked_out == [], "the worker worked out facts that were kept"
