"""A call with a photo and a toolkit, as a person sees its page in headless Chromium: the
picture is shown from this node with its alt text, the toolkit as a download link."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.support.media_files import camera_jpeg, pdf_with_metadata
from tests.web.test_browser import SCRIPT, free_port, render

ALT = "Hundreds outside the court, holding a banner"


@pytest.fixture
def node_with_media(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A served node whose alpha published a call with a photo and a PDF: (base, call URL)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data = str(tmp_path / "data")

    def cli(*args: str) -> str:
        done = subprocess.run(
            [SCRIPT, "--data-dir", data, *args], check=True, timeout=60, capture_output=True
        )
        return done.stdout.decode()

    cli("init", "--base-url", base, "--allow-private-addresses")
    cli("org", "create", "alpha", "--display-name", "Alpha Collective")
    token = cli("token", "create", "alpha").strip().splitlines()[-1]
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [SCRIPT, "--data-dir", data, "serve", "--port", str(port)], stdout=log, stderr=log
    )
    try:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as http:
            wait_for(http, tmp_path)
            photo = http.post(
                "/api/v1/media",
                files={"file": ("p.jpg", camera_jpeg(), "image/jpeg")},
                data={"description": ALT},
            ).json()
            kit = http.post(
                "/api/v1/media",
                files={"file": ("k.pdf", pdf_with_metadata(), "application/pdf")},
                data={"description": "Court support toolkit"},
            ).json()
            deadline = (datetime.now(UTC) + timedelta(days=5)).isoformat()
            made = http.post(
                "/api/v1/calls",
                json={
                    "title": "Fill the courtroom",
                    "content": "Come on Monday.",
                    "deadline": deadline,
                    "media_ids": [photo["id"], kit["id"]],
                },
            )
            assert made.status_code == 201, made.text
        yield base, made.json()["url"]
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def wait_for(http: httpx.Client, tmp_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if http.get("/.well-known/nodeinfo", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("the node did not start: " + (tmp_path / "serve.log").read_text())


def test_the_call_page_shows_the_picture_with_its_alt_text(
    node_with_media: tuple[str, str], tmp_path: Path
) -> None:
    base, url = node_with_media
    dom = render(url, tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert f'alt="{ALT}"' in dom.stdout
    assert f'src="{base}/media/' in dom.stdout  # from this node, never another server
    assert "Court support toolkit</a>" in dom.stdout and "download" in dom.stdout
    shot = tmp_path / "call-with-photo.png"
    rendered = render(url, tmp_path, f"--screenshot={shot}", "--window-size=900,1200")
    assert rendered.returncode == 0 and shot.stat().st_size > 5_000
