"""The shipped systemd units pass `systemd-analyze verify` with nothing to say, keep to the
hardening the deployment promises, and score as little exposed in `systemd-analyze security`.

Both work without a running systemd (as in a container): verify parses the units and checks
that their programs exist, security --offline=true scores the unit files. The units' ExecStart
names the install path of docs/admin.md; here it points at this checkout's installed script,
which must exist for verify to pass. What verify cannot do is start them: the admin guide's
test (test_admin_guide.py) runs their command lines with the example environment instead.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.ci import require

UNITS = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
INSTALLED = "/opt/solidarity-node/venv/bin/solidarity-node"
SCRIPT = Path(sys.executable).parent / "solidarity-node"
INSTANCES = {
    "solidarity-node-serve@.service": "solidarity-node-serve@8000.service",
    "solidarity-node-worker@.service": "solidarity-node-worker@9101.service",
    "solidarity-node-backup.service": "solidarity-node-backup.service",
    "solidarity-node-backup.timer": "solidarity-node-backup.timer",
}
EXPOSURE = {"serve": 20, "worker": 20, "backup": 30}  # tenths, as --threshold counts them


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        require("systemd-analyze is not installed (Debian package systemd)")
    assert found is not None
    return found


def local_units(folder: Path) -> Path:
    """The units with ExecStart pointing at this checkout's script."""
    folder.mkdir()
    for name in INSTANCES:
        text = (UNITS / name).read_text()
        (folder / name).write_text(text.replace(INSTALLED, str(SCRIPT)))
    return folder


def analyze(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [systemd_analyze(), *args], capture_output=True, text=True, cwd=cwd, timeout=60, check=False
    )


def test_every_unit_is_shipped_and_named() -> None:
    shipped = {path.name for path in UNITS.iterdir() if path.suffix in (".service", ".timer")}
    assert shipped == set(INSTANCES)


def test_systemd_analyze_verify_has_nothing_to_say(tmp_path: Path) -> None:
    folder = local_units(tmp_path / "units")
    done = analyze("verify", *(f"./{unit}" for unit in INSTANCES.values()), cwd=folder)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "" and done.stdout.strip() == "", done.stderr


def test_verify_would_say_so(tmp_path: Path) -> None:
    """A misspelt setting and a missing program are reported: the check above can fail."""
    folder = local_units(tmp_path / "units")
    unit = folder / "solidarity-node-serve@.service"
    text = unit.read_text().replace("NoNewPrivileges=yes", "NoNewPrivilege=yes")
    unit.write_text(text.replace(str(SCRIPT), "/nonexistent/solidarity-node"))
    done = analyze("verify", "./solidarity-node-serve@8000.service", cwd=folder)
    assert "NoNewPrivilege" in done.stderr and "nonexistent" in done.stderr


@pytest.mark.parametrize("name", ["serve", "worker"])
def test_long_running_units_restart_and_are_confined(name: str) -> None:
    lines = set((UNITS / f"solidarity-node-{name}@.service").read_text().splitlines())
    expected = {
        "User=solidarity-node",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "Restart=on-failure",
        "StateDirectory=solidarity-node",
        "EnvironmentFile=/etc/solidarity-node/solidarity-node.env",
        "CapabilityBoundingSet=",
    }
    assert expected <= lines
    start = next(line for line in lines if line.startswith("ExecStart="))
    assert start.startswith(f"ExecStart={INSTALLED} {name} ") and "%i" in start


@pytest.mark.parametrize("name", sorted(EXPOSURE))
def test_exposure_stays_low(name: str, tmp_path: Path) -> None:
    folder = local_units(tmp_path / "units")
    unit = next(u for u in INSTANCES.values() if f"-{name}" in u and u.endswith(".service"))
    limit = f"--threshold={EXPOSURE[name]}"
    done = analyze("security", "--offline=true", limit, f"./{unit}", cwd=folder)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert "Overall exposure level" in done.stdout
