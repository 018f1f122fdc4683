"""Circles of trusted allies: circle add|list|remove."""

from __future__ import annotations

from pathlib import Path

import click

from node.cli.base import cli_who, data_dir_option, main, run, settings_for, with_runtime
from node.federation.runtime import Runtime
from node.solidarity import organisations


@main.group()
def circle() -> None:
    """Circles: named lists of trusted allies, the audience of circle calls."""


@circle.command("add")
@data_dir_option
@click.argument("org_name", metavar="ORG")
@click.argument("name")
@click.argument("actors", metavar="ACTOR...", nargs=-1, required=True)
@click.pass_context
def circle_add(
    ctx: click.Context, data_dir: Path | None, org_name: str, name: str, actors: tuple[str, ...]
) -> None:
    """Put ACTORs (name@host or URL) in ORG's circle NAME, making the circle if needed."""
    from node.solidarity import circles

    async def work(node: Runtime) -> tuple[str, ...]:
        org = await organisations.get(node.db, org_name)
        made, _ = await circles.add(node, org, name, list(actors), who=cli_who())
        return made.members

    members = run(with_runtime(settings_for(ctx, data_dir), work))
    click.echo(f"{name}\t{' '.join(members)}")


@circle.command("list")
@data_dir_option
@click.argument("org_name", metavar="ORG")
@click.pass_context
def circle_list(ctx: click.Context, data_dir: Path | None, org_name: str) -> None:
    """List ORG's circles: name, then its members separated by spaces."""
    from node.solidarity import circles

    async def work(node: Runtime) -> list[str]:
        found = await circles.of(node, await organisations.get(node.db, org_name))
        return [f"{c.name}\t{' '.join(c.members)}" for c in found]

    for line in run(with_runtime(settings_for(ctx, data_dir), work)):
        click.echo(line)


@circle.command("remove")
@data_dir_option
@click.argument("org_name", metavar="ORG")
@click.argument("name")
@click.argument("actors", metavar="[ACTOR...]", nargs=-1)
@click.pass_context
def circle_remove(
    ctx: click.Context, data_dir: Path | None, org_name: str, name: str, actors: tuple[str, ...]
) -> None:
    """Take ACTORs out of ORG's circle NAME; without ACTOR, delete the circle."""
    from node.solidarity import circles

    async def work(node: Runtime) -> str:
        org = await organisations.get(node.db, org_name)
        if not actors:
            await circles.delete(node, org, name, who=cli_who())
            return f"Deleted circle {name}."
        changed = await circles.remove_members(node, org, name, list(actors), who=cli_who())
        return f"{name}\t{' '.join(changed.members)}"

    click.echo(run(with_runtime(settings_for(ctx, data_dir), work)))
