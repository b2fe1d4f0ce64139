"""Which codes the guideline rules of chapters 4, 9, 15, 16, 18, 19 and 21 look at.

The engine calls an encounter rule only when some code of the encounter carries
one of the rule's flags, so each group of rules gets a flag here, set once per
code with its other facts (`facts._flags`).  The code lists are the
guidelines' own (the I.C.21.c.16 list of Z codes that are only first-listed)
or the tabular notes' (B95-B97, Z16: "for use as additional codes").
"""

from __future__ import annotations

import re

from ..codeset.model import CodeSet

COMBINATION = 1 << 12  # hypertension, heart failure, CKD; codes titled "without complications"
LISTING = 1 << 13  # codes that are only first-listed, or never first-listed
OBSTETRIC = 1 << 14  # chapter 15 and 16 codes, Z3A, Z37
CONSISTENCY = 1 << 15  # injuries with an encounter 7th character, coma scale, BMI

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
SECONDARY_ONLY = {
    "Z3A": "I.C.21.c.11: weeks of gestation give additional information about the pregnancy",
    "Z37": "I.C.21.c.11: the outcome of delivery is always a secondary code",
    "Z33.1": "I.C.21.c.3: pregnant state, incidental, is a secondary code only",
    "Z68": "I.C.21.c.3: a BMI code is assigned with its associated diagnosis",
}
_ADDITIONAL_NOTE = re.compile(r"\bfor use as (?:supplementary or )?additional codes?\b", re.IGNORECASE)

CORE_OBSTETRIC = ("O", "P", "Z3A", "Z37")
CONSISTENCY_PREFIXES = ("R40.2", "Z68")


def starts(code: str, prefixes) -> bool:
    return code.startswith(tuple(prefixes))


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
    for prefix, why in SECONDARY_ONLY.items():
        if code.startswith(prefix):
            return why
    note = additional_note(codeset, node)
    return f"the note at {note}" if note else None


def guideline_flags(codeset: CodeSet, code: str, node: int, title: str, seventh: str) -> int:
    flags = 0
    if starts(code, HYPERTENSIVE) or starts(code, HEART_DISEASE) or code.startswith(CKD) \
            or WITHOUT_COMPLICATIONS.search(title):
        flags |= COMBINATION
    if first_listed_only(code) or secondary_only(codeset, code, node):
        flags |= LISTING
    if starts(code, CORE_OBSTETRIC):
        flags |= OBSTETRIC
    if seventh or starts(code, CONSISTENCY_PREFIXES):
        flags |= CONSISTENCY
    return flags
