"""pbengine: participatory budgeting rounds, allocated by exact, explained rules."""

__version__ = "0.1.0"
