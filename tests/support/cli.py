"""The `solidarity-node` command as a user runs it: the real script in a subprocess, with the
test's environment minus SN_* variables (plus what a test adds), its output and exit status
returned rather than checked (tests/support/processes.py's run_cli fails on a non-zero exit)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = str(Path(sys.executable).parent / "solidarity-node")


def cli(
    *args: str, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the command with `args` (and `input` on standard input); never raises on failure."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SN_")} | (env or {})
    return subprocess.run(
        [SCRIPT, *args],
        input=input,
        capture_output=True,
        text=True,
        timeout=60,
        env=full_env,
        check=False,
    )
