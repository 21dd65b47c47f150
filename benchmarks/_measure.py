"""What every benchmark here shares: run a contender in its own process and measure its wall
time, CPU time and peak memory; keep the best of several runs."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

READ_BLOCK = 16 * 1024 * 1024

# The launcher: runs a command and writes its wall seconds, CPU seconds and peak RSS to the file
# named first. A child's ru_maxrss starts at the high-water mark of the process that spawned it
# (Linux carries it over at exec), so contenders are spawned from this small process, not from
# the benchmark, whose memory grows while it generates data.
MEASURE = """\
import json, os, sys, time
result, argv = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - started
with open(result, "w") as handle:
    json.dump({"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_rss_kb": usage.ru_maxrss}, handle)
sys.exit(os.waitstatus_to_exitcode(status))
"""


@dataclass(frozen=True)
class Measurement:
    """One run of one contender."""

    seconds: float
    cpu_seconds: float
    peak_rss_kb: int


@dataclass
class Outcome:
    """All runs of one contender: the best (minimum) time, the highest peak memory."""

    name: str
    runs: list[Measurement] = field(default_factory=list)
    details: list[dict[str, Any]] = field(default_factory=list)

    @property
    def best(self) -> int:
        return min(range(len(self.runs)), key=lambda i: self.runs[i].seconds)

    @property
    def best_seconds(self) -> float:
        return self.runs[self.best].seconds

    @property
    def best_cpu_seconds(self) -> float:
        return min(run.cpu_seconds for run in self.runs)

    @property
    def peak_mb(self) -> float:
        return max(run.peak_rss_kb for run in self.runs) / 1024


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def warm_page_cache(path: Path) -> None:
    with open(path, "rb") as handle:
        while handle.read(READ_BLOCK):
            pass


def run_measured(command: list[str], scratch: Path, cwd: Path | None = None) -> tuple[Measurement, str]:
    """Run ``command``; return its measurement and stdout. Fails on a non-zero exit."""
    result = scratch / "measure.json"
    completed = subprocess.run([sys.executable, "-c", MEASURE, str(result), *command], capture_output=True, text=True, cwd=cwd)
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])[:200]} ... failed with exit code {completed.returncode}:\n{completed.stderr.strip()[-3000:]}")
    measured = Measurement(**json.loads(result.read_text()))
    result.unlink()
    return measured, completed.stdout


def data_is_current(path: Path, marker: Path, facts: dict[str, Any]) -> bool:
    """Whether a generated data file is there and was made with these ``facts`` (rows, seed,
    generator version) and its recorded size, so it can be reused instead of regenerated."""
    if not path.exists() or not marker.exists():
        return False
    recorded = json.loads(marker.read_text())
    return all(recorded.get(key) == value for key, value in {**facts, "bytes": path.stat().st_size}.items())


def write_data_marker(path: Path, marker: Path, facts: dict[str, Any]) -> None:
    marker.write_text(json.dumps({**facts, "bytes": path.stat().st_size}) + "\n")
