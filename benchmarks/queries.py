"""Twenty queries of the kind coders type when they know the condition, not the code.

Shared by the word-search and completion benchmarks.  Abbreviations, word
prefixes, a typo-free mix of anatomy, laterality and encounter words.
"""

SEARCH_QUERIES = [
    "diabetes ckd",
    "copd exacerbation",
    "sprain jaw initial",
    "acne",
    "nail disorder",
    "sepsis",
    "chf acute on chronic",
    "pneumonia unspecified organism",
    "uti",
    "afib",
    "fx radius left initial",
    "low back pain",
    "hypertensive heart disease",
    "major depressive disorder recurrent",
    "otitis media right ear",
    "migraine without aura",
    "dog bite hand",
    "pregnancy first trimester",
    "gerd esophagitis",
    "osteoarthritis knee bilateral",
]
