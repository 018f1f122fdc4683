#!/usr/bin/env bash
# Install into .venv, then run the whole suite: lint, format check, types, tests (on pytest-xdist
# workers, one per core; SN_TEST_PROCESSES=0 runs them in one process).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
.venv/bin/ruff check node tests bench
.venv/bin/ruff format --check node tests bench
.venv/bin/mypy
# in-process tests on every core; those starting processes of their own one at a time
.venv/bin/pytest -n "${SN_TEST_PROCESSES:-auto}" --dist loadgroup "$@"
