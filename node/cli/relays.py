"""Relays the node's instance actor subscribes to: relay add|remove|list."""

from __future__ import annotations

from pathlib import Path

import click

from node.cli.base import data_dir_option, main, run, settings_for, with_runtime
from node.federation.runtime import Runtime
from node.storage.relays import Relay


def line(relay: Relay) -> str:
    return f"{relay.inbox_url}\t{relay.state}\t{relay.style}\t{relay.actor_iri or '-'}"


@main.group()
def relay() -> None:
    """Relays: public calls go to them, and what they pass on arrives here."""


@relay.command("add")
@data_dir_option
@click.argument("url")
@click.option(
    "--style",
    type=click.Choice(["auto", "mastodon", "litepub"]),
    default="auto",
    show_default=True,
    help="mastodon: URL is the relay's inbox; litepub: URL is its actor; "
    "auto: an URL ending in /inbox is mastodon.",
)
@click.pass_context
def relay_add(ctx: click.Context, data_dir: Path | None, url: str, style: str) -> None:
    """Subscribe to the relay at URL (the instance actor sends it a Follow)."""
    from node.federation import relays

    async def work(node: Runtime) -> Relay:
        return await relays.add(node, url, style)

    made = run(with_runtime(settings_for(ctx, data_dir), work))
    click.echo(line(made))


@relay.command("remove")
@data_dir_option
@click.argument("url")
@click.pass_context
def relay_remove(ctx: click.Context, data_dir: Path | None, url: str) -> None:
    """Unsubscribe from the relay at URL (its inbox or actor, as `relay list` shows)."""
    from node.federation import relays

    async def work(node: Runtime) -> Relay:
        return await relays.remove(node, url)

    gone = run(with_runtime(settings_for(ctx, data_dir), work))
    click.echo(f"Removed relay {gone.inbox_url}.")


@relay.command("list")
@data_dir_option
@click.pass_context
def relay_list(ctx: click.Context, data_dir: Path | None) -> None:
    """List relays: inbox, state (pending, accepted, rejected), style, relay actor."""
    from node.federation import relays

    async def work(node: Runtime) -> list[Relay]:
        return await relays.listed(node)

    for found in run(with_runtime(settings_for(ctx, data_dir), work)):
        click.echo(line(found))
