"""Node administration: domain blocks (with severities, audited), nudging the delivery queue."""

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
from node.solidarity import moderation
from node.storage import delivery_retries
from node.storage.db import Database
from node.storage.domain_blocks import BlockFields


@main.group()
def domain() -> None:
    """Block and unblock other domains."""


@domain.command("block")
@data_dir_option
@click.argument("name")
@click.option(
    "--severity",
    type=click.Choice(["suspend", "silence", "noop"]),
    default="suspend",
    show_default=True,
    help="suspend: no federation, and what is stored of the domain is removed; "
    "silence: kept out of public listings and search; noop: only the flags below.",
)
@click.option("--reject-media", is_flag=True, help="Keep no attachments or images of it.")
@click.option("--reject-reports", is_flag=True, help="Ignore the reports (Flag) it sends.")
@click.option("--public-comment", default="", help="Why, for the public (exported).")
@click.option("--reason", default="", help="Why (kept for the admins).")
@click.option("--obfuscate", is_flag=True, help="Exported with the flag to obfuscate the name.")
@click.pass_context
def domain_block(
    ctx: click.Context,
    data_dir: Path | None,
    name: str,
    severity: str,
    reject_media: bool,
    reject_reports: bool,
    public_comment: str,
    reason: str,
    obfuscate: bool,
) -> None:
    """Block DOMAIN and its subdomains (again: change its block)."""
    blocked = clean_domain(name)
    fields = BlockFields(severity, reject_media, reject_reports, public_comment, reason, obfuscate)

    async def work(node: Runtime) -> None:
        await moderation.put_block(node, blocked, fields, cli_who())

    run(with_runtime(settings_for(ctx, data_dir), work))
    click.echo(f"Blocked {blocked} ({severity}).")


@domain.command("unblock")
@data_dir_option
@click.argument("name")
@click.pass_context
def domain_unblock(ctx: click.Context, data_dir: Path | None, name: str) -> None:
    """Lift a block."""
    blocked = clean_domain(name)

    async def work(node: Runtime) -> bool:
        return await moderation.unblock_domain(node, blocked, cli_who())

    if not run(with_runtime(settings_for(ctx, data_dir), work)):
        raise click.ClickException(f"{blocked} was not blocked")
    click.echo(f"Unblocked {blocked}.")


@domain.command("list")
@data_dir_option
@click.pass_context
def domain_list(ctx: click.Context, data_dir: Path | None) -> None:
    """List blocked domains: domain, severity, flags, private reason."""
    for block in run(with_runtime(settings_for(ctx, data_dir), moderation.listed)):
        fields = block.fields
        flags = [
            flag
            for flag, on in (
                ("reject-media", fields.reject_media),
                ("reject-reports", fields.reject_reports),
                ("obfuscate", fields.obfuscate),
            )
            if on
        ]
        shown = ",".join(flags) or "-"
        click.echo(f"{block.domain}\t{fields.severity}\t{shown}\t{fields.private_comment}")


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
