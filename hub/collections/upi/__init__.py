"""UPI AutoPay: mandates through a PSP, pre-debit notices, debits, and the PSP's webhooks.

* :mod:`formats.upi.autopay_events`: the canonical event every PSP dialect maps to (mappings/).
* :mod:`hub.collections.upi.rules`: the rules as data and pure functions (24 h notice, one
  debit per cycle, retries, the additional-authentication limit, event ordering).
* :mod:`hub.collections.upi.mandates`, :mod:`hub.collections.upi.debits`: the services
  (never commit).
* :mod:`hub.collections.upi.webhooks`: the inbox handler for PSP webhooks.
* :mod:`hub.collections.upi.tasks`: the daily job that debits the cycles due.

Mandates live in the shared registry (:mod:`hub.collections.mandates`); the UPI-only
detail is in ``lms_core.persistence.collections.upi_models``.
"""
