"""deploy/solidarity-node.env.example documents every setting of node/config.py: each field of
Settings (and of its fetch limits) is named there, each SN_* variable the configuration reads
has a line of its own, the defaults it states are the code's, and its values load as settings.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from node import config
from node.config import FetchLimits, Settings, settings_from_mapping

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "deploy" / "solidarity-node.env.example"
LINE = re.compile(r"^#?(SN_[A-Z_]+)=(.*)$", re.MULTILINE)


def variables() -> dict[str, str]:
    """SN_* assignments, commented-out ones included, quotes removed."""
    return {name: value.strip().strip('"') for name, value in LINE.findall(EXAMPLE.read_text())}


def blocks() -> dict[str, str]:
    """The comment block above each SN_* line."""
    found: dict[str, str] = {}
    comment: list[str] = []
    for line in EXAMPLE.read_text().splitlines():
        if line.startswith("#") and not LINE.match(line):
            comment.append(line)
            continue
        match = LINE.match(line)
        if match:
            found[match.group(1)] = "\n".join(comment)
        comment = [] if not line.startswith("#") else comment
    return found


def test_every_setting_is_named() -> None:
    text = EXAMPLE.read_text()
    for field in dataclasses.fields(Settings):
        if field.name != "fetch":
            assert f"SN_{field.name.upper()}" in text or re.search(rf"\b{field.name}\b", text)
    for field in dataclasses.fields(FetchLimits):
        assert f"fetch.{field.name}" in text


def test_every_variable_the_configuration_reads_has_a_line() -> None:
    source = Path(config.__file__).read_text()
    read = set(re.findall(r'"(SN_[A-Z_]+)"', source)) | {"SN_DATA_DIR"}
    assert read - set(variables()) == set()


def test_stated_defaults_are_the_codes() -> None:
    defaults = {f.name: f.default for f in dataclasses.fields(Settings)}
    checked = 0
    for name, comment in blocks().items():
        stated = re.search(r"Default: ([\w.]+)\s*$", comment)
        field = name.removeprefix("SN_").lower()
        if stated is None or field not in defaults:
            continue
        default = defaults[field]
        shown = (
            {True: "1", False: "0"}.get(default, str(default))
            if isinstance(default, bool)
            else str(default)
        )
        assert stated.group(1) in (shown, shown.removesuffix(".0")), name
        checked += 1
    assert checked >= 6


def test_the_example_loads_as_settings(tmp_path: Path) -> None:
    env = {k: v for k, v in variables().items() if k != "SN_CA_FILE"}
    settings = settings_from_mapping(tmp_path, {}, env)
    assert settings.base_url == env["SN_BASE_URL"]
    assert settings.database_url.startswith("postgresql+asyncpg://")
    assert (settings.log_format, settings.serve_worker) == ("json", False)
    assert settings.node_name == "Solidarity Node"
