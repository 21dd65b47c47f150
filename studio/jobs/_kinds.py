"""Which function runs each job kind. Dotted paths, imported only inside the worker, so the
jobs package depends on no stage."""

JOB_KINDS: dict[str, str] = {
    "source.add_file": "studio.sources._jobs:add_file_job",
    "source.add_database": "studio.sources._jobs:add_database_job",
    "source.profile": "studio.sources._jobs:profile_job",
    "demo.build": "studio.demo:build_demo_job",
}
