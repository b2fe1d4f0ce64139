"""Claims extracts (CSV, Parquet) read as encounters, with each line traced back to its cell.

`mapping` says which column holds what, `read` streams the rows by batches, and
`rows` writes each claim as the encounter the engine checks.  Checking them is
`icd10ls.claimcheck`, one layer up, beside the other engine facades.
"""

from .mapping import ClaimsMapping, MappingError, resolve
from .read import ClaimsReadError, ClaimsSource, is_claims_path, open_claims
from .rows import ClaimLines, claim_lines

__all__ = ["ClaimsMapping", "MappingError", "resolve", "ClaimsReadError", "ClaimsSource", "is_claims_path",
           "open_claims", "ClaimLines", "claim_lines"]
