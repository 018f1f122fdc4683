"""HTML form posts: the body read with a size limit, parsed as URL-encoded fields, and the
CSRF token checked before anything else is looked at."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.requests import Request

from node.errors import InvalidInput, UnsupportedMediaType
from node.web import csrf
from node.web.inbox_endpoint import read_body
from node.web.web_keys import web_state

MAX_FORM = 256 * 1024
MAX_FIELDS = 200
FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Form:
    pairs: tuple[tuple[str, str], ...]

    def get(self, name: str, default: str = "") -> str:
        return next((value for key, value in self.pairs if key == name), default)

    def text(self, name: str) -> str:
        return self.get(name).strip()

    def lines(self, name: str) -> list[str]:
        """A textarea's non-empty lines (one region, theme or action per line)."""
        return [line.strip() for line in self.get(name).splitlines() if line.strip()]

    def as_dict(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for key, value in self.pairs:
            found.setdefault(key, value)
        return found


async def read(request: Request) -> Form:
    """The posted form, once its CSRF token is proven (403 otherwise)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != FORM_TYPE:
        raise UnsupportedMediaType(f"send the form as {FORM_TYPE}")
    body = await read_body(request, MAX_FORM)
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput("the form could not be read") from exc
    form = Form(tuple(pairs))
    csrf.check(request, await web_state(request), form.as_dict())
    return form
