"""Allies and their amplification policies: ally add|list|remove."""

from __future__ import annotations

from pathlib import Path

import click

from node.cli.base import (
    cli_who,
    data_dir_option,
    main,
    run,
    settings_for,
    with_runtime,
)
from node.federation.runtime import Runtime
from node.solidarity import organisations


@main.group()
def ally() -> None:
    """Allies of an organisation: whose calls it amplifies, and how."""


@ally.command("add")
@data_dir_option
@click.argument("org_name", metavar="ORG")
@click.argument("actor")
@click.option(
    "--amplify",
    type=click.Choice(["never", "manual", "auto", "urgent"]),
    default="manual",
    show_default=True,
)
@click.option("--region", "regions", multiple=True, help="Only calls for this region.")
@click.option("--theme", "themes", multiple=True, help="Only calls on this theme.")
@click.option("--circle", default=None, help="Pass this ally's circle calls on to this circle.")
@click.pass_context
def ally_add(
    ctx: click.Context,
    data_dir: Path | None,
    org_name: str,
    actor: str,
    amplify: str,
    regions: tuple[str, ...],
    themes: tuple[str, ...],
    circle: str | None,
) -> None:
    """Make ACTOR (name@host or URL) an ally of ORG, following it if needed."""
    from node.solidarity import allies

    body = {
        "amplify": amplify,
        "regions": list(regions),
        "themes": list(themes),
        "circle": circle,
    }

    async def work(node: Runtime) -> str:
        org = await organisations.get(node.db, org_name)
        made, _ = await allies.add(node, org, actor, allies.policy_from(body), who=cli_who())
        return f"{made.id}\t{made.ally_iri}\t{made.amplify}"

    click.echo(run(with_runtime(settings_for(ctx, data_dir), work)))


@ally.command("list")
@data_dir_option
@click.argument("org_name", metavar="ORG")
@click.pass_context
def ally_list(ctx: click.Context, data_dir: Path | None, org_name: str) -> None:
    """List ORG's allies: id, actor, policy, regions, themes, circle passed on to."""
    from node.solidarity import allies

    async def work(node: Runtime) -> list[str]:
        org = await organisations.get(node.db, org_name)
        found = await allies.of(node, org)
        names = await allies.circle_names(node, org)
        return [
            f"{a.id}\t{a.ally_iri}\t{a.amplify}\t{','.join(a.regions)}\t{','.join(a.themes)}"
            f"\t{names.get(a.circle_id, '') if a.circle_id is not None else ''}"
            for a in found
        ]

    for line in run(with_runtime(settings_for(ctx, data_dir), work)):
        click.echo(line)


@ally.command("remove")
@data_dir_option
@click.argument("org_name", metavar="ORG")
@click.argument("ally_id", metavar="ID", type=int)
@click.pass_context
def ally_remove(ctx: click.Context, data_dir: Path | None, org_name: str, ally_id: int) -> None:
    """Stop amplifying ally ID of ORG (the follow stays)."""
    from node.solidarity import allies

    async def work(node: Runtime) -> None:
        org = await organisations.get(node.db, org_name)
        await allies.remove(node, org, ally_id, who=cli_who())

    run(with_runtime(settings_for(ctx, data_dir), work))
    click.echo(f"Removed ally {ally_id}.")
