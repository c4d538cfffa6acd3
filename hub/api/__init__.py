"""The REST API (FastAPI): app factory, dependencies, versioned routers under /api/v1."""
