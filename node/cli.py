"""The `solidarity-node` command line (DESIGN §5): init, org, token, serve, worker, demo.

Every command takes --data-dir (env SN_DATA_DIR, default ./data). Failures print one line
starting with 'error:' on stderr and exit 1; usage mistakes exit 2 (click's convention).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import click

from node import __version__
from node.clock import SystemClock
from node.config import (
    CONFIG_FILE,
    Settings,
    default_database_url,
    load_settings,
    validate_base_url,
    validate_database_url,
    write_config,
)
from node.errors import ConfigError, SolidarityError
from node.services import Services, make_services
from node.solidarity import organisations
from node.storage import delivery_retries, hosts
from node.storage.db import Database
from node.storage.migrate import migrate
from node.urls import Urls

T = TypeVar("T")
DEMO_ORG = "demo"


def run(coro: Awaitable[T]) -> T:
    """Run a coroutine; SolidarityErrors become a one-line message and exit status 1."""

    async def wrapped() -> T:
        return await coro

    try:
        return asyncio.run(wrapped())
    except SolidarityError as exc:
        raise click.ClickException(str(exc)) from None


def data_dir_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="SN_DATA_DIR",
        default=None,
        help="Folder of config.toml and the SQLite database (env SN_DATA_DIR; default ./data).",
    )(func)


def resolve_data_dir(ctx: click.Context, given: Path | None) -> Path:
    if given is not None:
        return given
    parent = ctx.find_root().params.get("data_dir")
    return parent if isinstance(parent, Path) else Path("data")


def settings_for(ctx: click.Context, data_dir: Path | None) -> Settings:
    try:
        return load_settings(resolve_data_dir(ctx, data_dir))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def check_writable(data_dir: Path) -> None:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / ".write-test"
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        raise click.ClickException(
            f"data directory {data_dir} is not writable: {exc.strerror or exc}"
        ) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="solidarity-node")
@data_dir_option
def main(data_dir: Path | None) -> None:
    """Run a Solidarity Node: a federated ActivityPub node for solidarity networks."""


async def initialise(settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        await migrate(db)
        await organisations.ensure_instance_actor(db, SystemClock(), Urls(settings.base_url))
    finally:
        await db.close()


def init_settings(
    data_dir: Path, base_url: str, database_url: str | None, allow_private: bool
) -> Settings:
    existing = data_dir / CONFIG_FILE
    if existing.is_file():
        current = load_settings(data_dir)
        if validate_base_url(base_url) != current.base_url:
            raise ConfigError(
                f"{existing} already serves {current.base_url}; an actor's address cannot change. "
                "Use another --data-dir for another base URL."
            )
        return replace(
            current, allow_private_addresses=allow_private or current.allow_private_addresses
        )
    url = database_url or os.environ.get("SN_DATABASE_URL") or default_database_url(data_dir)
    return Settings(
        data_dir=data_dir,
        base_url=validate_base_url(base_url),
        database_url=validate_database_url(url),
        allow_private_addresses=allow_private,
    )


@main.command()
@data_dir_option
@click.option("--base-url", required=True, help="Public URL of the node, e.g. https://node.example")
@click.option(
    "--database-url", default=None, help="postgresql+asyncpg://… (default: SQLite in the data dir)"
)
@click.option(
    "--allow-private-addresses",
    is_flag=True,
    help="Allow requests to private and loopback addresses (local testing only).",
)
@click.pass_context
def init(
    ctx: click.Context,
    data_dir: Path | None,
    base_url: str,
    database_url: str | None,
    allow_private_addresses: bool,
) -> None:
    """Write config.toml, migrate the database and create the instance actor."""
    folder = resolve_data_dir(ctx, data_dir)
    check_writable(folder)
    try:
        settings = init_settings(folder, base_url, database_url, allow_private_addresses)
        if database_url:
            settings = replace(settings, database_url=validate_database_url(database_url))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    run(initialise(settings))
    try:
        write_config(settings)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    backend = "SQLite" if settings.database_url.startswith("sqlite") else "PostgreSQL"
    click.echo(f"Node initialised at {settings.base_url} ({backend}, data in {folder}).")


@main.group()
def org() -> None:
    """Manage the organisations hosted on this node."""


async def with_services(settings: Settings, work: Callable[[Services], Awaitable[T]]) -> T:
    node = make_services(settings)
    try:
        await node.start()
        return await work(node)
    finally:
        await node.close()


async def with_db(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    db = Database(settings.database_url)
    try:
        await db.check()
        return await work(db)
    finally:
        await db.close()


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
                db, SystemClock(), urls, name, display_name, summary, manually_approves_followers
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
@click.pass_context
def org_update(
    ctx: click.Context,
    data_dir: Path | None,
    name: str,
    display_name: str | None,
    summary: str | None,
    manually_approves_followers: bool | None,
    rotate_key: bool,
) -> None:
    """Change an organisation's profile or key; followers receive an Update."""
    settings = settings_for(ctx, data_dir)

    async def work(node: Services) -> None:
        await organisations.update(
            node,
            name,
            display_name=display_name,
            summary=summary,
            manually_approves_followers=manually_approves_followers,
            rotate_key=rotate_key,
        )

    run(with_services(settings, work))
    click.echo(f"Updated {name}; followers will receive the change.")


