"""The fairness presets, shipped inside pbengine as `pbengine.presets` (see setup.py).

This file only makes the folder a package for that; councils copy the *.toml files.
"""
