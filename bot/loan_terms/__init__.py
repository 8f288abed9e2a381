"""Loan terms: what a credit costs and how it is paid (rate, months, fees, an indicative instalment).

Pure functions over data/prequal_rules.yml (each product's ``terms``) and data/loan_terms.yml (the
words): ``terms`` holds the validated figures, ``instalment`` the French amortisation, ``question``
reads what was asked, ``answer`` chooses the product and writes the reply.
"""
