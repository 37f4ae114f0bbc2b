"""Packaging that pyproject.toml cannot say: two top-level folders ship inside the package.

The fairness presets stay in rules/ (councils copy them from there) and the Alembic scripts
in migrations/ (`alembic -c migrations/alembic.ini`), yet an installed pbengine must find
both through importlib.resources, from any working directory. setuptools' package_dir maps
them to `pbengine.presets` and `pbengine.store.migrations`, in editable installs as in
wheels. It is here rather than in pyproject.toml because a mapped package cannot be combined
with automatic discovery there, and a hand-kept list of packages would silently leave a new
one out of wheels (editable installs, which the tests use, would not notice).
"""

from setuptools import find_packages, setup

SHIPPED_FOLDERS = {"pbengine.presets": "rules", "pbengine.store.migrations": "migrations"}

setup(
    packages=[*find_packages(include=["pbengine", "pbengine.*"]), *SHIPPED_FOLDERS],
    package_dir=SHIPPED_FOLDERS,
)
