"""The list of rules: ids, default severities, guideline references and how each one runs.

Rule ids are part of the user interface (`# allow: excludes1`, `icd10ls.toml`,
`--select`), so they are declared once here, next to the code that implements
them, and `docs/rules.md` is checked against this registry by the tests.

A rule has one of three scopes, which is also how it is run:

* ``code``: a function of one written code in one code set; it runs once per
  distinct code and its `Problem`s are cached with the code's facts.
* ``encounter``: a function of one encounter's codes in order; `trigger` is a
  mask of `facts` flags, and the rule is only called for encounters where some
  code has one of them (a rule that must see every encounter is a ``file`` rule).
* ``file``: a function of the whole parsed file (parser issues, `# allow:`).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

from ..findings import Severity

CODE, ENCOUNTER, FILE = "code", "encounter", "file"


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    scope: str
    guideline: str  # the Official Guidelines section(s), e.g. "I.A.12.a"
    summary: str  # one line: what the rule finds
    run: Callable
    trigger: int = 0

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.run) or ""


RULES: dict[str, Rule] = {}


def rule(rule_id: str, severity: Severity, scope: str, guideline: str, summary: str,
         trigger: int = 0) -> Callable[[Callable], Callable]:
    """Register the decorated function as the rule `rule_id`."""

    def register(function: Callable) -> Callable:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id!r} is registered twice")
        RULES[rule_id] = Rule(rule_id, severity, scope, guideline, summary, function, trigger)
        function.rule_id = rule_id  # type: ignore[attr-defined]
        return function

    return register
