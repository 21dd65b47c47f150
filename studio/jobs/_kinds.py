"""Which function runs each job kind: dotted paths, imported only inside the worker, so the
jobs package depends on no stage.

Extra kinds (plugins, or test helpers) come from ``STUDIO_JOB_KINDS``:
``kind=module:function`` pairs separated by commas. The function is called as
``function(context, workspace, **params)`` and returns a JSON-able dict.
"""

import os

BUILTIN_JOB_KINDS: dict[str, str] = {
    "source.add_file": "studio.sources._jobs:add_file_job",
    "source.add_database": "studio.sources._jobs:add_database_job",
    "source.profile": "studio.tables._store:profile_job",
    "dataset.profile": "studio.tables._store:profile_job",
    "consolidate.run": "studio.datasets._jobs:run_recipe_job",
    "consolidate.score_fuzzy": "studio.datasets._review:score_fuzzy_job",
    "demo.build": "studio.demo:build_demo_job",
}


def job_kinds() -> dict[str, str]:
    extra = {}
    for pair in filter(None, (p.strip() for p in os.environ.get("STUDIO_JOB_KINDS", "").split(","))):
        kind, _, target = pair.partition("=")
        if kind and ":" in target:
            extra[kind.strip()] = target.strip()
    return {**BUILTIN_JOB_KINDS, **extra}
