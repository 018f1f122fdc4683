#!/usr/bin/env bash
# Install into .venv, then run the whole suite: lint, format check, types, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
.venv/bin/ruff check node tests bench
.venv/bin/ruff format --check node tests bench
.venv/bin/mypy
.venv/bin/pytest "$@"
