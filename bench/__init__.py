"""Benchmarks: each times Kavshiri's code against a hand-written baseline in the same run.

Run one as a module, e.g. `python -m bench.revenue`; see bench/README.md.
"""
