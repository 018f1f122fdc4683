"""Members of the web workspace: member add|list|remove|link. The node sends no email: the
one-time sign-in link is printed, for the admin to pass on."""

from __future__ import annotations

from pathlib import Path

import click

from node.cli.base import cli_who, data_dir_option, main, run, settings_for, with_runtime
from node.federation.runtime import Runtime
from node.storage.members import ROLES


@main.group()
def member() -> None:
    """People who work for an organisation in the web workspace."""


@member.command("add")
@data_dir_option
@click.argument("org_name", metavar="ORG")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True, help="owner or editor.")
@click.pass_context
def member_add(
    ctx: click.Context, data_dir: Path | None, org_name: str, email: str, role: str
) -> None:
    """Add EMAIL to ORG and print a one-time sign-in link (valid for 7 days)."""
    from node.solidarity import membership

    async def work(node: Runtime) -> str:
        made = await membership.add(node, org_name, email, role, cli_who())
        return made.link

    click.echo(run(with_runtime(settings_for(ctx, data_dir), work)))


@member.command("link")
@data_dir_option
@click.argument("org_name", metavar="ORG")
@click.argument("email")
@click.pass_context
def member_link(ctx: click.Context, data_dir: Path | None, org_name: str, email: str) -> None:
    """Print a new one-time sign-in link for a member (to set a new password)."""
    from node.solidarity import membership

    async def work(node: Runtime) -> str:
        return await membership.new_link(node, org_name, email)

    click.echo(run(with_runtime(settings_for(ctx, data_dir), work)))


@member.command("list")
@data_dir_option
@click.argument("org_name", metavar="ORG")
@click.pass_context
def member_list(ctx: click.Context, data_dir: Path | None, org_name: str) -> None:
    """List ORG's members: email, role, whether a password is set, last sign-in."""
    from node.solidarity import membership

    async def work(node: Runtime) -> list[str]:
        found = await membership.list_members(node, org_name)
        return [
            "\t".join(
                (
                    m.email,
                    m.role,
                    "password" if m.password_hash else "invited",
                    m.last_signin_at.isoformat() if m.last_signin_at else "-",
                )
            )
            for m in found
        ]

    for line in run(with_runtime(settings_for(ctx, data_dir), work)):
        click.echo(line)


@member.command("remove")
@data_dir_option
@click.argument("org_name", metavar="ORG")
@click.argument("email")
@click.pass_context
def member_remove(ctx: click.Context, data_dir: Path | None, org_name: str, email: str) -> None:
    """Remove EMAIL from ORG; their sessions end at once."""
    from node.solidarity import membership

    async def work(node: Runtime) -> None:
        await membership.remove(node, org_name, email, keep_an_owner=False, who=cli_who())

    run(with_runtime(settings_for(ctx, data_dir), work))
    click.echo(f"removed {email}")
