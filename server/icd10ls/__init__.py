"""icd10ls: ICD-10-CM code sets, encounter checking and a language server for coders."""

import importlib

__version__ = "0.1.0"


def __getattr__(name: str):
    """`icd10ls.check_claims`, imported on first use: it brings pyarrow, which plain checking
    and the language server do not need (and the engine modules load only when asked)."""
    if name == "check_claims":
        return importlib.import_module(f"{__name__}.claimcheck").check_claims
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
