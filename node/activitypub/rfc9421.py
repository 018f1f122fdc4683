"""RFC 9421 HTTP Message Signatures: Signature-Input, signature bases, Content-Digest.

Pure: no I/O, no clock. Structured fields are parsed and serialised with http-sfv only.
Supports the request components @method, @target-uri, @authority, @scheme,
@request-target, @path, @query, @query-param;name and plain header fields.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from http_sfv.dictionary import Dictionary
from http_sfv.item import InnerList, Item
from http_sfv.list import List

from node.activitypub.keys import (
    ALGORITHMS,
    ED25519,
    PrivateKey,
    PublicKey,
    default_algorithm,
    sign_bytes,
)
from node.errors import DigestMismatch, SignatureError

DERIVED = frozenset(
    {"@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path", "@query"}
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_FORM_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789*-._")


@dataclass(frozen=True)
class SignatureEntry:
    """One labelled signature read from the Signature-Input and Signature fields."""

    label: str
    components: tuple[str, ...]
    signature_params: str
    signature: bytes
    key_id: str
    alg: str | None
    created: int | None
    expires: int | None


@dataclass(frozen=True)
class RequestContext:
    """What a signature base is built from; headers have lowercase names."""

    method: str
    path_and_query: str
    headers: Mapping[str, str]
    base_url: str | None


def parse(headers: Mapping[str, str], label: str | None = None) -> SignatureEntry:
    """The signature called label, or the only one; headers have lowercase names."""
    inputs = _dictionary(headers, "signature-input")
    signatures = _dictionary(headers, "signature")
    if label is None:
        if len(inputs) != 1:
            raise SignatureError(
                f"expected exactly one signature, Signature-Input has {len(inputs)}"
            )
        label = next(iter(inputs))
    if label not in inputs or label not in signatures:
        raise SignatureError(f"no signature labelled {label!r} in Signature-Input and Signature")
    inner, signature = inputs[label], signatures[label]
    if not isinstance(inner, InnerList):
        raise SignatureError(f"Signature-Input {label!r} is not an inner list")
    if not isinstance(signature, Item) or not isinstance(signature.value, bytes):
        raise SignatureError(f"Signature {label!r} is not a byte sequence")
    components = tuple(_component_name(item) for item in inner)
    params = inner.params
    return SignatureEntry(
        label=label,
        components=components,
        signature_params=str(inner),
        signature=signature.value,
        key_id=_key_id(params, label),
        alg=_str_param(params, "alg"),
        created=_int_param(params, "created"),
        expires=_int_param(params, "expires"),
    )


def signature_base(signature_params: str, request: RequestContext) -> str:
    """The signature base (RFC 9421 section 2.5) for a serialised @signature-params value."""
    inner = _inner_list(signature_params)
    lines: list[str] = []
    seen: set[str] = set()
    for item in inner:
        identifier = str(item)
        if identifier in seen:
            raise SignatureError(f"component {identifier} is covered twice")
        seen.add(identifier)
        lines.append(f"{identifier}: {_component_value(item, request)}")
    lines.append(f'"@signature-params": {inner}')
    return "\n".join(lines)


def sign(
    components: Sequence[str],
    request: RequestContext,
    *,
    key_id: str,
    private_key: PrivateKey,
    created: int,
    expires: int | None = None,
    alg: str | None = None,
    label: str = "sig1",
) -> dict[str, str]:
    """Signature-Input and Signature fields for the given plain component names.

    Without alg, the key's own algorithm is used and no alg parameter is sent.
    """
    inner = InnerList(list(components))
    inner.params["created"] = created
    inner.params["keyid"] = key_id
    if alg is not None:
        inner.params["alg"] = alg
    if expires is not None:
        inner.params["expires"] = expires
    base = signature_base(str(inner), request)
    signature = sign_bytes(private_key, alg or default_algorithm(private_key), base.encode())
    signature_field = Dictionary()
    signature_field[label] = signature
    input_field = Dictionary()
    input_field[label] = inner
    return {"Signature-Input": str(input_field), "Signature": str(signature_field)}


def algorithm_for(alg: str | None, key_algorithm: str | None, key: PublicKey) -> str:
    """The algorithm to verify with: the alg parameter, else the key's own algorithm."""
    if alg is not None and key_algorithm is not None and alg != key_algorithm:
        raise SignatureError(f"signature says alg={alg!r} but the key is for {key_algorithm!r}")
    chosen = alg or key_algorithm or default_algorithm(key)
    if chosen not in ALGORITHMS:
        raise SignatureError(
            f"unsupported signature algorithm {chosen!r}: use one of {', '.join(ALGORITHMS)}"
        )
    if chosen == ED25519 and default_algorithm(key) != ED25519:
        raise SignatureError("algorithm ed25519 needs an Ed25519 key, the key is RSA")
    return chosen


