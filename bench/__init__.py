"""famibot benchmarks: ``python -m bench`` (or ``make bench``) starts the real stack and measures it.

Programs, not tests: they print figures and write them to ``bench/results/``. See docs/BENCHMARKS.md.
"""
