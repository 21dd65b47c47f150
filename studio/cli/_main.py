"""The ``studio`` command group. Each stage is one module of this package with a ``COMMANDS``
tuple (its click groups and commands); naming the module in ``STAGES`` registers them."""

import click

from studio.cli import app, consolidate, datasets, features, jobs, registry, settings, sources, sql, training
from studio.cli._common import StudioGroup

STAGES = (app, sources, consolidate, datasets, features, training, registry, jobs, sql, settings)


@click.group(cls=StudioGroup)
@click.version_option(package_name="studio")
def main() -> None:
    """Studio: sources to served, monitored models, on one machine."""


for _stage in STAGES:
    for _command in _stage.COMMANDS:
        main.add_command(_command)
