"""Persistence: SQLModel tables, async sessions, Alembic migrations, queries."""
