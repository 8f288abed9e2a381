"""Loans in: the core banking system's schedule (CSV file or JSON rows) parsed, checked and upserted.

Pure parts: ``fields`` (one value), ``rows`` (one row into a typed record), ``csv_file`` (a whole file),
``consistency`` (rows that contradict each other), ``shift`` (dev/test: dates around today). The
database work is ``bot/db/loans.py``; ``importer`` ties them together for the CLI and ``POST /api/loans``.
See docs/LOANS.md.
"""
