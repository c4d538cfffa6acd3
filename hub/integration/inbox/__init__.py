"""The inbox: everything received is stored raw, deduplicated, then applied exactly once.

:mod:`hub.integration.inbox.service` receives and processes,
:mod:`hub.integration.inbox.handlers` defines how a document kind is applied,
:mod:`hub.integration.inbox.staged_csv` is the generic CSV handler.
"""
