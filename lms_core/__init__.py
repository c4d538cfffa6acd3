"""Sangam's lending domain.

The calculation modules here are pure: they import only the standard library and
``lms_core`` itself, take immutable inputs and return new values. Persistence lives in
the separate sub-package :mod:`lms_core.persistence`; an import-linter contract keeps the
rest free of database, web and HTTP libraries.
"""

__version__ = "0.1.0"
