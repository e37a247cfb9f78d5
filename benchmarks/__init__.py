"""Benchmarks: ``python -m benchmarks`` runs every ``bench_*.py`` module's ``main()``.

Figures are printed, never asserted (the tests do not time anything).
"""
