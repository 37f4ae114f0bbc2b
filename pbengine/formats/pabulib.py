"""Read and write the pabulib `.pb` format (pabulib.org/format).

The reader (pabulib_reader.py) tolerates what real files contain and names the
line of anything it cannot make sense of; the writer is pabulib_writer.py. The
rest of pbengine imports both from here.

META entries that have a typed home in `Election` (budget, vote type, rule,
ballot limits, score threshold) move there; the counts `num_projects` and
`num_votes` are derived from the data and written back from it; every other
entry stays in `Election.meta` as text.

A project's `votes`, `score` and `selected` columns (the city's own results)
are kept as plain attributes for writing back and for `verify`; no rule reads
them (tests/real/test_verify_honesty.py strips them and compares outcomes).
"""

from __future__ import annotations

from pbengine.formats.pabulib_layout import SECTIONS
from pbengine.formats.pabulib_reader import (
    PabulibError,
    PabulibStream,
    exclusive_sets_from_comment,
    read_file,
    read_stream,
    read_text,
)
from pbengine.formats.pabulib_writer import write_file, write_text

__all__ = [
    "SECTIONS",
    "PabulibError",
    "PabulibStream",
    "exclusive_sets_from_comment",
    "read_file",
    "read_stream",
    "read_text",
    "write_file",
    "write_text",
]
