"""Servicing services: load, call the pure core (lms_core.servicing), save. Never commit."""
