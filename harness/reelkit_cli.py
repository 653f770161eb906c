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


@cli.command("app-server", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def app_server(ctx: click.Context) -> None:
    """Run the app-server on stdio (same as `python -m server`)."""
    from server.cli import cli as server_cli

    server_cli.main(args=ctx.args, prog_name="reelkit app-server")


for name, command in harness_cli.commands.items():
    cli.add_command(command, name=name)


def main() -> None:
    cli(prog_name="reelkit")
