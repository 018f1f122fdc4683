"""Organisations: org create|update|list (their API tokens: node.cli.tokens)."""

from __future__ import annotations

from pathlib import Path

import click

from node.cli.base import (
    cli_who,
    data_dir_option,
    main,
    run,
    settings_for,
    with_db,
    with_runtime,
)
from node.clock import SystemClock
from node.federation.runtime import Runtime
from node.solidarity import organisations
from node.urls import Urls


@main.group()
def org() -> None:
    """Manage the organisations hosted on this node."""


@org.command("create")
@data_dir_option
@click.argument("name")
@click.option("--display-name", default="", help="Name shown to people (default: NAME).")
@click.option("--summary", default="", help="A short description; blank lines separate paragraphs.")
@click.option(
    "--manually-approves-followers", is_flag=True, help="Approve follow requests by hand."
)
@click.pass_context
def org_create(
    ctx: click.Context,
    data_dir: Path | None,
    name: str,
    display_name: str,
    summary: str,
    manually_approves_followers: bool,
) -> None:
    """Create an organisation and print its actor URL."""
    settings = settings_for(ctx, data_dir)
    urls = Urls(settings.base_url)
    actor = run(
        with_db(
            settings,
            lambda db: organisations.create_organisation(
                db,
                SystemClock(),
                urls,
                name,
                display_name,
                summary,
                manually_approves_followers,
                who=cli_who(),
            ),
        )
    )
    click.echo(urls.actor(actor.username))


@org.command("update")
@data_dir_option
@click.argument("name")
@click.option("--display-name", default=None, help="New display name.")
@click.option("--summary", default=None, help="New description.")
@click.option(
    "--manually-approves-followers/--auto-accepts-followers",
    default=None,
    help="Approve follow requests by hand, or accept them automatically.",
)
@click.option("--rotate-key", is_flag=True, help="Replace the signing key pair.")
@click.option(
    "--max-hops",
    type=int,
    default=None,
    help="How far this organisation passes calls on at most (1-20, default 6).",
)
@click.option(
    "--hide-follows/--show-follows",
    default=None,
    help="Show only how many followers and follows it has, or the lists too.",
)
@click.pass_context
def org_update(
    ctx: click.Context,
    data_dir: Path | None,
    name: str,
    display_name: str | None,
    summary: str | None,
    manually_approves_followers: bool | None,
    rotate_key: bool,
    max_hops: int | None,
    hide_follows: bool | None,
) -> None:
    """Change an organisation's profile, key or hop cap; followers receive profile changes."""
    settings = settings_for(ctx, data_dir)

    async def work(node: Runtime) -> None:
        await organisations.update(
            node,
            name,
            display_name=display_name,
            summary=summary,
            manually_approves_followers=manually_approves_followers,
            rotate_key=rotate_key,
            max_hops=max_hops,
            hide_follows=hide_follows,
            who=cli_who(),
        )

    run(with_runtime(settings, work))
    profile = (display_name, summary, manually_approves_followers)
    if rotate_key or any(value is not None for value in profile):
        click.echo(f"Updated {name}; followers will receive the change.")
    else:
        click.echo(f"Updated {name}.")


@org.command("list")
@data_dir_option
@click.pass_context
def org_list(ctx: click.Context, data_dir: Path | None) -> None:
    """List the organisations with their handles."""
    settings = settings_for(ctx, data_dir)
    urls = Urls(settings.base_url)
    for actor in run(with_db(settings, organisations.list_all)):
        handle = urls.acct(actor.username).removeprefix("acct:")
        hidden = "\tfollows hidden" if actor.hide_follows else ""
        click.echo(f"@{handle}\t{actor.display_name}\tmax hops {actor.max_hops}{hidden}")
