"""Persistence: SQLAlchemy models and repository modules (all SQL lives here).

This is the one part of ``lms_core`` allowed to import SQLAlchemy. Services receive a
session and never commit; the request or job boundary does.
"""
