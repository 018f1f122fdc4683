"""The shipped nginx sites (deploy/nginx/solidarity-node.conf, deploy/compose/nginx.conf.template)
made to run on loopback for tests: the domain, certificate paths, ports, upstreams and log paths
replaced, each replacement checked to have happened; wrapped in a minimal nginx.conf in a folder
of the test's own; `nginx -t` on it, or nginx running it.

Debian's nginx is needed (.ci/run and scripts/setup.sh install it); without it a test skips,
or fails with CI=true.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.support.ci import require
from tests.support.processes import Process, node_env, wait_until

REPO = Path(__file__).resolve().parents[2]
DEBIAN_SITE = REPO / "deploy" / "nginx" / "solidarity-node.conf"
COMPOSE_SITE = REPO / "deploy" / "compose" / "nginx.conf.template"
START_TIMEOUT = 15.0


def nginx_binary() -> str:
    search = f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin"  # root's PATH has them, not all
    found = shutil.which("nginx", path=search)
    if found is None:
        require("nginx is not installed (apt-get install nginx)")
    assert found is not None
    return found


@dataclass(frozen=True)
class Loopback:
    """Where the site runs in a test: its domain, certificate, ports and upstream ports."""

    folder: Path
    domain: str
    cert: Path
    key: Path
    http_port: int
    https_port: int
    upstreams: tuple[int, ...]


def replaced(text: str, old: str, new: str, times: int | None = None) -> str:
    """text.replace(old, new), failing if `old` is not there (`times` times, when given)."""
    found = text.count(old)
    assert found and (times is None or found == times), f"{old!r} found {found} times"
    return text.replace(old, new)


def render_debian_site(where: Loopback) -> str:
    text = DEBIAN_SITE.read_text()
    live = "/etc/letsencrypt/live/node.example"
    text = replaced(text, f"{live}/fullchain.pem", str(where.cert), 1)
    text = replaced(text, f"{live}/privkey.pem", str(where.key), 1)
    text = replaced(text, "node.example", where.domain)
    text = replaced(text, "/var/log/nginx/", f"{where.folder}/")
    text = replaced(text, "root /var/www/html;", f"root {where.folder}/www;", 1)
    upstream = "".join(f"server 127.0.0.1:{port};\n    " for port in where.upstreams)
    text = replaced(text, "server 127.0.0.1:8000;\n    ", upstream, 1)
    return _loopback_listens(text, where)


def render_compose_site(where: Loopback) -> str:
    """As the nginx image's envsubst would (NODE_DOMAIN only), then on loopback."""
    text = COMPOSE_SITE.read_text()
    live = "/etc/letsencrypt/live/${NODE_DOMAIN}"
    text = replaced(text, f"{live}/fullchain.pem", str(where.cert), 1)
    text = replaced(text, f"{live}/privkey.pem", str(where.key), 1)
    text = replaced(text, "${NODE_DOMAIN}", where.domain)
    assert "${" not in text, "a variable the nginx image would not fill in"
    upstream = "".join(f"server 127.0.0.1:{port};\n    " for port in where.upstreams)
    text = replaced(text, "server serve:8000;\n    ", upstream, 1)  # compose's DNS name
    text = replaced(text, "access_log /dev/stdout", f"access_log {where.folder}/access.log", 1)
    return _loopback_listens(text, where)


def _loopback_listens(text: str, where: Loopback) -> str:
    text = replaced(text, "listen 80;", f"listen 127.0.0.1:{where.http_port};", 1)
    text = replaced(text, "listen [::]:80;\n", "", 1)
    https = f"listen 127.0.0.1:{where.https_port} ssl http2;"
    text = replaced(text, "listen 443 ssl http2;", https, 1)
    return replaced(text, "listen [::]:443 ssl http2;\n", "", 1)


def main_config(where: Loopback, site: str) -> Path:
    """nginx.conf including `site` in its http block, everything under where.folder."""
    folder = where.folder
    (folder / "www").mkdir(parents=True, exist_ok=True)
    site_file = folder / "site.conf"
    site_file.write_text(site)
    user = "user root root;\n" if os.geteuid() == 0 else ""  # workers read the test's folder
    config = folder / "nginx.conf"
    config.write_text(
        f"{user}pid {folder}/nginx.pid;\n"
        f"error_log {folder}/error.log;\n"
        "worker_processes 1;\n"
        "events { worker_connections 512; }\n"
        "http {\n"
        f"    client_body_temp_path {folder}/client_body;\n"
        f"    proxy_temp_path {folder}/proxy;\n"
        f"    fastcgi_temp_path {folder}/fastcgi;\n"
        f"    uwsgi_temp_path {folder}/uwsgi;\n"
        f"    scgi_temp_path {folder}/scgi;\n"
        f"    access_log {folder}/access.log;\n"
        f"    include {site_file};\n"
        "}\n"
    )
    return config


def nginx_test(config: Path) -> subprocess.CompletedProcess[str]:
    """`nginx -t` on the configuration (its output is on stderr)."""
    folder = config.parent
    command = [nginx_binary(), "-t", "-p", str(folder), "-e", str(folder / "error.log")]
    return subprocess.run(
        [*command, "-c", str(config)], capture_output=True, text=True, timeout=30, check=False
    )


def start_nginx(config: Path, logs: Path) -> Process:
    folder = config.parent
    command = [nginx_binary(), "-p", str(folder), "-e", str(folder / "error.log")]
    command += ["-c", str(config), "-g", "daemon off;"]
    process = Process.start("nginx", command, node_env(), logs, logs)
    wait_until((folder / "nginx.pid").exists, "nginx to start", process, START_TIMEOUT)
    return process
