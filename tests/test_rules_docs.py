"""docs/rules.md and the rule registry must agree: every rule documented, with its id and severity."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from icd10ls.rules import RULES

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def _sections() -> dict[str, str]:
    text = DOCS.read_text(encoding="utf-8")
    parts = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    return {part.split("\n", 1)[0].strip(): part for part in parts}


def test_every_documented_rule_is_registered_and_every_registered_rule_documented():
    assert list(_sections()) == list(RULES)


@pytest.mark.parametrize("rule_id", list(RULES))
def test_rule_section_states_the_default_severity(rule_id):
    section = _sections()[rule_id]
    match = re.search(r"\*\*Default severity:\*\* (\w+)", section)
    assert match is not None, f"no default severity for {rule_id}"
    assert match.group(1) == RULES[rule_id].severity.label


@pytest.mark.parametrize("rule_id", list(RULES))
def test_rule_appears_in_the_summary_table_with_its_severity(rule_id):
    text = DOCS.read_text(encoding="utf-8")
    assert re.search(rf"^\| \[`{re.escape(rule_id)}`\]\(#{re.escape(rule_id)}\) \| "
                     rf"{RULES[rule_id].severity.label} \|", text, flags=re.MULTILINE)


@pytest.mark.parametrize("rule_id", list(RULES))
def test_rule_section_has_what_why_fix_and_an_example(rule_id):
    section = _sections()[rule_id]
    for part in ("**What.**", "**Why.**", "**Fix.**", "```"):
        assert part in section, f"{rule_id}: missing {part}"


@pytest.mark.parametrize("rule_id", list(RULES))
def test_rule_docstring_and_guideline(rule_id):
    rule = RULES[rule_id]
    assert len(rule.doc.split()) >= 30, f"{rule_id}: the docstring should explain the rule"
    if rule.guideline != "-":
        assert rule.guideline.split(",")[0].strip() in rule.doc
        assert rule.guideline.split(",")[0].strip() in _sections()[rule_id]
