"""The transactional outbox: messages written with the business change, delivered later.

:mod:`hub.integration.outbox.service` enqueues and replays,
:mod:`hub.integration.outbox.worker` delivers with retries per
:mod:`hub.integration.outbox.policy`.
"""
