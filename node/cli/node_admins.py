"""The node's admins: `admin add|remove|list EMAIL` (the people whose workspace sign-in opens
the admin pages) and `admin token` (a token for the admin API). Every change is audited as
this machine's login."""

from __future__ import annotations

from pathlib import Path

import click

from node.activitypub.vocabulary import iso
from node.cli.base import cli_who, data_dir_option, main, run, settings_for, with_runtime
from node.federation.runtime import Runtime
from node.solidarity import node_admins
from node.storage import actors, audit, tokens


@main.group("admin")
def admin_group() -> None:
    """Node admins: who they are, and tokens for the admin API."""


@admin_group.command("add")
@data_dir_option
@click.argument("email")
@click.pass_context
def admin_add(ctx: click.Context, data_dir: Path | None, email: str) -> None:
    """Make EMAIL a node admin: their workspace sign-in opens the admin pages."""

    async def work(node: Runtime) -> str:
        return (await node_admins.add(node, email, cli_who())).email

    click.echo(f"{run(with_runtime(settings_for(ctx, data_dir), work))} is a node admin.")


@admin_group.command("remove")
@data_dir_option
@click.argument("email")
@click.pass_context
def admin_remove(ctx: click.Context, data_dir: Path | None, email: str) -> None:
    """EMAIL is no longer a node admin."""

    async def work(node: Runtime) -> None:
        await node_admins.remove(node, email, cli_who())

    run(with_runtime(settings_for(ctx, data_dir), work))
    click.echo(f"{email.strip().lower()} is no longer a node admin.")


@admin_group.command("list")
@data_dir_option
@click.pass_context
def admin_list(ctx: click.Context, data_dir: Path | None) -> None:
    """The node admins: email, since when, added by whom."""
    for admin in run(with_runtime(settings_for(ctx, data_dir), node_admins.listed)):
        click.echo(f"{admin.email}\t{iso(admin.added_at)}\t{admin.added_by}")


@admin_group.command("token")
@data_dir_option
@click.option("--label", default="admin", show_default=True, help="Names the token in the log.")
@click.pass_context
def admin_token(ctx: click.Context, data_dir: Path | None, label: str) -> None:
    """Print a new token for /api/v1/admin (shown once; keep it like a password)."""

    async def work(node: Runtime) -> str:
        now = node.clock.now()
        async with node.db.transaction() as session:
            instance = await actors.instance_actor(session)
            token = await tokens.create(session, instance.id, label, now)
            await audit.record(session, cli_who(), "admin.token", label, now)
        return token

    click.echo(run(with_runtime(settings_for(ctx, data_dir), work)))
