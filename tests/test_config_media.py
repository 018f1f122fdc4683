"""The [media] settings: Mastodon's limits by default, config.toml and SN_MEDIA_* override."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.config import settings_from_mapping
from node.errors import ConfigError

BASE = {"base_url": "https://node.example"}


def test_defaults_are_mastodons(tmp_path: Path) -> None:
    media = settings_from_mapping(tmp_path, BASE, {})
    assert media.media.image_max_bytes == 16 * 1024 * 1024
    assert media.media.max_pixels == 33_177_600 and media.media.stored_pixels == 8_294_400
    assert media.media_path == tmp_path / "media"


def test_config_and_environment(tmp_path: Path) -> None:
    raw = BASE | {"media": {"image_max_bytes": 1000, "max_pixels": 5000, "directory": "/srv/m"}}
    settings = settings_from_mapping(tmp_path, raw, {"SN_MEDIA_DOCUMENT_MAX_BYTES": "2000"})
    assert settings.media.image_max_bytes == 1000 and settings.media.document_max_bytes == 2000
    assert settings.media.max_pixels == settings.media.stored_pixels == 5000
    assert settings.media_path == Path("/srv/m")
    with pytest.raises(ConfigError, match="SN_MEDIA_MAX_PIXELS"):
        settings_from_mapping(tmp_path, BASE, {"SN_MEDIA_MAX_PIXELS": "many"})


def test_nginx_may_send_the_files(tmp_path: Path) -> None:
    settings = settings_from_mapping(tmp_path, BASE | {"media": {"accel_redirect": "/_media/"}}, {})
    assert settings.media.accel_redirect == "/_media/"
    with pytest.raises(ConfigError, match="accel_redirect"):
        settings_from_mapping(tmp_path, BASE, {"SN_MEDIA_ACCEL_REDIRECT": "media"})
