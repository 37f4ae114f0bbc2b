"""Storage adapter: SQLModel tables, migrations and repositories.

It depends on the core; the core never depends on it.
"""
