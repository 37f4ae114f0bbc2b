"""Whole-process CPU time of `pbengine rules` and `--help`, now and with what they once loaded.

    .venv/bin/python bench/startup.py [--repeat 15] [--before REV]

Each row starts a fresh interpreter `--repeat` times and reports the median
user+system CPU time of the child (getrusage), so the figures do not depend
on how busy the other core is. Rows:

- `python -c pass`: the interpreter alone, the floor no command can go under.
- `pbengine rules`: the command as it is now.
- `pbengine --help`: the parser alone, no command run.
- `pbengine rules, pydantic's documents imported first`: the same command with
  pbengine.formats.fairness_document (pydantic and its models) imported before
  it runs, which is what every command paid while the start-up set the presets
  folder and the listing validated each preset through that module.
- `pbengine rules, OR-Tools imported first`: the same with
  `ortools.sat.python.cp_model` imported before it runs, which is what every
  command paid while the solver module imported OR-Tools at the top.
- with `--before REV`: `pbengine rules` from that commit's `pbengine/`
  (extracted with `git archive` into a temporary directory), the true baseline.

The ratio is each row's median over the `pbengine rules` median.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RULES = "from pbengine.cli.main import main; raise SystemExit(main(['rules']))"
HELP = "from pbengine.cli.main import main; raise SystemExit(main(['--help']))"
PYDANTIC = "import pbengine.formats.fairness_document; " + RULES
EAGER = "import ortools.sat.python.cp_model; " + RULES


def child_cpu(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env, cwd=cwd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median_cpu(code: str, repeat: int, pythonpath: str | None = None) -> float:
    env, cwd = dict(os.environ), ROOT
    if pythonpath is not None:
        # `-c` puts the working directory first on sys.path, ahead of the editable install.
        env["PYTHONPATH"], cwd = pythonpath, Path(pythonpath)
    argv = [sys.executable, "-c", code]
    child_cpu(argv, env, cwd)  # warm the file cache
    return statistics.median(child_cpu(argv, env, cwd) for _ in range(repeat))


def extract(rev: str, into: Path) -> None:
    archive = subprocess.run(
        ["git", "archive", "--format=tar", rev, "pbengine"],
        check=True,
        capture_output=True,
        cwd=ROOT,
    ).stdout
    with tempfile.TemporaryFile() as handle:
        handle.write(archive)
        handle.seek(0)
        with tarfile.open(fileobj=handle) as tar:
            tar.extractall(into, filter="data")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--before", metavar="REV", help="also time pbengine rules at this commit")
    args = parser.parse_args()
    now = median_cpu(RULES, args.repeat)
    rows = [
        ("python -c pass", median_cpu("pass", args.repeat)),
        ("pbengine rules", now),
        ("pbengine --help", median_cpu(HELP, args.repeat)),
        ("pbengine rules, pydantic's documents imported first", median_cpu(PYDANTIC, args.repeat)),
        ("pbengine rules, OR-Tools imported first", median_cpu(EAGER, args.repeat)),
    ]
    if args.before:
        with tempfile.TemporaryDirectory() as tmp:
            extract(args.before, Path(tmp))
            rows.append((f"pbengine rules at {args.before}", median_cpu(RULES, args.repeat, tmp)))
    print(f"whole-process CPU time, median of {args.repeat} runs")
    for label, seconds in rows:
        print(f"{label:52} {seconds:6.3f} s  {seconds / now:5.2f}x of pbengine rules")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
