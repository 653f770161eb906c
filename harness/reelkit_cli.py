"""The `reelkit` console script: one entry point grouping the kit's command-line tools."""

from __future__ import annotations

import click

from mockprovider.cli import cli as mock_cli

from .cli import cli as harness_cli


@click.group()
@click.version_option(package_name="reelkit")
def cli() -> None:
    """reelkit: a mock Responses API, a Codex app-server, and record/replay for agent tests."""


cli.add_command(mock_cli, name="mock")
for name, command in harness_cli.commands.items():
    cli.add_command(command, name=name)


def main() -> None:
    cli(prog_name="reelkit")
