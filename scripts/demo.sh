#!/usr/bin/env bash
# Install into .venv, then run a demo node on http://127.0.0.1:${PORT:-8000} (SQLite in ./data).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/solidarity-node --data-dir "${SN_DATA_DIR:-data}" demo --port "${PORT:-8000}"
