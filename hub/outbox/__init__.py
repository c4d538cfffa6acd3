"""The transactional outbox: messages written with the business change, delivered later.

:mod:`hub.outbox.service` enqueues and replays, :mod:`hub.outbox.worker` delivers with
retries per :mod:`hub.outbox.policy`.
"""
