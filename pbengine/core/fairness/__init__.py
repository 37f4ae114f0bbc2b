"""Fairness rules: constraints on what an allocation may fund, enforced and reported.

`spec` says what a council asked for; `resolve` turns it into amounts for one
election; `enforce` runs a rule under those constraints; `equalities` reports
who the result serves.
"""
