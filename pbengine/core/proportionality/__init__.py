"""Proportionality checks on an outcome, each named after the literature (one per module)."""
