"""Worker entry point: ``python -m studio.jobs.worker --workspace DIR JOB_ID``."""

import argparse
import sys

from studio.jobs._runner import run_job
from studio.workspace import Workspace


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="studio-worker")
    parser.add_argument("--workspace", required=True)
    parser.add_argument("job_id", type=int)
    args = parser.parse_args(argv)
    return run_job(Workspace.open(args.workspace), args.job_id)


if __name__ == "__main__":
    sys.exit(main())
