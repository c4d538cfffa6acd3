"""Import every model module so the metadata knows all tables (Alembic, tests)."""
