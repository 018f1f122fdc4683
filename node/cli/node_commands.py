"""Running a node: init, serve, worker, demo."""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from node import logs
from node.cli.base import (
    check_writable,
    data_dir_option,
    main,
    resolve_data_dir,
    run,
    settings_for,
    with_db,
    with_runtime,
)
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
from node.errors import ConfigError
from node.federation.instance_actor import ensure_instance_actor
from node.solidarity import demo as demo_content
from node.storage.db import Database, make_private
from node.urls import Urls


async def initialise(settings: Settings) -> None:
    from node.storage.migrate import migrate  # Alembic is loaded only to migrate

    make_private(settings.database_url)
    db = Database(settings.database_url)
    try:
        await migrate(db)
        await ensure_instance_actor(db, SystemClock(), Urls(settings.base_url))
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


@main.command()
@data_dir_option
@click.option(
    "--lanes",
    default=None,
    help="The queues to work, comma-separated (all by default: inbox, deliveries, closing, "
    "alliances, pruning, media-prune).",
)
@click.option(
    "--metrics-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Serve /healthz, /readyz and /metrics on this port (none by default).",
)
@click.option("--metrics-host", default="127.0.0.1", show_default=True, help="Its address.")
@click.option("--parent-fd", type=int, default=None, hidden=True)
@click.option("--nice", "niceness", type=click.IntRange(0, 19), default=0, hidden=True)
@click.pass_context
def worker(
    ctx: click.Context,
    data_dir: Path | None,
    lanes: str | None,
    metrics_port: int | None,
    metrics_host: str,
    parent_fd: int | None,
    niceness: int,
) -> None:
    """Run the queue worker alone (several may run against PostgreSQL).

    SIGTERM or SIGINT stops it cleanly: the rows it holds go back to the queue."""
    from node.cli.worker_process import run_worker_process
    from node.runner import LANES

    chosen = list(LANES) if lanes is None else [n.strip() for n in lanes.split(",") if n.strip()]
    unknown = sorted(set(chosen) - set(LANES))
    if unknown or not chosen:
        raise click.UsageError(f"--lanes takes some of {', '.join(LANES)}, not {lanes!r}")
    settings = settings_for(ctx, data_dir)
    logs.configure(settings.log_format, settings.log_level)
    run(with_db(settings, lambda db: asyncio.sleep(0)))
    run(
        run_worker_process(
            settings,
            metrics_host,
            metrics_port,
            lanes=chosen,
            parent_fd=parent_fd,
            niceness=niceness,
        )
    )
    if parent_fd is None:
        click.echo("Worker stopped.")


def serve_app(
    settings: Settings,
    host: str,
    port: int,
    tls_cert: Path | None,
    tls_key: Path | None,
    workers: int = 1,
) -> None:
    import uvicorn

    from node.app import create_app
    from node.runner import WorkerProcesses, serving_lanes

    logs.configure(settings.log_format, settings.log_level)
    run(with_db(settings, lambda db: asyncio.sleep(0)))
    if (tls_cert is None) != (tls_key is None):
        raise click.UsageError("--tls-cert and --tls-key go together")
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "ssl_certfile": str(tls_cert) if tls_cert else None,
        "ssl_keyfile": str(tls_key) if tls_key else None,
        "server_header": False,
        "log_level": settings.log_level,
        "log_config": None,  # node.logs formats every record; the access lines are the node's
        "access_log": False,
    }
    # without the worker in `serve` (--no-worker), `worker` processes work every queue
    count = settings.worker_processes if settings.serve_worker else 0
    processes = WorkerProcesses(settings, count)
    processes.start()
    try:
        if workers == 1:
            app = create_app(
                settings, run_worker=settings.serve_worker, lanes=serving_lanes(settings)
            )
            uvicorn.run(app, **options)
            return
        # uvicorn starts the processes and imports the app by name in each
        os.environ["SN_DATA_DIR"] = str(settings.data_dir)
        os.environ["SN_SERVE_WORKER"] = "1" if settings.serve_worker else "0"
        os.environ["SN_WORKER_PROCESSES"] = str(settings.worker_processes)
        factory = "node.app:create_app_from_environment"
        uvicorn.run(factory, factory=True, workers=workers, **options)
    finally:
        processes.stop()


@main.command()
@data_dir_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes (PostgreSQL recommended for >1).",
)
@click.option(
    "--worker-processes",
    type=click.IntRange(0, 64),
    default=None,
    help="Inbox worker processes beside the server (default 1, or SN_WORKER_PROCESSES); "
    "0: the server works the inbox too.",
)
@click.option(
    "--no-worker",
    is_flag=True,
    help="Leave the queues to `worker` processes (env SN_SERVE_WORKER=0).",
)
@click.pass_context
def serve(
    ctx: click.Context,
    data_dir: Path | None,
    host: str,
    port: int,
    tls_cert: Path | None,
    tls_key: Path | None,
    workers: int,
    no_worker: bool,
    worker_processes: int | None,
) -> None:
    """Serve the web pages, the API and ActivityPub."""
    settings = settings_for(ctx, data_dir)
    if no_worker:
        settings = replace(settings, serve_worker=False)
    if worker_processes is not None:
        settings = replace(settings, worker_processes=worker_processes)
    serve_app(settings, host, port, tls_cert, tls_key, workers)


async def seed_demo(settings: Settings) -> None:
    await with_runtime(settings, demo_content.seed)


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
    click.echo(f"Demo organisation: @{urls.acct(demo_content.ORG).removeprefix('acct:')}")
    click.echo(f"Open {urls.profile(demo_content.ORG)} in a browser.")
    serve_app(settings, "127.0.0.1", urlsplit(settings.base_url).port or port, None, None)
