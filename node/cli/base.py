"""The command line's common ground: the `main` group, --data-dir, running coroutines with
clear errors, and opening the database or the whole node for a command.

Every command takes --data-dir (env SN_DATA_DIR, default ./data). Failures print one line
starting with 'error:' on stderr and exit 1; usage mistakes exit 2 (click's convention).
"""

from __future__ import annotations

import asyncio
import getpass
import os
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from node import __version__
from node.config import (
    Settings,
    load_settings,
    make_private_dir,
)
from node.errors import ConfigError, SolidarityError
from node.federation.runtime import Runtime, make_runtime
from node.storage import audit
from node.storage.audit import Who
from node.storage.db import Database

T = TypeVar("T")


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
        make_private_dir(data_dir)
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


def cli_who() -> Who:
    """Who acts from the command line, for the audit log: the login on this machine."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = f"uid {os.getuid()}"
    return Who(audit.CLI, login, f"command line on {socket.gethostname()}")


async def with_runtime(settings: Settings, work: Callable[[Runtime], Awaitable[T]]) -> T:
    node = make_runtime(settings)
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