@org.command("list")
@data_dir_option
@click.pass_context
def org_list(ctx: click.Context, data_dir: Path | None) -> None:
    """List the organisations with their handles."""
    settings = settings_for(ctx, data_dir)
    urls = Urls(settings.base_url)
    for actor in run(with_db(settings, organisations.list_all)):
        click.echo(f"@{urls.acct(actor.username).removeprefix('acct:')}\t{actor.display_name}")


@main.group()
def token() -> None:
    """Manage API tokens."""


@token.command("create")
@data_dir_option
@click.argument("name")
@click.option("--label", default="", help="A note to recognise the token by.")
@click.pass_context
def token_create(ctx: click.Context, data_dir: Path | None, name: str, label: str) -> None:
    """Print a new API bearer token for organisation NAME (shown once)."""
    settings = settings_for(ctx, data_dir)
    click.echo(
        run(
            with_db(settings, lambda db: organisations.create_token(db, SystemClock(), name, label))
        )
    )


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
@click.pass_context
def ally_add(
    ctx: click.Context,
    data_dir: Path | None,
    org_name: str,
    actor: str,
    amplify: str,
    regions: tuple[str, ...],
    themes: tuple[str, ...],
) -> None:
    """Make ACTOR (name@host or URL) an ally of ORG, following it if needed."""
    from node.solidarity import allies

    body = {"amplify": amplify, "regions": list(regions), "themes": list(themes)}

    async def work(node: Services) -> str:
        org = await organisations.get(node.db, org_name)
        made, _ = await allies.add(node, org, actor, allies.policy_from(body))
        return f"{made.id}\t{made.ally_iri}\t{made.amplify}"

    click.echo(run(with_services(settings_for(ctx, data_dir), work)))


@ally.command("list")
@data_dir_option
@click.argument("org_name", metavar="ORG")
@click.pass_context
def ally_list(ctx: click.Context, data_dir: Path | None, org_name: str) -> None:
    """List ORG's allies: id, actor, policy, regions, themes."""
    from node.solidarity import allies

    async def work(node: Services) -> list[str]:
        found = await allies.of(node, await organisations.get(node.db, org_name))
        return [
            f"{a.id}\t{a.ally_iri}\t{a.amplify}\t{','.join(a.regions)}\t{','.join(a.themes)}"
            for a in found
        ]

    for line in run(with_services(settings_for(ctx, data_dir), work)):
        click.echo(line)


@ally.command("remove")
@data_dir_option
@click.argument("org_name", metavar="ORG")
@click.argument("ally_id", metavar="ID", type=int)
@click.pass_context
def ally_remove(ctx: click.Context, data_dir: Path | None, org_name: str, ally_id: int) -> None:
    """Stop amplifying ally ID of ORG (the follow stays)."""
    from node.solidarity import allies

    async def work(node: Services) -> None:
        await allies.remove(node, await organisations.get(node.db, org_name), ally_id)

    run(with_services(settings_for(ctx, data_dir), work))
    click.echo(f"Removed ally {ally_id}.")


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


@main.command()
@data_dir_option
@click.pass_context
def worker(ctx: click.Context, data_dir: Path | None) -> None:
    """Run the delivery and inbox worker alone (several may run against PostgreSQL)."""
    from node.runner import run_worker

    settings = settings_for(ctx, data_dir)
    run(with_db(settings, lambda db: asyncio.sleep(0)))
    try:
        run(run_worker(settings))
    except KeyboardInterrupt:
        click.echo("Worker stopped.")


def read_markdown(source: str) -> str:
    """Markdown from a file, or from standard input for '-'."""
    if source == "-":
        stdin: str = sys.stdin.read()
        return stdin
    try:
        return Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot read {source}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise click.ClickException(f"{source} is not UTF-8 text") from None


def publish_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            data_dir_option,
            click.argument("org_name", metavar="ORG"),
            click.argument("source", metavar="FILE", default="-"),
            click.option("--title", required=True, help="The title."),
            click.option("--theme", "themes", multiple=True, help="A theme (repeatable)."),
            click.option("--region", "regions", multiple=True, help="ISO 3166 code or name."),
            click.option("--language", default="en", show_default=True, help="BCP 47 tag."),
            click.option(
                "--visibility",
                type=click.Choice(["public", "unlisted", "followers", "direct"]),
                default="public",
                show_default=True,
            ),
        ]
    ):
        func = option(func)
    return func


