"""API tokens of an organisation: token create (optionally expiring), token list, token revoke.

A token's secret is printed once, when it is created; lists show ids, labels and dates only.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from node.cli.base import cli_who, data_dir_option, main, run, settings_for, with_db
from node.clock import SystemClock
from node.solidarity import organisations


@main.group()
def token() -> None:
    """Manage API tokens."""


@token.command("create")
@data_dir_option
@click.argument("name")
@click.option("--label", default="", help="A note to recognise the token by.")
@click.option(
    "--expires", type=int, default=None, metavar="DAYS", help="Expire after DAYS days (1-3650)."
)
@click.pass_context
def token_create(
    ctx: click.Context, data_dir: Path | None, name: str, label: str, expires: int | None
) -> None:
    """Print a new API bearer token for organisation NAME (shown once)."""
    settings = settings_for(ctx, data_dir)
    clock = SystemClock()
    click.echo(
        run(
            with_db(
                settings,
                lambda db: organisations.create_token(
                    db, clock, name, label, expires, who=cli_who()
                ),
            )
        )
    )


@token.command("list")
@data_dir_option
@click.argument("name")
@click.pass_context
def token_list(ctx: click.Context, data_dir: Path | None, name: str) -> None:
    """List NAME's tokens: id, label, created, expires, last used."""
    settings = settings_for(ctx, data_dir)
    for found in run(with_db(settings, lambda db: organisations.list_tokens(db, name))):
        expires = f"expires {day(found.expires_at)}" if found.expires_at else "never expires"
        used = f"last used {day(found.last_used_at)}" if found.last_used_at else "never used"
        click.echo(f"{found.id}\t{found.label}\tcreated {day(found.created_at)}\t{expires}\t{used}")


@token.command("revoke")
@data_dir_option
@click.argument("name")
@click.argument("token_id", metavar="ID", type=int)
@click.pass_context
def token_revoke(ctx: click.Context, data_dir: Path | None, name: str, token_id: int) -> None:
    """Revoke NAME's token ID (from `token list`): it stops working at once."""
    settings = settings_for(ctx, data_dir)
    who, clock = cli_who(), SystemClock()
    run(
        with_db(
            settings,
            lambda db: organisations.revoke_token(db, name, token_id, who=who, clock=clock),
        )
    )
    click.echo(f"Revoked token {token_id} of {name}.")


def day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"
