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

  # deploy/ tests need Debian's nginx and systemd-analyze (they skip without, fail with CI=true)
  missing=()
  [ -x /usr/sbin/nginx ] || missing+=(nginx)
  command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
      apt-get update -qq && scripts/apt-install-quietly.sh "${missing[@]}"
    else
      echo "${missing[*]} not installed: the deploy/ tests will be skipped" >&2
    fi
  fi
  if command -v npm >/dev/null 2>&1; then
    (cd tests/interop/peer && npm ci --no-audit --no-fund --loglevel=error)
    (cd tests && npm ci --no-audit --no-fund --loglevel=error)  # axe-core, for the browser tests
  else
    echo "npm not found: interop tests will be skipped (they are mandatory with CI=true)" >&2
  fi
else
  .venv/bin/python -m pip install -q -e .
fi
