"""Fairness rules: constraints on what an allocation may fund, enforced and reported.

`spec` says what a council asked for; `resolve` turns it into amounts for one
election, each kind of setting in its own module (`districts`, `thresholds`,
`turnout`, `outcome_shares`); `enforce` runs a rule under those constraints
(`greedy_fair` for the greedy family, `rerun` and `culprits` for rules that
cannot steer spending); `preflight` checks a round's rules before its vote;
`equalities` reports who the result serves.
"""
