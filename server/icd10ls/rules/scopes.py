"""Which codes the guideline rules of chapters 4, 9, 15, 16, 18, 19 and 21 look at.

The engine calls an encounter rule only when some code of the encounter carries
one of the rule's flags, so each group of rules gets a flag here, set once per
code with its other facts (`facts._flags`).  The code lists are the
guidelines' own (the I.C.21.c.16 list of Z codes that are only first-listed)
or the tabular notes' (B95-B97, Z16: "for use as additional codes").
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..codeset.model import CodeSet

HYPERTENSION = 1 << 12  # I10-I13
HEART_KIDNEY = 1 << 13  # heart failure and the heart diseases of I.C.9.a.1, chronic kidney disease
WITHOUT = 1 << 14  # a title "without complications"
COMBINATION = HYPERTENSION | HEART_KIDNEY | WITHOUT
FIRST_ONLY = 1 << 15  # codes that may only be first-listed (I.C.21.c.16)
SECONDARY_ONLY = 1 << 16  # codes that are never first-listed
OBSTETRIC = 1 << 17  # chapter 15 and 16 codes, Z3A, Z37
CONSISTENCY = 1 << 18  # coma scale, BMI
INJURY_PHASE = 1 << 19  # a 7th character for the initial or a subsequent encounter

HYPERTENSIVE = ("I10", "I11", "I12", "I13")
HEART_FAILURE = "I50"
# I.C.9.a.1: heart conditions classified to I50.- or I51.4-I51.7, I51.89, I51.9 with hypertension.
HEART_DISEASE = ("I50", "I51.4", "I51.5", "I51.6", "I51.7", "I51.89", "I51.9")
CKD = "N18"
WITHOUT_COMPLICATIONS = re.compile(r"\bwithout complications?\b", re.IGNORECASE)

# I.C.21.c.16: "may only be reported as the principal/first-listed diagnosis" (with its exceptions).
FIRST_LISTED_ONLY = ("Z00", "Z01", "Z02", "Z04", "Z31.81", "Z31.83", "Z31.84", "Z33.2", "Z34", "Z38", "Z39",
                     "Z40", "Z42", "Z51.0", "Z51.1", "Z52", "Z76.1", "Z76.2", "Z99.12")
FIRST_LISTED_EXCEPT = ("Z00.6", "Z52.9")
# Codes the guidelines allow as secondary codes only, with the section that says so.
SECONDARY_ONLY_CODES = {
    "Z3A": "I.C.21.c.11: weeks of gestation give additional information about the pregnancy",
    "Z37": "I.C.21.c.11: the outcome of delivery is always a secondary code",
    "Z33.1": "I.C.21.c.3: pregnant state, incidental, is a secondary code only",
    "Z68": "I.C.21.c.3: a BMI code is assigned with its associated diagnosis",
}
_ADDITIONAL_NOTE = re.compile(r"\bfor use as (?:supplementary or )?additional codes?\b", re.IGNORECASE)

CORE_OBSTETRIC = ("O", "P", "Z3A", "Z37")
CONSISTENCY_PREFIXES = ("R40.2", "Z68")


def starts(code: str, prefixes: tuple[str, ...]) -> bool:
    return code.startswith(prefixes)


@lru_cache(maxsize=65536)
def without_complications(title: str) -> bool:
    return WITHOUT_COMPLICATIONS.search(title) is not None


def encounter_phase(code: str) -> int:
    """1 for an initial encounter, 2 for a subsequent one, 0 otherwise, from the 7th character.

    Wherever ICD-10-CM's 7th character is a letter (injuries, poisonings, pathological and
    stress fractures), A, B and C are initial encounters (closed or open fracture), S is
    the sequela and every other letter a subsequent encounter; digits (the eye, the
    fetus, the stage) are no encounter at all.
    """
    if len(code) < 8 or code[-1].isdigit():
        return 0
    last = code[-1]
    return 1 if last in "ABC" else 0 if last == "S" else 2


def first_listed_only(code: str) -> bool:
    return starts(code, FIRST_LISTED_ONLY) and not starts(code, FIRST_LISTED_EXCEPT)


def additional_note(codeset: CodeSet, node: int) -> str | None:
    """The tabular note saying the code is for use as an additional code (B95-B97, Z16), if any."""
    current = node
    while current >= 0:
        for kind, texts in codeset.own_notes(current):
            if kind == "notes":
                for text in texts:
                    match = _ADDITIONAL_NOTE.search(text)
                    if match:
                        return f"{codeset.display_name(current)}: \"{match.group(0)}\""
        current = codeset.parent_of(current)
    return None


def secondary_only(codeset: CodeSet, code: str, node: int) -> str | None:
    """Why the code is never first-listed: a guideline section or a tabular note; None if it may be."""
    for prefix, why in SECONDARY_ONLY_CODES.items():
        if code.startswith(prefix):
            return why
    note = additional_note(codeset, node)
    return f"the note at {note}" if note else None


def guideline_flags(codeset: CodeSet, code: str, node: int, title: str, seventh: str) -> int:
    flags = 0
    if starts(code, HYPERTENSIVE):
        flags |= HYPERTENSION
    if starts(code, HEART_DISEASE) or code.startswith(CKD):
        flags |= HEART_KIDNEY
    if without_complications(title):
        flags |= WITHOUT
    if first_listed_only(code):
        flags |= FIRST_ONLY
    if secondary_only(codeset, code, node):
        flags |= SECONDARY_ONLY
    if starts(code, CORE_OBSTETRIC):
        flags |= OBSTETRIC
    if starts(code, CONSISTENCY_PREFIXES):
        flags |= CONSISTENCY
    if seventh and encounter_phase(code):
        flags |= INJURY_PHASE
    return flags
