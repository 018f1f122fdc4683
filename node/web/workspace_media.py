"""Pictures and documents in the workspace's compose form, without JavaScript: the form is
multipart; a chosen file is uploaded through solidarity.attachments (the API's use case: made
anew without metadata, refused with a clear message and nothing stored), and the page comes
back with its preview and a hidden id, kept through every later post until publishing.

The workspace asks for a description (alt text) of every upload. Previews are served to the
organisation's members only, since an upload is not public until a publication carries it.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from node.errors import InvalidInput, NotFound
from node.federation.runtime import Runtime
from node.solidarity import attachments
from node.storage.actors import LocalActor
from node.storage.uploads import StoredMedia
from node.web import forms, media_files
from node.web.app_state import runtime
from node.web.sessions import Workspace, members_only

DESCRIBE = (
    "describe the picture or document (its alt text) before uploading it: "
    "people who cannot see it rely on the description"
)


async def read(request: Request) -> tuple[forms.Form, bytes | None]:
    """The compose form and the file chosen in it, if any (within the upload limits)."""
    limits = runtime(request).settings.media
    return await forms.read_with_file(
        request, max(limits.image_max_bytes, limits.document_max_bytes)
    )


async def kept(node: Runtime, org: LocalActor, form: forms.Form) -> list[StoredMedia]:
    """The uploads the form carries (hidden ids), less those ticked for removal, in order."""
    removed = set(form.all("remove"))
    keys = list(dict.fromkeys(k for k in form.all("media_ids") if k and k not in removed))
    return await attachments.for_publication(node, org, keys)


async def described(
    node: Runtime, org: LocalActor, form: forms.Form, media: list[StoredMedia]
) -> list[StoredMedia]:
    """The uploads with the descriptions the form changed saved (never emptied)."""
    found = []
    for item in media:
        text = form.text(f"description-{item.key}")
        if f"description-{item.key}" in form.as_dict() and text != item.description:
            if not text:
                raise InvalidInput(DESCRIBE)
            item = await attachments.describe(node, org, item.key, text)
        found.append(item)
    return found


async def added(
    node: Runtime, org: LocalActor, form: forms.Form, data: bytes, media: list[StoredMedia]
) -> StoredMedia:
    """The chosen file, uploaded; InvalidInput (and nothing stored) when refused."""
    if len(media) >= attachments.MAX_ATTACHMENTS:
        raise InvalidInput(
            f"a publication carries at most {attachments.MAX_ATTACHMENTS} pictures or documents"
        )
    if not form.text("description"):
        raise InvalidInput(DESCRIBE)
    return await attachments.upload(node, org, data, form.get("description"))


async def of_source(node: Runtime, org: LocalActor, source: dict[str, object]) -> list[StoredMedia]:
    """The uploads a stored publication carries (for its edit form)."""
    keys = source.get("media_ids") or []
    assert isinstance(keys, list)
    return await attachments.for_publication(node, org, [str(k) for k in keys])


@members_only()
async def preview_file(request: Request, ws: Workspace) -> Response:
    """An upload of the organisation (or its thumbnail), for its members' previews."""
    node, name = runtime(request), request.path_params["name"]
    item = await attachments.owned(node, ws.org, media_files.key_of(name))
    if name not in item.files:
        raise NotFound(f"no such file of {item.key}: {name}")
    headers = media_files.headers_for(name, item.kind, media_files.PRIVATE_CACHE)
    return await media_files.send(node, name, media_files.type_of(item, name), headers)
