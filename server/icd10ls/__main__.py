"""`python -m icd10ls` runs the command line."""

from .cli import run

run()
