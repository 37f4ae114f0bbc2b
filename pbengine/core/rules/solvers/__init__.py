"""Exact solvers. This package is the only place that imports OR-Tools."""
