"""Checking claims files and tables: the engine facade for claims (beside `checker`).

`check` runs the engine on batches of claims and traces findings to cells,
`table` is the Arrow / pandas API (`check_claims`), `cluster` spreads files or a
dask DataFrame over a Dask cluster.
"""

from .check import ClaimFinding, check_lines, check_source
from .table import check_claims, findings_table

__all__ = ["ClaimFinding", "check_lines", "check_source", "check_claims", "findings_table"]
