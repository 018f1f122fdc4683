"""The layering of DESIGN §3, checked by import-linter with the contracts in pyproject.toml:
entry points -> web | runner -> solidarity -> federation -> activitypub | storage -> the floor."""

from __future__ import annotations

from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def test_every_layer_imports_only_the_layers_below_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0
