"""Servicing services: load, call the pure core (lms_core.loans), save. Never commit."""
