"""Reconciliation: expected vs actual movements through escrow, matching runs and breaks.

See :mod:`hub.recon.expected` (the expected side), :mod:`hub.recon.ingest` (statements and
the UTR feed, the actual side), :mod:`hub.recon.run` (a matching run) and
:mod:`lms_core.recon` (the pure matching engine and its rules).
"""
