"""Persistence: SQLModel tables (db.models), engine and migrations (db.engine), import and audit."""
