"""The inbox: everything received is stored raw, deduplicated, then applied exactly once.

:mod:`hub.inbox.service` receives and processes, :mod:`hub.inbox.handlers` defines how a
document kind is applied, :mod:`hub.inbox.staged_csv` is the generic CSV handler.
"""
