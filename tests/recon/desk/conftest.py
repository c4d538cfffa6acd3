"""The break desk's tests use the dashboard fixtures of tests/support (root conftest)."""
