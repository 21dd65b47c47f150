"""Job kinds: each stage declares its kinds next to their functions, as ``JOB_KINDS`` in its
``_jobs.py``: a name, a dataclass of typed parameters and the function. The jobs package only
collects them from the modules it is given (the workspace names its stages' modules), by
name, so it depends on no stage; a kind's module is imported only when a job of it is
submitted or run.

Extra modules (plugins, test helpers) come from ``STUDIO_JOB_MODULES``: module names separated
by commas; a kind there replaces a built-in kind of the same name.
"""

import dataclasses
import importlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from studio.errors import StudioError


@dataclass(frozen=True)
class JobKind:
    """A kind of job: ``run(context, workspace, params)`` returns a JSON-able dict."""

    name: str
    params: type[Any]  # a dataclass: the job's parameters, stored as JSON with the job
    run: Callable[..., dict[str, Any]]

    def parse(self, params: Any) -> Any:
        """``params`` (a dict or the dataclass) as the dataclass; a one-line error when a
        parameter is unknown or missing."""
        if isinstance(params, self.params):
            return params
        if not isinstance(params, dict):
            raise StudioError(f"job {self.name}: parameters must be a mapping, not {type(params).__name__}")
        known = {f.name for f in dataclasses.fields(self.params)}
        unknown = sorted(set(params) - known)
        if unknown:
            raise StudioError(f"job {self.name}: unknown parameter {unknown[0]!r}; it takes {', '.join(sorted(known)) or 'none'}")
        try:
            return self.params(**params)
        except TypeError as exc:
            raise StudioError(f"job {self.name}: {exc}") from None

    def as_json(self, params: Any) -> dict[str, Any]:
        return dataclasses.asdict(self.parse(params))


def collect_job_kinds(modules: Sequence[str]) -> dict[str, JobKind]:
    """Every kind declared by ``modules`` and by ``STUDIO_JOB_MODULES``, by name."""
    extra = [m.strip() for m in os.environ.get("STUDIO_JOB_MODULES", "").split(",") if m.strip()]
    kinds: dict[str, JobKind] = {}
    for module in [*modules, *extra]:
        for kind in importlib.import_module(module).JOB_KINDS:
            kinds[kind.name] = kind
    return kinds
