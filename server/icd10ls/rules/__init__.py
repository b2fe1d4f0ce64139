"""The checker's rules: one module per concept, all registered in `registry.RULES`.

Importing this package registers every rule; the order of the imports below is
the order in which rules run and are documented.
"""

from __future__ import annotations

from .registry import CODE, ENCOUNTER, FILE, RULES, Rule, rule
from . import syntax, validity, seventh, excludes, sequencing, duplicates, laterality, reminders, unspecified  # noqa: E402,F401  (registers the rules)
from . import combinations, listing, obstetric, consistency, hygiene  # noqa: E402,F401
from . import cms_edits, poa  # noqa: E402,F401  (CMS's code edits and POA: inpatient coding)

__all__ = ["RULES", "Rule", "rule", "CODE", "ENCOUNTER", "FILE"]
