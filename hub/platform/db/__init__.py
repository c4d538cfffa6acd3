"""Database access: the engine (embedded PostgreSQL or DATABASE_URL) and migrations."""
