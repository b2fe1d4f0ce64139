"""Benchmarks of icd10ls against the tools a coder would otherwise use (see README.md).

Run them with `make bench`; they never run in the test suite.
"""
