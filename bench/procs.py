"""Child processes of the benchmarks: started in their own session, logs to files, always ended.

Everything listens on 127.0.0.1; every wait has a deadline.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

PYTHON = sys.executable
REPO = Path(__file__).resolve().parent.parent
DEPLOYED = REPO / ".venv-bench"  # the node as `scripts/setup.sh` installs it: no test tools
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def node_script() -> str:
    """`solidarity-node` of a virtualenv holding the node (editable, so the code measured is the
    checkout's) and its runtime dependencies only, made on first use: the test tools change
    what a process imports (httpx loads rich and pygments when they are installed, about 4.5 MB
    of memory a deployment does not have)."""
    script = DEPLOYED / "bin" / "solidarity-node"
    wanted = (REPO / "pyproject.toml").read_text()
    stamp = DEPLOYED / "installed-pyproject.toml"
    if not script.exists() or not stamp.exists() or stamp.read_text() != wanted:
        subprocess.run([sys.executable, "-m", "venv", str(DEPLOYED)], check=True)
        pip = [str(DEPLOYED / "bin" / "python"), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, "-e", str(REPO)], check=True)
        stamp.write_text(wanted)
    return str(script)


def node_command(data_dir: Path, *args: str) -> list[str]:
    """`solidarity-node --data-dir DATA_DIR ARGS...`, as deployed (node_script)."""
    return [node_script(), "--data-dir", str(data_dir), *args]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Child:
    """A process leading its own session; stop() sends SIGTERM, then SIGKILL, to its group."""

    def __init__(self, name: str, args: list[str], logs: Path, env: dict[str, str]) -> None:
        self.name = name
        self.log = logs / f"{name}.log"
        self._file = self.log.open("wb")
        self.popen = subprocess.Popen(
            args,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def check_alive(self) -> None:
        if self.popen.poll() is not None:
            tail = self.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{tail}")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.popen.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.popen.wait(STOP_TIMEOUT)
        self._file.close()

    def _signal(self, sig: signal.Signals) -> None:
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass


def wait_until(check: Callable[[], bool], what: str, child: Child | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child is not None:
            child.check_alive()
        if check():
            return
        time.sleep(0.05)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def wait_answers(url: str, child: Child) -> None:
    def answers() -> bool:
        try:
            httpx.get(url, timeout=2)
            return True
        except httpx.TransportError:
            return False

    wait_until(answers, f"{child.name} to answer at {url}", child, START_TIMEOUT)


def rss_mb(pid: int) -> float:
    """Resident set size of a process (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def children(pid: int) -> list[int]:
    """The processes a process started (a `serve`'s worker processes)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_cli(data_dir: Path, env: dict[str, str], *args: str) -> str:
    command = node_command(data_dir, *args)
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr}")
    return done.stdout


def bench_env(**extra: str) -> dict[str, str]:
    """The environment without SN_* settings (a node reads its config.toml), plus `extra`."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SN_")} | extra
