"""The profile and home pages as a person sees them: the real node served over HTTP on
loopback, rendered by headless Chromium (Debian's package)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.ci import require

SCRIPT = str(Path(sys.executable).parent / "solidarity-node")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        require("Debian's chromium is not installed (apt-get install chromium)")
    assert found is not None
    return found


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served_node(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data = str(tmp_path / "data")

    def cli(*args: str) -> None:
        subprocess.run(
            [SCRIPT, "--data-dir", data, *args], check=True, timeout=60, capture_output=True
        )

    cli("init", "--base-url", base, "--allow-private-addresses")
    markdown = tmp_path / "call.md"
    markdown.write_text("The hearing is on **Monday**. Bring friends. #solidarity\n")
    cli(
        "org",
        "create",
        "alpha",
        "--display-name",
        "Alpha Collective",
        "--summary",
        "We organise mutual aid.",
    )
    cli(
        "call",
        "publish",
        "alpha",
        str(markdown),
        "--title",
        "Fill the courtroom",
        "--deadline",
        "2031-01-01T09:00Z",
        "--urgency",
        "high",
        "--region",
        "PL",
        "--action",
        "Come at nine",
    )
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [SCRIPT, "--data-dir", data, "serve", "--port", str(port)], stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/.well-known/nodeinfo", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("the node did not start: " + (tmp_path / "serve.log").read_text())
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def render(url: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *extra, url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_profile_page_renders_in_chromium(served_node: str, tmp_path: Path) -> None:
    dom = render(f"{served_node}/@alpha", tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert '<h1 class="p-name">Alpha Collective</h1>' in dom.stdout
    assert "@alpha@127.0.0.1:" in dom.stdout
    assert "We organise mutual aid." in dom.stdout
    shot = tmp_path / "profile.png"
    rendered = render(
        f"{served_node}/@alpha", tmp_path, f"--screenshot={shot}", "--window-size=900,700"
    )
    assert rendered.returncode == 0, rendered.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5_000


def test_actor_url_gives_browsers_the_page(served_node: str, tmp_path: Path) -> None:
    dom = render(f"{served_node}/users/alpha", tmp_path, "--dump-dom")
    assert "Alpha Collective" in dom.stdout and "<html" in dom.stdout
    home = render(f"{served_node}/", tmp_path, "--dump-dom")
    assert "Alpha Collective" in home.stdout


def test_a_call_page_and_its_place_on_the_profile(served_node: str, tmp_path: Path) -> None:
    profile = render(f"{served_node}/@alpha", tmp_path, "--dump-dom")
    assert "Fill the courtroom" in profile.stdout
    start = profile.stdout.index('<a href="') + len('<a href="')
    link = next(
        line.split('<a href="', 1)[1].split('"', 1)[0]
        for line in profile.stdout.splitlines()
        if "/calls/" in line and '<a href="' in line
    )
    assert start > 0 and link.startswith(served_node + "/calls/")
    page = render(link, tmp_path, "--dump-dom")
    assert "<h1>Fill the courtroom</h1>" in page.stdout
    assert "Come at nine" in page.stdout and "<strong>Monday</strong>" in page.stdout
    assert "1 January 2031, 09:00 UTC" in page.stdout
    shot = tmp_path / "call.png"
    rendered = render(link, tmp_path, f"--screenshot={shot}", "--window-size=900,900")
    assert rendered.returncode == 0 and shot.stat().st_size > 5_000
