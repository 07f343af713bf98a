"""Persistence: SQLAlchemy models, the UTC datetime type, engine and session, queries."""
