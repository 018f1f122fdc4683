"""Rendering HTML pages: one Jinja2 environment per app (autoescaped, with gettext), and the
context every page shares: the node, the chosen language and its direction, the CSRF token for
its forms, the signed-in member's workspace, and dates written in the page's language.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from node import __version__
from node.web import csrf, i18n
from node.web.app_state import runtime
from node.web.web_keys import WebState, loaded, web_state

if TYPE_CHECKING:
    from starlette.templating import Jinja2Templates

TEMPLATES = Path(__file__).parent / "templates"
# Pages need no script at all; they may not be framed (the workspace's forms must not be
# clickjacked); addresses inside the workspace are not told to other sites.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' https: data:; style-src 'self'; "
        "script-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def templates(request: Request) -> Jinja2Templates:
    """The app's templates, made at the first page: Jinja2 is not loaded until a page is shown."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from starlette.templating import Jinja2Templates

    found = getattr(request.app.state, "templates", None)
    if found is None:
        env = Environment(
            loader=FileSystemLoader(str(TEMPLATES)),
            autoescape=select_autoescape(),
            trim_blocks=True,
        )
        i18n.install(env)
        found = request.app.state.templates = Jinja2Templates(env=env)
    assert isinstance(found, Jinja2Templates)
    return found


class Dates:
    """Dates and durations in the page's language, for the templates."""

    def __init__(self, code: str, now: datetime) -> None:
        self.code, self.now = code, now

    def when(self, moment: datetime | None) -> str:
        return i18n.when(moment, self.code)

    def day(self, moment: datetime | None) -> str:
        return i18n.day(moment, self.code)

    def left(self, deadline: datetime | None) -> str:
        return i18n.time_left(deadline, self.now, self.code)


def render_with(
    request: Request,
    web: WebState | None,
    name: str,
    context: dict[str, Any],
    status: int = 200,
) -> Response:
    node = runtime(request)
    catalogues = web.catalogues if web else i18n.Catalogues()
    language = i18n.activate(request, catalogues)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    common = {
        "node_name": node.settings.node_name,
        "node_description": node.settings.node_description,
        "base_url": node.urls.base,
        "version": __version__,
        "lang": language.code,
        "dir": language.direction,
        "languages": list(i18n.LANGUAGES.values()),
        "csrf": csrf.token(request, web) if web else None,
        "ws": getattr(request.state, "workspace", None),
        "here": here,
        "now": node.clock.now(),
        "dates": Dates(language.code, node.clock.now()),
    }
    response = templates(request).TemplateResponse(
        request,
        name,
        common | context,
        status_code=status,
        headers={
            "Vary": "Accept, Accept-Language, Cookie",
            "Content-Language": language.code,
            **SECURITY_HEADERS,
        },
    )
    csrf.attach(request, response)
    return response


async def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    return render_with(request, await web_state(request), name, context, status)


def page_now(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """For error pages, which cannot wait: forms are left out if the web key is not loaded."""
    return render_with(request, loaded(request), name, context, status)
