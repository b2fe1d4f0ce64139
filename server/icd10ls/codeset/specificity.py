"""NEC ("other specified") and NOS ("unspecified") labels.

ICD-10-CM marks the two kinds of residual codes in their titles: "Other ..." /
"other specified" / "not elsewhere classified" is NEC, the documented condition
has no code of its own; "unspecified" is NOS, the documentation lacks detail.
A missing side or trimester is a different gap (the condition is specific, the
record just does not say where or when), so it is flagged separately instead of
making the code NOS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from .model import CodeSet

SPECIFIC, NEC, NOS, NEC_NOS = "specific", "nec", "nos", "nec-nos"

_NEC_TITLE = re.compile(r"^other\b|\bother specified\b|\bnot elsewhere classified\b|\bNEC\b", re.IGNORECASE)
_BOTH_TITLE = re.compile(r"\bother and unspecified\b|\bunspecified and other\b", re.IGNORECASE)
_NOS_WORD = re.compile(r"\bunspecified\b|\bNOS\b", re.IGNORECASE)
_TRIMESTER = re.compile(r"\bunspecified trimester\b", re.IGNORECASE)
# "stage 1 through stage 4 ..., or unspecified chronic kidney disease", "Chronic or unspecified
# gastric ulcer": the code serves a specified condition and the unspecified one alike; it is
# the right code for the specified one (I12.9 for CKD stage 4, I.C.9.a.2), not a NOS code.
_OR_UNSPECIFIED = re.compile(r"\bor unspecified\b", re.IGNORECASE)
# 7th characters that leave the side open ("unspecified eye") or another axis ("stage
# unspecified", "unspecified time").
_SEVENTH_SIDE = re.compile(r"\bunspecified (?:eye|ear|side)\b", re.IGNORECASE)
_SIDES = {"right", "left"}

_NEC_MEANING = (
    "**NEC — other specified.** The record documents a specific condition, but ICD-10-CM has "
    "no code of its own for it, so it is classified here."
)
EXPLANATIONS = {
    NEC: (
        f"{_NEC_MEANING} When the documentation is this specific, prefer this code to the unspecified "
        "(NOS) one; payers may ask for the record that supports it."
    ),
    NOS: (
        "**NOS — unspecified.** For documentation that lacks the detail a more specific code needs. "
        "If the record says more, code to that detail; if it should, query the provider."
    ),
    NEC_NOS: (
        "**NEC and NOS — other and unspecified.** One code serves both a specified condition without "
        "a code of its own and a condition documented without detail."
    ),
    SPECIFIC: "**Specific.** The title names the condition itself, neither 'other' nor 'unspecified'.",
}
LATERALITY_EXPLANATION = (
    "**Side unspecified.** The code does not say right or left; when the record documents the side, "
    "use the code for that side (or the bilateral code)."
)
TRIMESTER_EXPLANATION = (
    "**Trimester unspecified.** When the record documents the trimester, use the code for it."
)
# NEC, where the category has no NOS code to prefer it to.
NEC_WITHOUT_NOS_EXPLANATION = f"{_NEC_MEANING} Payers may ask for the record that supports it."
ALSO_UNSPECIFIED_EXPLANATION = (
    "**Also for unspecified.** Its category has no 'unspecified' code, so this 'other specified' "
    "code also serves documentation that lacks detail (Official Guidelines I.A.9.b)."
)


@dataclass(frozen=True, slots=True)
class Specificity:
    label: str
    laterality_unspecified: bool
    trimester_unspecified: bool
    reason: str
    # An NEC code standing in for the missing "unspecified" code of its category.
    also_unspecified: bool = False

    @property
    def is_nos(self) -> bool:
        return self.label in (NOS, NEC_NOS)

    @property
    def is_nec(self) -> bool:
        return self.label in (NEC, NEC_NOS)

    def explanation(self) -> str:
        if self.also_unspecified:
            parts = [NEC_WITHOUT_NOS_EXPLANATION, ALSO_UNSPECIFIED_EXPLANATION]
        else:
            parts = [EXPLANATIONS[self.label]]
        if self.laterality_unspecified:
            parts.append(LATERALITY_EXPLANATION)
        if self.trimester_unspecified:
            parts.append(TRIMESTER_EXPLANATION)
        return "\n\n".join(parts)


def _words(title: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", title.lower())


def _laterality_positions(codeset: CodeSet, node: int, words: list[str]) -> set[int]:
    """Positions of "unspecified" that stand where a sibling's title says right or left."""
    positions = {i for i, w in enumerate(words) if w == "unspecified"}
    if not positions:
        return set()
    parent = codeset.parent_of(node)
    found: set[int] = set()
    for sibling in codeset.children_of(parent) if parent >= 0 else ():
        if sibling == node:
            continue
        other = _words(codeset.title_of(sibling))
        if len(other) != len(words):
            continue
        differences = [i for i, (a, b) in enumerate(zip(words, other)) if a != b]
        if len(differences) == 1 and differences[0] in positions and other[differences[0]] in _SIDES:
            found.add(differences[0])
    return found


