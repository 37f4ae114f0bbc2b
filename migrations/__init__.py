"""The Alembic scripts, shipped inside pbengine as `pbengine.store.migrations` (see setup.py)."""
