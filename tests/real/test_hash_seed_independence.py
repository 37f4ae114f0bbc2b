"""An allocation must not depend on Python's hash seed: the same election and rules give the
same result document (notes included, since its hash is the round's result hash) in every
process. Max-welfare once built its solver model from a set, so the solve count in its note
varied with the seed on this election (21 or 22)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import shared_elections

PROGRAM = """
import sys
from fractions import Fraction
from pbengine.core.fairness.enforce import allocate_fairly
from pbengine.core.fairness.spec import Amount, FairnessSpec
from pbengine.formats.pabulib import read_file

e = read_file(sys.argv[1])
ids = list(e.project_ids)
cats = sorted({c for p in e.projects for c in p.categories})
spec = FairnessSpec(
    "max-welfare",
    category_floors={c: Amount(Fraction(1, 8), True) for c in cats[:2]},
    category_caps={c: Amount(Fraction(1, 6), True) for c in cats[2:4]},
    min_voter_share=Fraction(1, 50),
    exclusive=(frozenset(ids[:2]),),
    together=(frozenset(ids[2:4]), frozenset(ids[3:5])),
)
outcome = allocate_fairly(e, spec).outcome
print(outcome.selected, outcome.notes)
"""


def test_max_welfare_with_constraints_is_the_same_under_every_hash_seed() -> None:
    path = shared_elections() / "Worldwide_Mechanical_Turk_k_approval_7.pb"
    answers = set()
    for seed in ("0", "1", "2", "3"):
        done = subprocess.run(
            [sys.executable, "-c", PROGRAM, str(path)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        answers.add(done.stdout)
    assert len(answers) == 1, answers
