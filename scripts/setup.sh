#!/usr/bin/env bash
# Create .venv and install the node (and, with "test", what the test suite needs).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  if ! "$PYTHON" -m venv .venv 2>/dev/null; then
    echo "python3 -m venv failed; installing Debian's python3-venv" >&2
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    rm -rf .venv && "$PYTHON" -m venv .venv
  fi
fi
.venv/bin/python -m pip install -q --upgrade pip
if [ "${1:-}" = "test" ]; then
  .venv/bin/python -m pip install -q -e '.[test]'
  # real peers from PyPI, each in a virtualenv of its own (they pin their own dependencies)
  for peer in tests/interop/relay tests/interop/epicyon; do
    if ! cmp -s "$peer/requirements.txt" "$peer/.venv/installed.txt"; then
      "$PYTHON" -m venv "$peer/.venv"
      "$peer/.venv/bin/python" -m pip install -q -r "$peer/requirements.txt"
      cp "$peer/requirements.txt" "$peer/.venv/installed.txt"
    fi
  done
  if command -v npm >/dev/null 2>&1; then
    (cd tests/interop/peer && npm ci --no-audit --no-fund --loglevel=error)
  else
    echo "npm not found: interop tests will be skipped (they are mandatory with CI=true)" >&2
  fi
else
  .venv/bin/python -m pip install -q -e .
fi
