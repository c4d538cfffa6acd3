"""Loan servicing rules, as pure functions: products, classification, the loan day."""
