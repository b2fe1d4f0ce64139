"""Shared test setup: an isolated cache and data directory, and the two bundled code sets.

The environment is set at import time, before any test imports icd10ls, so that
neither the suite nor the subprocesses it starts ever touch the user's
~/.cache/icd10ls or ~/.local/share/icd10ls.  The cache lives for the session
(set ICD10LS_TEST_CACHE to a directory to keep it between runs); the compile
of both bundled years (a few seconds) then happens once per session.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import pytest
from hypothesis import settings

# `make test` (and so CI) runs the property tests on a fixed sequence of examples, so that
# whether a change lands never depends on which examples a fresh seed happens to draw;
# `make fuzz` draws fresh ones (and a longer random editing run of the server).
settings.register_profile("repeatable", derandomize=True)


def _session_dir(prefix: str) -> str:
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


os.environ["ICD10LS_CACHE_DIR"] = os.environ.get("ICD10LS_TEST_CACHE") or _session_dir("icd10ls-test-cache-")
os.environ["ICD10LS_DATA_DIR"] = _session_dir("icd10ls-test-data-")


@pytest.fixture(scope="session")
def store():
    """The process-wide DataStore (the one `icd10ls.cli.main` uses too), so code sets load once."""
    from icd10ls.codeset.store import default_store

    return default_store()


@pytest.fixture(scope="session")
def cs2026(store):
    return store.for_year(2026)


@pytest.fixture(scope="session")
def cs2025(store):
    return store.for_year(2025)
