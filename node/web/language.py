"""The language switcher: a form on every page whose buttons set the `sn_lang` cookie (a year,
SameSite=Lax) and bring the visitor back to the page they were on."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from node.errors import InvalidInput
from node.web import forms, i18n
from node.web.app_state import runtime

YEAR = 365 * 24 * 3600


def back_to(target: str) -> str:
    """Only a path on this node: never a redirect elsewhere."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


async def choose(request: Request) -> Response:
    form = await forms.read(request)
    code = form.text("lang")
    if code not in i18n.LANGUAGES:
        raise InvalidInput(f"no such language here: {code!r}")
    response = RedirectResponse(back_to(form.text("next")), status_code=303)
    secure = runtime(request).urls.scheme == "https"
    response.set_cookie(i18n.COOKIE, code, max_age=YEAR, samesite="lax", secure=secure, path="/")
    return response
