"""Frozen settings: read from DATA_DIR/config.toml, overridden by SN_* environment variables.

A Settings value is immutable and validated once; nothing else reads the environment.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomli_w

from node import SOFTWARE_NAME, __version__
from node.errors import ConfigError
from node.urls import authority

CONFIG_FILE = "config.toml"
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class FetchLimits:
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    max_bytes: int = 1_048_576
    max_redirects: int = 3


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    base_url: str
    database_url: str
    allow_private_addresses: bool = False
    node_name: str = "Solidarity Node"
    node_description: str = "A node of a solidarity network."
    open_registrations: bool = False
    inbox_max_bytes: int = 1_048_576
    ca_file: Path | None = None
    delivery_lease_seconds: float = 60.0
    inbox_queue_limit: int = 10_000
    fetch: FetchLimits = field(default_factory=FetchLimits)
    # the worker (issue 12): `serve`'s worker processes (0: a worker inside each server
    # process), and how many inbox items one remote actor may have waiting
    worker_processes: int = 1
    inbox_actor_quota: int = 2_000

    @property
    def host(self) -> str:
        """The authority of the base URL: hostname, plus ':port' when it has one."""
        return authority(self.base_url)

    @property
    def user_agent(self) -> str:
        return f"{SOFTWARE_NAME}/{__version__} (+{self.base_url}/)"


def validate_base_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"base URL {url!r} must look like https://node.example")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(f"base URL {url!r} must have no path, query or fragment")
    if parts.username or parts.password:
        raise ConfigError(f"base URL {url!r} must not carry credentials")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        raise ConfigError(f"base URL {url!r} has a bad port") from exc
    return f"{parts.scheme}://{parts.netloc.lower()}"


def validate_database_url(url: str) -> str:
    if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise ConfigError(
            f"database URL {url!r} must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
        )
    return url


def default_database_url(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{(data_dir / 'node.db').resolve()}"


def parse_bool(name: str, value: str) -> bool:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name}={value!r} is not a yes/no value")


def load_settings(data_dir: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read DATA_DIR/config.toml and apply SN_* overrides."""
    env = os.environ if environ is None else environ
    path = data_dir / CONFIG_FILE
    if not path.is_file():
        raise ConfigError(f"{path} does not exist; run 'solidarity-node init' first")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read: {exc}") from exc
    return settings_from_mapping(data_dir, raw, env)


def settings_from_environment() -> Settings:
    """The settings of the data directory SN_DATA_DIR names (default ./data): for the app
    factory uvicorn calls in each process of `serve --workers N`."""
    return load_settings(Path(os.environ.get("SN_DATA_DIR") or "data"))


def settings_from_mapping(
    data_dir: Path, raw: Mapping[str, Any], env: Mapping[str, str]
) -> Settings:
    base_url = env.get("SN_BASE_URL") or raw.get("base_url")
    if not isinstance(base_url, str):
        raise ConfigError("config.toml has no base_url")
    database_url = env.get("SN_DATABASE_URL") or raw.get("database_url")
    if not isinstance(database_url, str) or not database_url:
        database_url = default_database_url(data_dir)
    allow_private = bool(raw.get("allow_private_addresses", False))
    if "SN_ALLOW_PRIVATE_ADDRESSES" in env:
        allow_private = parse_bool("SN_ALLOW_PRIVATE_ADDRESSES", env["SN_ALLOW_PRIVATE_ADDRESSES"])
    ca_file = env.get("SN_CA_FILE") or raw.get("ca_file")
    if ca_file is not None and not Path(str(ca_file)).is_file():
        raise ConfigError(f"CA file {ca_file} (SN_CA_FILE) does not exist")
    settings = Settings(
        data_dir=data_dir,
        base_url=validate_base_url(base_url),
        database_url=validate_database_url(database_url),
        allow_private_addresses=allow_private,
        ca_file=Path(str(ca_file)) if ca_file else None,
        delivery_lease_seconds=seconds(
            env, raw, "SN_DELIVERY_LEASE_SECONDS", "delivery_lease_seconds", 60.0
        ),
        inbox_queue_limit=count(env, raw, "SN_INBOX_QUEUE_LIMIT", "inbox_queue_limit", 10_000),
        worker_processes=count(env, raw, "SN_WORKER_PROCESSES", "worker_processes", 1, minimum=0),
        inbox_actor_quota=count(env, raw, "SN_INBOX_ACTOR_QUOTA", "inbox_actor_quota", 2_000),
    )
    extras = {k: raw[k] for k in ("node_name", "node_description") if isinstance(raw.get(k), str)}
    return replace(settings, **extras)


def seconds(
    env: Mapping[str, str], raw: Mapping[str, Any], env_name: str, key: str, default: float
) -> float:
    value = env.get(env_name, raw.get(key, default))
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{env_name} / {key} must be a number of seconds, not {value!r}") from exc
    if not 1 <= number <= 86_400:
        raise ConfigError(f"{env_name} / {key} must be between 1 and 86400 seconds")
    return number


def count(
    env: Mapping[str, str],
    raw: Mapping[str, Any],
    env_name: str,
    key: str,
    default: int,
    *,
    minimum: int = 1,
) -> int:
    value = env.get(env_name, raw.get(key, default))
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{env_name} / {key} must be a whole number, not {value!r}") from exc
    if number < minimum:
        raise ConfigError(f"{env_name} / {key} must be at least {minimum}")
    return number


def write_config(settings: Settings) -> Path:
    """Write config.toml; the database URL is stored only when it differs from the default."""
    raw: dict[str, Any] = {
        "base_url": settings.base_url,
        "allow_private_addresses": settings.allow_private_addresses,
        "node_name": settings.node_name,
        "node_description": settings.node_description,
    }
    if settings.database_url != default_database_url(settings.data_dir):
        raw["database_url"] = settings.database_url
    path = settings.data_dir / CONFIG_FILE
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(tomli_w.dumps(raw), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"data directory {settings.data_dir} is not writable: {exc}") from exc
    return path
