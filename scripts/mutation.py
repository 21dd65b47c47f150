#!/usr/bin/env python3
"""Mutation testing (mutmut 3) of the modules that hold the studio's invariants.

    .venv/bin/pip install -e ".[test,mutation]"
    .venv/bin/python scripts/mutation.py                     # every module, then the totals
    .venv/bin/python scripts/mutation.py --module sql        # one module
    .venv/bin/python scripts/mutation.py --module sql --retest   # run the surviving mutants again
    .venv/bin/python scripts/mutation.py --report            # only print the stored results
    .venv/bin/python scripts/mutation.py --survivors sql     # the diff of every surviving mutant

Not part of CI: a full run takes hours on two cores. Each module runs in its own folder,
``mutants/<module>/`` (git-ignored), holding links to studio/, tests/ and pyproject.toml: mutmut
copies them into ``mutants/<module>/mutants/``, mutates only that module's files there, and
runs only the tests listed for it below (of those, for each mutant only the tests that call
the mutated function). Results are kept between runs; ``--fresh`` starts the module over,
``--retest`` runs its surviving mutants again (after tests were added).

Job workers are separate processes (``python -m studio.jobs.worker``): PYTHONPATH points them
at the mutated copy, and they inherit the mutant to activate (MUTANT_UNDER_TEST) from the
test process, so a mutant in code only a worker runs is still tested. mutmut learns which
tests call which function only in the test process, though: a function called only inside
a worker counts as "no tests" here.

The killed share is (killed + timeout) / mutants, mutmut's own score (a mutant that makes a
test hang was detected), with the mutants listed in EQUIVALENT (which cannot change behaviour,
each with the reason) left out of both.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "mutants"

# module -> (files to mutate, the tests that exercise them)
MODULES: dict[str, tuple[list[str], list[str]]] = {
    "sql": (
        ["studio/sql.py"],
        ["tests/unit/test_sql.py", "tests/unit/test_cli_sql.py"],
    ),
    "versioned": (
        ["studio/versioned.py"],
        ["tests/unit/test_store_contract.py", "tests/unit/test_tables.py", "tests/unit/test_sources.py"],
    ),
    "jobs_store": (
        ["studio/jobs/_store.py"],
        ["tests/unit/test_jobs.py", "tests/unit/test_cli_jobs.py"],
    ),
    "consolidate": (
        [
            "studio/consolidate/_exact.py",
            "studio/consolidate/_normalize.py",
            "studio/consolidate/_units.py",
            "studio/consolidate/__init__.py",
        ],
        [
            "tests/unit/test_exact_dedupe.py",
            "tests/unit/test_normalize.py",
            "tests/unit/test_properties.py",
            "tests/unit/test_cli_consolidate.py",
        ],
    ),
    "fuzzy": (
        ["studio/consolidate/fuzzy/*"],
        ["tests/unit/test_fuzzy.py"],
    ),
}

# Surviving mutants that cannot change behaviour, by mutmut's name, with the reason.
EQUIVALENT: dict[str, str] = {}

STATUS = {  # mutmut's exit codes (mutmut.stats.status_by_exit_code), the ones we print
    1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped",
    36: "timeout", -24: "timeout", 24: "timeout", 152: "timeout", 255: "timeout", None: "not checked",
}

# Runs inside mutants/<module>/: mutmut's configuration from pyproject's [tool.mutmut], with
# this module's files and tests, then `mutmut run` (or the named mutants).
BOOT = """
import dataclasses, json, sys
import mutmut.configuration as configuration
import mutmut.__main__ as mutmut_main
only, tests, children, names = json.loads(sys.argv[1])
configuration._config = dataclasses.replace(
    configuration._load_config(), only_mutate=only, pytest_add_cli_args_test_selection=tests
)
mutmut_main.cli(["run", "--max-children", str(children), *names], standalone_mode=True)
"""


def prepare(module: str, fresh: bool) -> Path:
    folder = WORK / module
    if fresh and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("studio", "tests", "pyproject.toml"):
        link = folder / name
        if not link.is_symlink():
            link.symlink_to(Path("..") / ".." / name)
    return folder


def results(module: str) -> dict[str, str]:
    """mutant name -> status, from the meta files mutmut keeps beside the mutated copies."""
    out: dict[str, str] = {}
    for meta in sorted((WORK / module / "mutants").rglob("*.py.meta")):
        data = json.loads(meta.read_text())
        for name, code in data.get("exit_code_by_key", {}).items():
            out[name] = STATUS.get(code, "suspicious")
    return out


def run(module: str, children: int, names: list[str]) -> int:
    only, tests = MODULES[module]
    folder = prepare(module, fresh=False)
    env = {**os.environ, "PYTHONPATH": str(folder / "mutants")}  # job workers import the mutated copy
    payload = json.dumps([only, tests, children, names])
    return subprocess.call([sys.executable, "-c", BOOT, payload], cwd=folder, env=env)


def row(label: str, statuses: list[str]) -> tuple[str, int, int]:
    counts = Counter(statuses)
    total = len(statuses)
    detected = counts["killed"] + counts["timeout"]
    other = total - detected - counts["survived"]
    share = f"{100 * detected / total:5.1f} %" if total else "    -"
    print(f"{label:<14}{total:>8}{counts['killed']:>8}{counts['survived']:>9}{counts['timeout']:>8}{other:>20}   {share}")
    return label, total, detected


def report(modules: list[str]) -> None:
    print(f"\n{'module':<14}{'mutants':>8}{'killed':>8}{'survived':>9}{'timeout':>8}{'suspicious/no tests':>20}   killed share")
    every: list[str] = []
    for module in modules:
        statuses = [s for name, s in results(module).items() if name not in EQUIVALENT]
        every += statuses
        row(module, statuses)
    if len(modules) > 1:
        row("total", every)
    skipped = [name for name in EQUIVALENT if any(name in results(m) for m in modules)]
    if skipped:
        print(f"({len(skipped)} equivalent mutants left out; see EQUIVALENT in {Path(__file__).name})")


def survivors(module: str) -> list[str]:
    return [name for name, status in results(module).items() if status == "survived" and name not in EQUIVALENT]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", choices=sorted(MODULES), help="module to test (repeatable; default all)")
    parser.add_argument("--max-children", type=int, default=1, help="mutants tested at once (default 1)")
    parser.add_argument("--fresh", action="store_true", help="forget the module's stored results first")
    parser.add_argument("--retest", action="store_true", help="test the surviving mutants again")
    parser.add_argument("--report", action="store_true", help="only print the stored results")
    parser.add_argument("--survivors", metavar="MODULE", choices=sorted(MODULES), help="show each surviving mutant's diff")
    args = parser.parse_args()
    modules = args.module or list(MODULES)
    if args.survivors:
        folder = WORK / args.survivors
        for name in survivors(args.survivors):
            subprocess.call([sys.executable, "-m", "mutmut", "show", name], cwd=folder)
        return 0
    if not args.report:
        for module in modules:
            if args.fresh:
                prepare(module, fresh=True)
            names = survivors(module) if args.retest else []
            if args.retest and not names:
                continue
            code = run(module, args.max_children, names)
            if code != 0:
                print(f"mutmut stopped with exit status {code} on {module}", file=sys.stderr)
                return code
    report(modules)
    return 0


if __name__ == "__main__":
    sys.exit(main())
