"""The ICD-10-CM code sets: CMS files in, a queryable model out.

Everything here speaks of codes, titles, notes and fiscal years only; it knows
nothing of encounter files, rules or editors, which all build on it.
"""