def check_content_digest(value: str, body: bytes) -> None:
    """The sha-256 entry of Content-Digest must match the body exactly."""
    if content_digest_sha256(value) != hashlib.sha256(body).digest():
        raise DigestMismatch(f"Content-Digest does not match the body: {value}")


def content_digest_sha256(value: str) -> bytes:
    """The sha-256 entry of a Content-Digest field (RFC 9530); other entries are ignored."""
    field = Dictionary()
    try:
        field.parse(value.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise SignatureError(f"malformed Content-Digest: {value!r}") from exc
    entry = field.get("sha-256")
    if entry is None:
        offered = ", ".join(field) or "nothing"
        raise SignatureError(f"Content-Digest offers no sha-256 (offered: {offered})")
    if not isinstance(entry, Item) or not isinstance(entry.value, bytes):
        raise SignatureError("Content-Digest sha-256 entry is not a byte sequence")
    return entry.value


def _dictionary(headers: Mapping[str, str], name: str) -> Dictionary:
    value = headers.get(name)
    if value is None:
        raise SignatureError(f"missing {name} header")
    field = Dictionary()
    try:
        field.parse(value.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise SignatureError(f"malformed {name} header: {value!r}") from exc
    return field


def _inner_list(signature_params: str) -> InnerList:
    outer = List()
    try:
        outer.parse(signature_params.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise SignatureError(f"malformed signature parameters: {signature_params!r}") from exc
    if len(outer) != 1 or not isinstance(outer[0], InnerList):
        raise SignatureError(f"signature parameters are not one inner list: {signature_params!r}")
    inner: InnerList = outer[0]
    return inner


def _key_id(params: Mapping[str, object], label: str) -> str:
    key_id = _str_param(params, "keyid")
    if key_id is None:
        raise SignatureError(f"signature {label!r} has no keyid parameter")
    return key_id


def _str_param(params: Mapping[str, object], name: str) -> str | None:
    value = params.get(name)
    if value is not None and type(value) is not str:
        raise SignatureError(f"signature parameter {name} must be a string, not {value!r}")
    return value


def _int_param(params: Mapping[str, object], name: str) -> int | None:
    value = params.get(name)
    if value is not None and type(value) is not int:
        raise SignatureError(f"signature parameter {name} must be an integer, not {value!r}")
    return value


def _component_name(item: Item) -> str:
    name = item.value
    if not isinstance(name, str) or not name or name != name.lower():
        raise SignatureError(f"component identifier {item} is not a lowercase string")
    return name


def _component_value(item: Item, request: RequestContext) -> str:
    name = _component_name(item)
    params = dict(item.params)
    if name == "@query-param":
        return _query_param(params, request.path_and_query)
    if params:
        raise SignatureError(f"component parameters of {item} are not supported")
    if name in DERIVED:
        return _derived(name, request)
    if name.startswith("@"):
        raise SignatureError(f"derived component {name} is not supported in a request")
    value = request.headers.get(name)
    if value is None:
        raise SignatureError(f"covered header {name!r} is missing from the request")
    return value.strip()


def _derived(name: str, request: RequestContext) -> str:
    path, _, query = request.path_and_query.partition("?")
    if name == "@method":
        return request.method
    if name == "@request-target":
        return request.path_and_query
    if name == "@path":
        return path or "/"
    if name == "@query":
        return f"?{query}"
    scheme, authority = _origin(request.base_url, name)
    if name == "@scheme":
        return scheme
    if name == "@authority":
        return authority
    return f"{scheme}://{authority}{request.path_and_query}"


def _origin(base_url: str | None, name: str) -> tuple[str, str]:
    if not base_url:
        raise SignatureError(f"cannot rebuild {name}: the verifier's base URL is unknown")
    parts = urlsplit(base_url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    return scheme, host


def _query_param(params: Mapping[str, object], path_and_query: str) -> str:
    wanted = params.get("name")
    if not isinstance(wanted, str) or set(params) != {"name"}:
        raise SignatureError("@query-param needs exactly one string parameter, name")
    query = path_and_query.partition("?")[2]
    values = [
        _form_encode(value)
        for key, value in parse_qsl(query, keep_blank_values=True)
        if _form_encode(key) == wanted
    ]
    if len(values) != 1:
        raise SignatureError(f"query parameter {wanted!r} occurs {len(values)} times, not once")
    return values[0]


def _form_encode(text: str) -> str:
    """WHATWG "percent-encode after encoding" with the form set, spaces as %20."""
    return "".join(chr(b) if b in _FORM_SAFE else f"%{b:02X}" for b in text.encode("utf-8"))
