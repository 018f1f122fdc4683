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
class MediaLimits:
    """Uploads and copies of remote media; the defaults are Mastodon's (4.2 and later)."""

    image_max_bytes: int = 16 * 1024 * 1024
    document_max_bytes: int = 16 * 1024 * 1024
    max_pixels: int = 33_177_600  # larger pictures are refused (7680x4320)
    stored_pixels: int = 8_294_400  # larger ones are scaled down to this (3840x2160)
    max_frames: int = 400  # of an animated GIF or WebP
    description_chars: int = 1_500
    unattached_hours: float = 24.0  # uploads never attached are removed after this
    accel_redirect: str | None = None  # e.g. "/_media/": nginx sends the file (X-Accel-Redirect)


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
    inbox_rate_limit_per_hour: int = 10_000  # activities accepted per sending host and hour
    fetch: FetchLimits = field(default_factory=FetchLimits)
    media: MediaLimits = field(default_factory=MediaLimits)
    media_dir: Path | None = None
    # operations (deploy/, docs/admin.md)
    log_format: str = "text"
    log_level: str = "info"
    serve_worker: bool = True
    metrics_host_labels: int = 20
    # hostile input (issue 11): per-host intake, retention
    inbox_host_queue_limit: int | None = None  # None: a tenth of inbox_queue_limit
    retention_days: int = 30
    # the worker (issue 12): `serve`'s worker processes (0: a worker inside each server
    # process), and how many inbox items one remote actor may have waiting
    worker_processes: int = 1
    inbox_actor_quota: int = 2_000

    @property
    def media_path(self) -> Path:
        """Where media files live: DATA_DIR/media unless `[media] directory` says otherwise
        (under the data directory, a backup of it carries them)."""
        return self.media_dir or self.data_dir / "media"

    @property
    def inbox_host_limit(self) -> int:
        """How many activities of one remote host may wait for the worker."""
        if self.inbox_host_queue_limit is not None:
            return self.inbox_host_queue_limit
        return max(1, self.inbox_queue_limit // 10)

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
        inbox_host_queue_limit=optional_count(
            env, raw, "SN_INBOX_HOST_QUEUE_LIMIT", "inbox_host_queue_limit"
        ),
        retention_days=count(env, raw, "SN_RETENTION_DAYS", "retention_days", 30),
        inbox_rate_limit_per_hour=count(
            env, raw, "SN_INBOX_RATE_LIMIT_PER_HOUR", "inbox_rate_limit_per_hour", 10_000
        ),
        worker_processes=count(env, raw, "SN_WORKER_PROCESSES", "worker_processes", 1, minimum=0),
        inbox_actor_quota=count(env, raw, "SN_INBOX_ACTOR_QUOTA", "inbox_actor_quota", 2_000),
    )
    settings = replace(settings, **media_settings(env, raw.get("media")))
    extras = {k: raw[k] for k in ("node_name", "node_description") if isinstance(raw.get(k), str)}
    return replace(settings, **(extras | operations(env, raw)))


# --- operations: logs, the worker in `serve`, metrics, the node's name from the environment ---

LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("debug", "info", "warning", "error")


def operations(env: Mapping[str, str], raw: Mapping[str, Any]) -> dict[str, Any]:
    """The settings an admin sets per process or per container (all have SN_* variables)."""
    found: dict[str, Any] = {
        "log_format": choice(env, raw, "SN_LOG_FORMAT", "log_format", LOG_FORMATS, "text"),
        "log_level": choice(env, raw, "SN_LOG_LEVEL", "log_level", LOG_LEVELS, "info"),
        "metrics_host_labels": count(env, raw, "SN_METRICS_HOST_LABELS", "metrics_host_labels", 20),
    }
    serve_worker = raw.get("serve_worker", True)
    if "SN_SERVE_WORKER" in env:
        serve_worker = parse_bool("SN_SERVE_WORKER", env["SN_SERVE_WORKER"])
    found["serve_worker"] = bool(serve_worker)
    for key, name in (("node_name", "SN_NODE_NAME"), ("node_description", "SN_NODE_DESCRIPTION")):
        if env.get(name):
            found[key] = env[name]
    return found


def choice(
    env: Mapping[str, str],
    raw: Mapping[str, Any],
    env_name: str,
    key: str,
    allowed: tuple[str, ...],
    default: str,
) -> str:
    value = str(env.get(env_name, raw.get(key, default))).strip().lower()
    if value not in allowed:
        raise ConfigError(f"{env_name} / {key} must be one of {', '.join(allowed)}, not {value!r}")
    return value


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


def media_settings(env: Mapping[str, str], table: object) -> dict[str, Any]:
    """The `[media]` table of config.toml, with SN_MEDIA_* overrides."""
    raw: Mapping[str, Any] = table if isinstance(table, Mapping) else {}
    limits = MediaLimits(
        image_max_bytes=count(
            env, raw, "SN_MEDIA_IMAGE_MAX_BYTES", "image_max_bytes", MediaLimits.image_max_bytes
        ),
        document_max_bytes=count(
            env,
            raw,
            "SN_MEDIA_DOCUMENT_MAX_BYTES",
            "document_max_bytes",
            MediaLimits.document_max_bytes,
        ),
        max_pixels=count(env, raw, "SN_MEDIA_MAX_PIXELS", "max_pixels", MediaLimits.max_pixels),
    )
    accel = env.get("SN_MEDIA_ACCEL_REDIRECT") or raw.get("accel_redirect")
    if accel:
        if not (isinstance(accel, str) and accel.startswith("/") and accel.endswith("/")):
            raise ConfigError("[media] accel_redirect must be a path like /_media/")
        limits = replace(limits, accel_redirect=accel)
    if limits.max_pixels < limits.stored_pixels:
        limits = replace(limits, stored_pixels=limits.max_pixels)
    directory = env.get("SN_MEDIA_DIR") or raw.get("directory")
    return {"media": limits, "media_dir": Path(str(directory)) if directory else None}


def optional_count(
    env: Mapping[str, str], raw: Mapping[str, Any], env_name: str, key: str
) -> int | None:
    if env.get(env_name) is None and raw.get(key) is None:
        return None
    return count(env, raw, env_name, key, 1)


def make_private_dir(folder: Path) -> None:
    """Create the data directory readable by its owner alone (0700); one that exists is left
    as the admin made it."""
    if not folder.is_dir():
        folder.mkdir(parents=True, mode=0o700)
        folder.chmod(0o700)


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner may read (0600), whatever the umask, new or not."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        os.fchmod(file.fileno(), 0o600)
        file.write(text)


def write_config(settings: Settings) -> Path:
    """Write config.toml (0600, in a 0700 data directory); the database URL is stored only
    when it differs from the default."""
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
        make_private_dir(settings.data_dir)
        write_private(path, tomli_w.dumps(raw))
    except OSError as exc:
        raise ConfigError(f"data directory {settings.data_dir} is not writable: {exc}") from exc
    return path