async def publish_draft(settings: Settings, org_name: str, body: dict[str, Any], kind: str) -> str:
    from node.solidarity import publishing, validation

    async def work(node: Services) -> str:
        org = await organisations.get(node.db, org_name)
        now = node.clock.now()
        draft = validation.call(body, now) if kind == "call" else validation.strategy(body)
        stored = await publishing.publish(node, org, draft)
        return stored.iri

    return await with_services(settings, work)


@main.group()
def strategy() -> None:
    """Publish strategies (long-form, revisable)."""


@strategy.command("publish")
@publish_options
@click.option("--summary", default="", help="Stands alone where only title and summary show.")
@click.pass_context
def strategy_publish(
    ctx: click.Context,
    /,
    data_dir: Path | None,
    org_name: str,
    source: str,
    summary: str,
    **fields: Any,
) -> None:
    """Publish a strategy whose Markdown is in FILE (or on standard input with '-')."""
    settings = settings_for(ctx, data_dir)
    body = body_from(fields) | {"content": read_markdown(source), "summary": summary}
    click.echo(run(publish_draft(settings, org_name, body, "strategy")))


@main.group()
def call() -> None:
    """Publish calls for solidarity."""


@call.command("publish")
@publish_options
@click.option("--deadline", required=True, help="ISO 8601, e.g. 2026-12-01T18:00Z.")
@click.option(
    "--urgency",
    type=click.Choice(["low", "normal", "high", "critical"]),
    default="normal",
    show_default=True,
)
@click.option("--action", "actions", multiple=True, help="Something to do (repeatable).")
@click.option(
    "--max-hops", type=int, default=6, show_default=True, help="How far allies may pass it on."
)
@click.pass_context
def call_publish(
    ctx: click.Context,
    /,
    data_dir: Path | None,
    org_name: str,
    source: str,
    deadline: str,
    urgency: str,
    actions: tuple[str, ...],
    max_hops: int,
    **fields: Any,
) -> None:
    """Publish a call whose Markdown is in FILE (or on standard input with '-')."""
    settings = settings_for(ctx, data_dir)
    body = body_from(fields) | {
        "content": read_markdown(source),
        "deadline": deadline,
        "urgency": urgency,
        "actions": list(actions),
        "max_hops": max_hops,
    }
    click.echo(run(publish_draft(settings, org_name, body, "call")))


def body_from(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": fields["title"],
        "themes": list(fields["themes"]),
        "regions": list(fields["regions"]),
        "language": fields["language"],
        "visibility": fields["visibility"],
    }


def serve_app(
    settings: Settings, host: str, port: int, tls_cert: Path | None, tls_key: Path | None
) -> None:
    import uvicorn

    from node.app import create_app

    run(with_db(settings, lambda db: asyncio.sleep(0)))
    if (tls_cert is None) != (tls_key is None):
        raise click.UsageError("--tls-cert and --tls-key go together")
    config = uvicorn.Config(
        create_app(settings, run_worker=True),
        host=host,
        port=port,
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
        server_header=False,
        log_level="info",
    )
    uvicorn.Server(config).run()


@main.command()
@data_dir_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def serve(
    ctx: click.Context,
    data_dir: Path | None,
    host: str,
    port: int,
    tls_cert: Path | None,
    tls_key: Path | None,
) -> None:
    """Serve the web pages, the API and ActivityPub."""
    serve_app(settings_for(ctx, data_dir), host, port, tls_cert, tls_key)


async def seed_demo(settings: Settings) -> None:
    from node.solidarity import demo as demo_content

    await with_services(settings, demo_content.seed)


@main.command()
@data_dir_option
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.pass_context
def demo(ctx: click.Context, data_dir: Path | None, port: int) -> None:
    """Initialise a local node if needed, add a demo organisation, and serve it."""
    folder = resolve_data_dir(ctx, data_dir)
    if not (folder / CONFIG_FILE).is_file():
        ctx.invoke(
            init,
            data_dir=folder,
            base_url=f"http://127.0.0.1:{port}",
            database_url=None,
            allow_private_addresses=True,
        )
    settings = settings_for(ctx, folder)
    run(initialise(settings))
    run(seed_demo(settings))
    urls = Urls(settings.base_url)
    click.echo(f"Demo organisation: @{urls.acct(DEMO_ORG).removeprefix('acct:')}")
    click.echo(f"Open {urls.profile(DEMO_ORG)} in a browser.")
    serve_app(settings, "127.0.0.1", urlsplit(settings.base_url).port or port, None, None)
