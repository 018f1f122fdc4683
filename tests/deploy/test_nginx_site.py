"""The shipped nginx sites: `nginx -t` accepts them (Debian's nginx, a test certificate), and
they say what the node needs of a proxy: TLS and HTTP/2, the Host header passed through
unchanged (port included), forwarded headers, the inbox's body limit, long caching of static
files, and /metrics kept from the public. tests/deploy/test_admin_guide.py runs the Debian site
in front of real processes and checks the same things on the wire.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from node.config import Settings
from tests.support.nginx import (
    COMPOSE_SITE,
    DEBIAN_SITE,
    Loopback,
    main_config,
    nginx_test,
    render_compose_site,
    render_debian_site,
)
from tests.support.processes import free_port
from tests.support.tls import make_test_pki

RENDERERS = {"debian": render_debian_site, "compose": render_compose_site}
SITES = {"debian": DEBIAN_SITE, "compose": COMPOSE_SITE}


def loopback(folder: Path) -> Loopback:
    pki = make_test_pki(folder / "pki")
    return Loopback(
        folder=folder / "nginx",
        domain="localhost",
        cert=pki.cert,
        key=pki.key,
        http_port=free_port(),
        https_port=free_port(),
        upstreams=(free_port(), free_port()),
    )


@pytest.mark.parametrize("site", sorted(RENDERERS))
def test_nginx_accepts_the_site(site: str, tmp_path: Path) -> None:
    where = loopback(tmp_path)
    checked = nginx_test(main_config(where, RENDERERS[site](where)))
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr
    assert "[emerg]" not in checked.stderr and "[warn]" not in checked.stderr, checked.stderr


def test_nginx_refuses_a_broken_site(tmp_path: Path) -> None:
    """The check above can fail: a site with a misspelt directive does not pass."""
    where = loopback(tmp_path)
    broken = render_debian_site(where).replace("client_max_body_size", "client_max_body_sise")
    checked = nginx_test(main_config(where, broken))
    assert checked.returncode != 0
    assert "client_max_body_sise" in checked.stderr


def directives(text: str) -> list[str]:
    """The site's directives, one string each, comments dropped and spaces folded."""
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    return [" ".join(part.split()) for part in re.split(r"[;{}]", code) if part.strip()]


@pytest.mark.parametrize("site", sorted(SITES))
def test_the_site_says_what_the_node_needs(site: str) -> None:
    found = directives(SITES[site].read_text())
    assert "listen 443 ssl http2" in found
    assert "proxy_set_header Host $http_host" in found  # $host would drop a port
    # the Debian node believes only 127.0.0.1, which appends; compose's believes any address
    forwarded = "$remote_addr" if site == "compose" else "$proxy_add_x_forwarded_for"
    assert f"proxy_set_header X-Forwarded-For {forwarded}" in found
    assert "proxy_set_header X-Forwarded-Proto $scheme" in found
    assert "proxy_set_header X-Request-Id $request_id" in found
    assert any(d.startswith("ssl_certificate ") for d in found)
    assert "expires 30d" in found
    assert "deny all" in found
    assert not any("$remote_addr" in d for d in found if d.startswith("log_format"))


@pytest.mark.parametrize("site", sorted(SITES))
def test_the_body_limit_is_the_inbox_limit(site: str, tmp_path: Path) -> None:
    limits = [d for d in directives(SITES[site].read_text()) if d.startswith("client_max_body")]
    assert limits == ["client_max_body_size 1m"]
    inbox = Settings(tmp_path, "https://node.example", "sqlite+aiosqlite://").inbox_max_bytes
    assert inbox == 1 << 20
