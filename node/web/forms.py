"""HTML form posts: the body read with a size limit, parsed as URL-encoded fields (or as
multipart when the form carries a file), and the CSRF token checked before anything else is
looked at. A file's bytes are only handed back, never interpreted here."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.types import Message, Scope

from node.errors import InvalidInput, UnsupportedMediaType
from node.web import csrf
from node.web.inbox_endpoint import read_body
from node.web.web_keys import web_state

MAX_FORM = 256 * 1024
MAX_FIELDS = 200
FORM_TYPE = "application/x-www-form-urlencoded"
MULTIPART_TYPE = "multipart/form-data"


@dataclass(frozen=True)
class Form:
    pairs: tuple[tuple[str, str], ...]

    def get(self, name: str, default: str = "") -> str:
        return next((value for key, value in self.pairs if key == name), default)

    def text(self, name: str) -> str:
        return self.get(name).strip()

    def all(self, name: str) -> list[str]:
        """Every value of a repeated field (hidden ids, checkboxes), in order."""
        return [value for key, value in self.pairs if key == name]

    def lines(self, name: str) -> list[str]:
        """A textarea's non-empty lines (one region, theme or action per line)."""
        return [line.strip() for line in self.get(name).splitlines() if line.strip()]

    def as_dict(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for key, value in self.pairs:
            found.setdefault(key, value)
        return found


def content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read(request: Request) -> Form:
    """The posted form, once its CSRF token is proven (403 otherwise)."""
    if content_type(request) != FORM_TYPE:
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


async def multipart(scope: Scope, body: bytes, **limits: int) -> FormData:
    """A multipart body already read (within its limit), parsed by Starlette; the caller
    closes it. `limits`: max_files, max_fields, max_part_size."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return await Request(scope, receive).form(**limits)


async def read_with_file(request: Request, file_limit: int) -> tuple[Form, bytes | None]:
    """A form that may carry one file (multipart/form-data; URL-encoded is read as `read`
    does): its fields once the CSRF token is proven, and the file's bytes (None when no file
    was chosen). The body may be `file_limit` bytes over the size of a form."""
    if content_type(request) == FORM_TYPE:
        return await read(request), None
    if content_type(request) != MULTIPART_TYPE:
        raise UnsupportedMediaType(f"send the form as {FORM_TYPE} or {MULTIPART_TYPE}")
    body = await read_body(request, MAX_FORM + file_limit)
    parsed = await multipart(
        request.scope, body, max_files=1, max_fields=MAX_FIELDS, max_part_size=MAX_FORM
    )
    try:
        pairs, data = [], None
        for name, value in parsed.multi_items():
            if isinstance(value, UploadFile):
                content = await value.read()
                data = content if content or value.filename else None
            else:
                pairs.append((name, value))
    finally:
        await parsed.close()
    form = Form(tuple(pairs))
    csrf.check(request, await web_state(request), form.as_dict())
    return form, data
