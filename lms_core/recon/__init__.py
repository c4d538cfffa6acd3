"""Reconciliation's pure core: rules as data, the matching engine, break reasons.

Stdlib and lms_core only (import-linter keeps it so). The hub loads open items, calls
:func:`lms_core.recon.engine.plan_matches`, and claims what it returns in the database.
"""
