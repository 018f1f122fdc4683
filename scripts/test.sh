#!/usr/bin/env bash
# Install into .venv, then run the whole suite: lint, format check, types, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
.venv/bin/ruff check node tests bench
.venv/bin/ruff format --check node tests bench
.venv/bin/mypy
# SN_TEST_PROCESSES=N (or auto): N pytest-xdist workers, the tests starting processes of their
# own one after another on one of them; by default one process, which the timings of the
# multi-process tests were written for
parallel=()
if [ "${SN_TEST_PROCESSES:-0}" != "0" ]; then
  parallel=(-n "$SN_TEST_PROCESSES" --dist loadgroup)
fi
.venv/bin/pytest "${parallel[@]}" "$@"
