"""Sangam integration hub: transports, inbox/outbox, jobs, reconciliation and the API."""
