"""deploy/Dockerfile without Docker (not available where the tests run): its shape (two stages,
an unprivileged user, serve by default, a health check), the files it copies admitted by its
.dockerignore, the wheel its `pip install .` builds holding every file the node reads at run
time, and its health check command run against a real node: the node's and the worker's.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx

from node.app import create_app
from node.federation.runtime import Runtime
from node.web.health import worker_app
from tests.support.servers import serve

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "deploy" / "Dockerfile"
IGNORE = REPO / "deploy" / "Dockerfile.dockerignore"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def arguments(name: str) -> list[str]:
    return [rest for word, rest in instructions() if word == name]


def test_two_stages_and_an_unprivileged_user() -> None:
    stages = arguments("FROM")
    assert len(stages) == 2 and stages[0].endswith(" AS build")
    assert any(rest.startswith("--from=build ") for rest in arguments("COPY"))
    users = arguments("USER")
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert "useradd --system --uid 10001" in " ".join(arguments("RUN"))


def test_one_image_serves_by_default_and_runs_workers_too() -> None:
    assert arguments("ENTRYPOINT") == ['["solidarity-node"]']
    command = json.loads(arguments("CMD")[-1])
    assert command[:1] == ["serve"] and command[-2:] == ["--port", "8000"]
    assert arguments("EXPOSE") == ["8000"]
    assert "SN_DATA_DIR=/data" in " ".join(arguments("ENV"))


def test_what_it_copies_reaches_the_build() -> None:
    rules = [line.strip() for line in IGNORE.read_text().splitlines()]
    rules = [rule for rule in rules if rule and not rule.startswith("#")]
    assert rules[0] == "*"
    admitted = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    copied = set()
    for rest in arguments("COPY"):
        if not rest.startswith("--from"):
            copied.update(part.removeprefix("./").rstrip("/") for part in rest.split()[:-1])
    assert copied == admitted == {"pyproject.toml", "README.md", "node"}


def test_the_wheel_it_installs_holds_every_file_the_node_reads(tmp_path: Path) -> None:
    """`pip install .` in the image is no editable install: templates, static files, JSON-LD
    contexts and migrations must be in the wheel, or the image would fail at run time."""
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    wheel = next(tmp_path.glob("solidarity_node-*.whl"))
    packed = set(zipfile.ZipFile(wheel).namelist())
    needed = {
        str(path.relative_to(REPO))
        for path in (REPO / "node").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".md"
    }
    assert needed - packed == set()


def health_check(port: int) -> subprocess.CompletedProcess[str]:
    """The image's HEALTHCHECK command, aimed at `port` instead of the container's 8000."""
    words = arguments("HEALTHCHECK")[0].split(" CMD ", 1)[1]
    command = json.loads(words)
    assert command[0] == "python" and "127.0.0.1:8000/healthz" in command[-1]
    program = command[-1].replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    return subprocess.run(
        [sys.executable, *command[1:-1], program], capture_output=True, text=True, timeout=30
    )


async def test_the_health_check_passes_on_serve_and_on_a_worker(node: Runtime) -> None:
    for app in (create_app(node.settings, runtime=node), worker_app(node)):
        async with serve(app) as base:
            port = int(base.rsplit(":", 1)[1])
            done = await asyncio.to_thread(health_check, port)
            assert done.returncode == 0, done.stderr
            async with httpx.AsyncClient() as http:
                assert (await http.get(f"{base}/readyz")).status_code == 200


def test_the_health_check_fails_when_nothing_answers() -> None:
    from tests.support.processes import free_port

    assert health_check(free_port()).returncode != 0
