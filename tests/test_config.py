from __future__ import annotations

from pathlib import Path

import pytest

from node.config import (
    Settings,
    load_settings,
    validate_base_url,
    write_config,
)
from node.errors import ConfigError


def test_base_url_is_normalised_and_checked() -> None:
    assert validate_base_url("https://Node.Example/") == "https://node.example"
    assert validate_base_url("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    for bad in ("node.example", "ftp://x", "https://x/path", "https://u:p@x", "https://x?q"):
        with pytest.raises(ConfigError):
            validate_base_url(bad)


def test_settings_round_trip_and_environment_overrides(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        base_url="https://node.example",
        database_url=f"sqlite+aiosqlite:///{(tmp_path / 'node.db').resolve()}",
    )
    write_config(settings)
    loaded = load_settings(tmp_path, environ={})
    assert loaded == settings
    assert loaded.host == "node.example" and "solidarity-node" in loaded.user_agent
    env = {
        "SN_DATABASE_URL": "postgresql+asyncpg://u:p@db/sn",
        "SN_ALLOW_PRIVATE_ADDRESSES": "yes",
    }
    overridden = load_settings(tmp_path, environ=env)
    assert overridden.database_url == env["SN_DATABASE_URL"]
    assert overridden.allow_private_addresses is True
    with pytest.raises(ConfigError, match="yes/no"):
        load_settings(tmp_path, environ={"SN_ALLOW_PRIVATE_ADDRESSES": "perhaps"})
    with pytest.raises(ConfigError, match="CA file"):
        load_settings(tmp_path, environ={"SN_CA_FILE": str(tmp_path / "missing.pem")})


def test_missing_or_broken_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="init"):
        load_settings(tmp_path, environ={})
    (tmp_path / "config.toml").write_text("base_url = [unclosed")
    with pytest.raises(ConfigError, match="cannot be read"):
        load_settings(tmp_path, environ={})
    (tmp_path / "config.toml").write_text('node_name = "x"')
    with pytest.raises(ConfigError, match="no base_url"):
        load_settings(tmp_path, environ={})
