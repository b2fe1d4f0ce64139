"""NEC ("other specified") and NOS ("unspecified") labels, and the laterality/trimester flags."""

from __future__ import annotations

import re

import pytest

from icd10ls.codeset.specificity import NEC, NEC_NOS, NOS, SPECIFIC, classify


def label(codeset, code):
    return classify(codeset, codeset.get(code).node)


@pytest.mark.parametrize(
    ("code", "expected", "laterality", "trimester"),
    [
        ("L70.9", NOS, False, False),  # Acne, unspecified
        ("L60.8", NEC, False, False),  # Other nail disorders
        ("A41.89", NEC, False, False),  # Other specified sepsis
        ("E11.69", NEC, False, False),  # ... with other specified complication
        ("H60.90", NOS, True, False),  # Unspecified otitis externa, unspecified ear
        ("H60.91", NOS, False, False),  # Unspecified otitis externa, right ear
        ("H60.93", NOS, False, False),  # ..., bilateral
        ("S52.529A", SPECIFIC, True, False),  # Torus fracture of lower end of unspecified radius
        ("S52.521A", SPECIFIC, False, False),  # ... of right radius
        ("O09.90", NOS, False, True),  # Supervision of high risk pregnancy, unspecified, unspecified trimester
        ("O09.91", NOS, False, False),  # ..., first trimester
        ("O26.899", NEC, False, True),  # Other specified pregnancy related conditions, unspecified trimester
        ("C50.919", NOS, True, False),  # unspecified site of unspecified female breast
        ("A49.8", NEC_NOS, False, False),  # Other bacterial infections of unspecified site
        ("E11.22", SPECIFIC, False, False),
        ("L70.0", SPECIFIC, False, False),  # Acne vulgaris
        ("I10", SPECIFIC, False, False),
        ("J44.1", SPECIFIC, False, False),
        ("F32.A", NOS, False, False),  # Depression, unspecified
    ],
)
def test_labels(cs2026, code, expected, laterality, trimester):
    found = label(cs2026, code)
    assert (found.label, found.laterality_unspecified, found.trimester_unspecified) == (
        expected, laterality, trimester), found.reason


def test_a_nos_inclusion_term_makes_the_code_the_default_not_nos(cs2025, cs2026):
    """'Multiple sclerosis NOS' (G35 in FY2025), 'Tubular necrosis NOS' (N17.0): the code is
    where that wording goes, a specific code, not one for documentation that lacks detail."""
    assert label(cs2025, "G35").label == SPECIFIC
    assert label(cs2026, "N17.0").label == SPECIFIC


def test_properties(cs2026):
    assert label(cs2026, "L70.9").is_nos and not label(cs2026, "L70.9").is_nec
    assert label(cs2026, "L60.8").is_nec and not label(cs2026, "L60.8").is_nos
    assert label(cs2026, "A49.8").is_nec and label(cs2026, "A49.8").is_nos
    assert not label(cs2026, "E11.22").is_nec and not label(cs2026, "E11.22").is_nos


def test_explanations_follow_the_conventions(cs2026):
    nec = label(cs2026, "L60.8").explanation()
    assert nec.startswith("**NEC") and "specific condition" in nec and "no code of its own" in nec
    nos = label(cs2026, "L70.9").explanation()
    assert nos.startswith("**NOS") and "lacks the detail" in nos and "query the provider" in nos
    both = label(cs2026, "A49.8").explanation()
    assert "NEC and NOS" in both
    lateral = label(cs2026, "H60.90").explanation()
    assert lateral.startswith("**NOS") and "**Side unspecified.**" in lateral and "right or left" in lateral
    assert "**Side unspecified.**" not in label(cs2026, "H60.91").explanation()
    assert "**Side unspecified.**" in label(cs2026, "S52.529A").explanation()
    assert label(cs2026, "S52.529A").explanation().startswith("**Specific.**")
    assert "**Trimester unspecified.**" in label(cs2026, "O09.90").explanation()
    assert "**Trimester unspecified.**" not in label(cs2026, "O09.91").explanation()


def test_every_billable_code_gets_a_consistent_label(cs2026):
    """An 'unspecified' title is never plain specific unless that word is the side or the trimester."""
    counts = {}
    for node in sorted(set(cs2026.compiled.billable_nodes)):
        found = classify(cs2026, node)
        counts[found.label] = counts.get(found.label, 0) + 1
        title = cs2026.title_of(node)
        if found.label == SPECIFIC and re.search(r"(?<!\bor )\bunspecified\b", title, re.IGNORECASE):
            assert found.laterality_unspecified or found.trimester_unspecified, title
        if re.match(r"other\b", title, re.IGNORECASE):
            assert found.is_nec, title
    assert set(counts) == {SPECIFIC, NEC, NOS, NEC_NOS}
    assert counts[NOS] > 5000 and counts[NEC] > 4000 and counts[SPECIFIC] > 20000


@pytest.mark.parametrize(("code", "expected"), [
    ("A63.8", True),  # Other specified predominantly sexually transmitted diseases: A63 has no .9
    ("A35", True),  # Other tetanus: a category of its own
    ("B53.8", True),  # Other malaria, not elsewhere classified: B53 has no unspecified code
    ("A41.89", False),  # Other specified sepsis: A41.9 is the unspecified one
    ("L60.8", False),  # Other nail disorders: L60.9
    ("A06.82", False),  # Other amebic genitourinary infections: A06.9 sits higher in the category
    ("L70.9", False),  # an NOS code itself
    ("E11.22", False),
])
def test_an_other_code_stands_in_for_a_missing_unspecified_code(cs2026, code, expected):
    found = label(cs2026, code)
    assert found.also_unspecified is expected
    assert ("**Also for unspecified.**" in found.explanation()) is expected


def test_other_codes_standing_in_for_unspecified_are_few(cs2026):
    standing_in = [node for node in set(cs2026.compiled.billable_nodes) if classify(cs2026, node).also_unspecified]
    assert 50 < len(standing_in) < 400
    assert all(classify(cs2026, node).label == NEC for node in standing_in)
