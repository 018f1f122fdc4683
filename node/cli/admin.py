"""Node administration: domain blocks, nudging the delivery queue."""

from __future__ import annotations

from pathlib import Path

import click

from node.cli.base import (
    data_dir_option,
    main,
    run,
    settings_for,
    with_db,
)
from node.clock import SystemClock
from node.storage import delivery_retries, hosts
from node.storage.db import Database


@main.group()
def domain() -> None:
    """Block and unblock other domains."""


@domain.command("block")
@data_dir_option
@click.argument("name")
@click.option("--reason", default="", help="Why (kept for the admins).")
@click.pass_context
def domain_block(ctx: click.Context, data_dir: Path | None, name: str, reason: str) -> None:
    """Refuse DOMAIN's (and its subdomains') inbox posts and deliver nothing to it."""
    settings = settings_for(ctx, data_dir)
    blocked = clean_domain(name)

    async def work(db: Database) -> None:
        async with db.transaction() as session:
            await hosts.block(session, blocked, reason, SystemClock().now())

    run(with_db(settings, work))
    click.echo(f"Blocked {blocked}.")


@domain.command("unblock")
@data_dir_option
@click.argument("name")
@click.pass_context
def domain_unblock(ctx: click.Context, data_dir: Path | None, name: str) -> None:
    """Lift a block."""
    settings = settings_for(ctx, data_dir)
    blocked = clean_domain(name)

    async def work(db: Database) -> bool:
        async with db.transaction() as session:
            return await hosts.unblock(session, blocked)

    if not run(with_db(settings, work)):
        raise click.ClickException(f"{blocked} was not blocked")
    click.echo(f"Unblocked {blocked}.")


@domain.command("list")
@data_dir_option
@click.pass_context
def domain_list(ctx: click.Context, data_dir: Path | None) -> None:
    """List blocked domains."""
    settings = settings_for(ctx, data_dir)

    async def work(db: Database) -> list[tuple[str, str]]:
        async with db.transaction() as session:
            return [(b.domain, b.reason) for b in await hosts.list_blocks(session)]

    for blocked, reason in run(with_db(settings, work)):
        click.echo(f"{blocked}\t{reason}")


@main.group("deliveries")
def deliveries_group() -> None:
    """Nudge the delivery queue."""


@deliveries_group.command("retry-now")
@data_dir_option
@click.option("--host", default=None, help="Only deliveries to this host (host[:port]).")
@click.option(
    "--release-leases",
    is_flag=True,
    help="Also free rows leased by workers. Only when no serve or worker process runs "
    "(after a crash), or a delivery in flight may be sent twice.",
)
@click.pass_context
def deliveries_retry_now(
    ctx: click.Context, data_dir: Path | None, host: str | None, release_leases: bool
) -> None:
    """Make pending deliveries due now instead of at their backed-off time."""
    settings = settings_for(ctx, data_dir)

    async def work(db: Database) -> int:
        async with db.transaction() as session:
            return await delivery_retries.retry_now(
                session, SystemClock().now(), host=host, release_leases=release_leases
            )

    count = run(with_db(settings, work))
    click.echo(f"{count} pending deliveries are due now.")


def clean_domain(name: str) -> str:
    text = name.strip().lower().removeprefix("https://").removeprefix("http://")
    text = text.split("/", 1)[0]
    if not text or " " in text or "." not in text.strip("."):
        raise click.ClickException(f"{name!r} is not a domain like example.org")
    return text