@lru_cache(maxsize=65536)
def classify(codeset: CodeSet, node: int) -> Specificity:
    found = _from_text(codeset, node)
    if found.label == NEC and not _category_has_unspecified(codeset, _category_of(codeset, node)):
        return replace(found, also_unspecified=True)
    return found


def _category_of(codeset: CodeSet, node: int) -> int:
    for ancestor in [node, *codeset.ancestors(node)]:
        if codeset.kind_of(ancestor) == "category":
            return ancestor
    return node


@lru_cache(maxsize=4096)
def _category_has_unspecified(codeset: CodeSet, category: int) -> bool:
    """Whether any code of the category is NOS: when none is, its "other" code serves both
    (Official Guidelines I.A.9.b, "the other specified code may represent both")."""
    pending = [category]
    while pending:
        node = pending.pop()
        if _from_text(codeset, node).is_nos:
            return True
        pending.extend(codeset.children_of(node))
    return False


@lru_cache(maxsize=65536)
def _from_text(codeset: CodeSet, node: int) -> Specificity:
    """The label that the code's own title and inclusion terms give."""
    title = codeset.title_of(node)
    words = _words(title)
    laterality = _laterality_positions(codeset, node, words)
    trimester = bool(_TRIMESTER.search(title))
    residual = [w for i, w in enumerate(words) if i not in laterality]
    residual_text = _OR_UNSPECIFIED.sub("", " ".join(residual))
    if trimester:
        residual_text = _TRIMESTER.sub("", residual_text)
    if _BOTH_TITLE.search(title):
        return Specificity(NEC_NOS, bool(laterality), trimester, "the title says 'other and unspecified'")
    nec = bool(_NEC_TITLE.search(title))
    nos = bool(_NOS_WORD.search(residual_text))
    if nec and nos:
        return Specificity(NEC_NOS, bool(laterality), trimester, "the title says both 'other' and 'unspecified'")
    if nec:
        return Specificity(NEC, bool(laterality), trimester, "the title names an 'other' (not elsewhere classified) group")
    if nos:
        return Specificity(NOS, bool(laterality), trimester, "the title says 'unspecified'")
    # An inclusion term "Tubular necrosis NOS" (N17.0) or "Poisoning by penicillins NOS"
    # (T36.0X1-) makes the code the default for that wording: a specific code, not a NOS one.
    for kind, texts in codeset.own_notes(node):
        if kind != "inclusionTerm":
            continue
        for text in texts:
            if re.search(r"\bNEC\b", text):
                return Specificity(NEC, bool(laterality), trimester, f"inclusion term '{text}'")
    return Specificity(SPECIFIC, bool(laterality), trimester, "")


def classify_code(codeset: CodeSet, node: int, seventh: str = "") -> Specificity:
    """The label of a code with its 7th character: in E11.32- the 7th character is the eye,
    in H40.11- the stage, in R40.24- the time, and "unspecified" there counts as in a title."""
    found = classify(codeset, node)
    if not seventh:
        return found
    chars = codeset.seventh_characters(node)
    meaning = (chars.meaning(seventh) if chars is not None else None) or ""
    if _SEVENTH_SIDE.search(meaning):
        return replace(found, laterality_unspecified=True)
    if _NOS_WORD.search(_OR_UNSPECIFIED.sub("", meaning)):
        label = NEC_NOS if found.is_nec else NOS
        return replace(found, label=label, reason=f"7th character {seventh}: {meaning}", also_unspecified=False)
    return found
