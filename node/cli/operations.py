"""Operations: migrate, check, backup, restore, db copy (docs/admin.md tells when to use each)."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy.engine import make_url

from node.cli import archives, checks
from node.cli.base import data_dir_option, main, resolve_data_dir, run, settings_for
from node.cli.checks import Finding, Level
from node.clock import SystemClock
from node.config import Settings, validate_database_url
from node.errors import ConfigError
from node.federation.instance_actor import ensure_instance_actor
from node.storage import copying
from node.storage.db import Database
from node.storage.revision import current_revision, head_revision
from node.urls import Urls


def shown(url: str) -> str:
    """A database URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


async def upgrade(url: str) -> tuple[str | None, str]:
    """Migrate the database at `url` to this release's head; (revision before, after)."""
    from node.storage.migrate import migrate as migrate_to_head  # Alembic only when needed

    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            before = await conn.run_sync(current_revision)
        await migrate_to_head(db)
    finally:
        await db.close()
    return before, head_revision()


@main.command()
@data_dir_option
@click.pass_context
def migrate(ctx: click.Context, data_dir: Path | None) -> None:
    """Upgrade the database in place to this release (run it before starting the new release)."""
    settings = settings_for(ctx, data_dir)

    async def work() -> tuple[str | None, str]:
        found = await upgrade(settings.database_url)
        db = Database(settings.database_url)
        try:
            await ensure_instance_actor(db, SystemClock(), Urls(settings.base_url))
        finally:
            await db.close()
        return found

    before, after = run(work())
    if before == after:
        click.echo(f"The database is at migration {after} already.")
    else:
        click.echo(f"Database migrated from {before or 'nothing'} to {after}.")


@main.command()
@data_dir_option
@click.option("--offline", is_flag=True, help="Skip the checks that use the network.")
@click.option(
    "--peer",
    "peers",
    multiple=True,
    metavar="URL",
    help="Also compare the clock with this server's (repeatable), e.g. https://mastodon.social",
)
@click.pass_context
def check(ctx: click.Context, data_dir: Path | None, offline: bool, peers: tuple[str, ...]) -> None:
    """Check the configuration, database, keys, the base URL from outside and clock skew."""
    settings = settings_for(ctx, data_dir)
    findings = run(all_checks(settings, offline=offline, peers=peers))
    for finding in findings:
        click.echo(f"{finding.level.value:<5} {finding.name}: {finding.detail}")
    failed = sum(finding.level is Level.FAIL for finding in findings)
    if failed:
        raise click.ClickException(f"{failed} check(s) failed")


async def all_checks(settings: Settings, *, offline: bool, peers: tuple[str, ...]) -> list[Finding]:
    clock = SystemClock()
    found = checks.configuration(settings)
    db = Database(settings.database_url)
    try:
        database = await checks.database(db, clock)
        found += database
        if any(finding.level is Level.FAIL for finding in database):
            return found
        found.append(await checks.keys(db))
        if offline:
            return found
        found += await checks.reachable(settings, db, clock)
        for peer in peers:
            found.append(await checks.peer_clock(settings, peer, clock))
    finally:
        await db.close()
    return found


@main.command()
@data_dir_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.pass_context
def backup(ctx: click.Context, data_dir: Path | None, file: Path, force: bool) -> None:
    """Write the database (keys included) and config.toml to FILE, one consistent archive.

    Safe while serve and worker run. FILE holds every private key: keep it as secret."""
    settings = settings_for(ctx, data_dir)
    if file.exists() and not force:
        raise click.ClickException(f"{file} exists (--force replaces it)")
    snapshot = run(archives.write_backup(settings, file, SystemClock()))
    rows = sum(snapshot.rows.values())
    click.echo(
        f"Backup written to {file}: {snapshot.dialect} database at migration "
        f"{snapshot.revision}, {rows} rows in {len(snapshot.rows)} tables, with config.toml."
    )


@main.command()
@data_dir_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--database-url",
    default=None,
    envvar="SN_DATABASE_URL",
    help="An empty PostgreSQL database for a PostgreSQL backup (env SN_DATABASE_URL; "
    "default: the one the backed-up config.toml names).",
)
@click.pass_context
def restore(
    ctx: click.Context, data_dir: Path | None, file: Path, database_url: str | None
) -> None:
    """Restore a backup FILE into an empty data directory, then migrate it to this release."""
    folder = resolve_data_dir(ctx, data_dir)

    async def work() -> tuple[archives.Restored, str | None, str]:
        restored = await archives.restore_backup(file, folder, database_url)
        before, after = await upgrade(restored.database_url)
        return restored, before, after

    restored, before, after = run(work())
    rows = sum(restored.snapshot.rows.values())
    click.echo(
        f"Restored {restored.base_url} into {folder}: {rows} rows in "
        f"{len(restored.snapshot.rows)} tables, database {shown(restored.database_url)}."
    )
    if before != after:
        click.echo(f"Migrated from {before} to {after}.")


@main.group("db")
def db_group() -> None:
    """Move the node's database."""


@db_group.command("copy")
@data_dir_option
@click.option("--to", "target", required=True, help="postgresql+asyncpg://… (an empty database)")
@click.pass_context
def db_copy(ctx: click.Context, data_dir: Path | None, target: str) -> None:
    """Copy every row into another database (stop serve and worker first).

    The node keeps using its database until config.toml (or SN_DATABASE_URL) names the new one."""
    settings = settings_for(ctx, data_dir)
    try:
        target = validate_database_url(target)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if target == settings.database_url:
        raise click.ClickException("--to names the database the node uses already")

    def progress(table: str, rows: int) -> None:
        click.echo(f"{table}\t{rows}")

    async def work() -> dict[str, int]:
        await upgrade(target)  # the same tables, empty, at this release's migration
        source, destination = Database(settings.database_url), Database(target)
        try:
            await source.check()
            return await copying.copy_rows(source, destination, progress)
        finally:
            await source.close()
            await destination.close()

    copied = run(work())
    click.echo(
        f"Copied {sum(copied.values())} rows in {len(copied)} tables to {shown(target)}. "
        "Set database_url in config.toml (or SN_DATABASE_URL) to it, then start the node."
    )
