"""Loan pre-qualification: pure parsing, matching and rules."""
