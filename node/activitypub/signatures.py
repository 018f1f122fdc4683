"""HTTP Signatures: draft-cavage-12 signing, and parsing and verifying cavage and RFC 9421.

Pure: no I/O and no clock reads; callers pass `now`. Verification is split in two:
`verify_cryptographic` checks only the signature maths (usable on spec vectors), and
`verify_signature` adds Mastodon's policy: covered headers, body digest, time window.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Literal
from urllib.parse import urlsplit

from node.activitypub import rfc9421
from node.activitypub.keys import (
    RSA_V1_5_SHA256,
    PrivateKey,
    PublicKey,
    default_algorithm,
    sign_bytes,
    verify_bytes,
)
from node.errors import DigestMismatch, SignatureError

Scheme = Literal["cavage", "rfc9421"]

REQUEST_TARGET = "(request-target)"
CREATED = "(created)"
EXPIRES = "(expires)"
DEFAULT_EXPIRY = timedelta(minutes=5)
MAX_EXPIRY = timedelta(hours=12)
CLOCK_SKEW = timedelta(hours=1)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_CAVAGE_PARAM = re.compile(
    r'\s*(?P<name>[A-Za-z]+)\s*=\s*(?:"(?P<quoted>[^"]*)"|(?P<bare>[^",\s]+))\s*(?:,|$)'
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class ParsedSignature:
    """A signature read from a request, with what is needed to rebuild what it signed.

    components are lowercase cavage header names (with pseudo-headers) or RFC 9421
    component names; signature_params is the serialised RFC 9421 @signature-params.
    """

    scheme: Scheme
    key_id: str
    algorithm: str | None
    components: tuple[str, ...]
    signature: bytes
    created: int | None
    expires: int | None
    method: str
    path_and_query: str
    label: str | None = None
    signature_params: str | None = None


def digest_header(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def content_digest_header(body: bytes) -> str:
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii") + ":"


def http_date(now: datetime) -> str:
    """IMF-fixdate in GMT, e.g. "Sun, 05 Jan 2014 21:31:40 GMT"."""
    return format_datetime(_aware(now).astimezone(UTC), usegmt=True)


# --- signing -------------------------------------------------------------------------


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    key_id: str,
    private_key: PrivateKey,
    now: datetime,
) -> dict[str, str]:
    """The headers to add so the request is signed as Mastodon signs (draft-cavage-12).

    Returns Host, Date, Digest (for POST/PUT/PATCH or any body) and Signature. Signs
    `(request-target) host date digest content-type` when there is a body, otherwise
    `(request-target) host date accept`; content-type and accept only if present.
    """
    parts = urlsplit(url)
    path_and_query = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    added = {"Host": _host(parts.scheme, parts.hostname, parts.port), "Date": http_date(now)}
    has_body = method.upper() in _BODY_METHODS or bool(body)
    if has_body:
        added["Digest"] = digest_header(body or b"")
    merged = _lowercase(headers) | _lowercase(added)
    wanted = ("digest", "content-type") if has_body else ("accept",)
    components = [REQUEST_TARGET, "host", "date", *(name for name in wanted if name in merged)]
    added["Signature"] = cavage_signature_header(
        components,
        method=method,
        path_and_query=path_and_query,
        headers=merged,
        key_id=key_id,
        private_key=private_key,
    )
    return added


def cavage_signing_string(
    components: Sequence[str],
    *,
    method: str,
    path_and_query: str,
    headers: Mapping[str, str],
    created: int | None = None,
    expires: int | None = None,
) -> str:
    """The draft-cavage-12 signing string for any list of (pseudo-)header names."""
    lowered = _lowercase(headers)
    lines = []
    for name in (component.lower() for component in components):
        if name == REQUEST_TARGET:
            value = f"{method.lower()} {path_and_query}"
        elif name in (CREATED, EXPIRES):
            stamp = created if name == CREATED else expires
            if stamp is None:
                raise SignatureError(f"{name} is signed but the signature has no such parameter")
            value = str(stamp)
        elif name in lowered:
            value = lowered[name].strip()
        else:
            raise SignatureError(f"signed header {name!r} is missing from the request")
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


def cavage_signature_header(
    components: Sequence[str],
    *,
    method: str,
    path_and_query: str,
    headers: Mapping[str, str],
    key_id: str,
    private_key: PrivateKey,
    algorithm: str | None = None,
    created: int | None = None,
    expires: int | None = None,
) -> str:
    """A Signature header value; algorithm defaults to rsa-sha256 (RSA) or hs2019."""
    if algorithm is None:
        algorithm = "rsa-sha256" if default_algorithm(private_key) == RSA_V1_5_SHA256 else "hs2019"
    string = cavage_signing_string(
        components,
        method=method,
        path_and_query=path_and_query,
        headers=headers,
        created=created,
        expires=expires,
    )
    signature = sign_bytes(private_key, _cavage_primitive(algorithm, private_key), string.encode())
    fields = [f'keyId="{key_id}"', f'algorithm="{algorithm}"']
    if created is not None:
        fields.append(f"created={created}")
    if expires is not None:
        fields.append(f"expires={expires}")
    fields.append(f'headers="{" ".join(name.lower() for name in components)}"')
    fields.append(f'signature="{base64.b64encode(signature).decode("ascii")}"')
    return ",".join(fields)


# --- parsing -------------------------------------------------------------------------


def parse_signature(
    method: str, path_and_query: str, headers: Mapping[str, str], *, label: str | None = None
) -> ParsedSignature:
    """Read the request's signature: RFC 9421 if Signature-Input is present, else cavage.

    For RFC 9421, label picks one of several signatures; without it there must be one.
    """
    lowered = _lowercase(headers)
    if "signature-input" in lowered:
        entry = rfc9421.parse(lowered, label)
        return ParsedSignature(
            scheme="rfc9421",
            key_id=entry.key_id,
            algorithm=entry.alg,
            components=entry.components,
            signature=entry.signature,
            created=entry.created,
            expires=entry.expires,
            method=method,
            path_and_query=path_and_query,
            label=entry.label,
            signature_params=entry.signature_params,
        )
    if "signature" not in lowered:
        raise SignatureError("request is not signed: no Signature header")
    return _parse_cavage(lowered["signature"], method, path_and_query)


def _parse_cavage(value: str, method: str, path_and_query: str) -> ParsedSignature:
    params = _cavage_params(value)
    for required in ("keyid", "signature"):
        if required not in params:
            raise SignatureError(f"Signature header has no {required} parameter")
    algorithm = params.get("algorithm", "hs2019").lower()
    default_headers = CREATED if algorithm == "hs2019" else "date"
    components = tuple(params.get("headers", default_headers).lower().split())
    if not components:
        raise SignatureError("Signature header has an empty headers parameter")
    try:
        signature = base64.b64decode(params["signature"], validate=True)
    except binascii.Error as exc:
        raise SignatureError("Signature header's signature is not valid base64") from exc
    return ParsedSignature(
        scheme="cavage",
        key_id=params["keyid"],
        algorithm=algorithm,
        components=components,
        signature=signature,
        created=_cavage_int(params, "created"),
        expires=_cavage_int(params, "expires"),
        method=method,
        path_and_query=path_and_query,
    )


def _cavage_params(value: str) -> dict[str, str]:
    """Split `name="value",name=value` pairs; names are lowercased, duplicates refused."""
    params: dict[str, str] = {}
    position, value = 0, value.strip()
    while position < len(value):
        match = _CAVAGE_PARAM.match(value, position)
        if match is None:
            raise SignatureError(f"malformed Signature header at {value[position:][:40]!r}")
        name = match["name"].lower()
        if name in params:
            raise SignatureError(f"Signature header repeats the {name} parameter")
        params[name] = match["quoted"] if match["quoted"] is not None else match["bare"]
        position = match.end()
    return params


def _cavage_int(params: Mapping[str, str], name: str) -> int | None:
    if name not in params:
        return None
    try:
        return int(params[name])
    except ValueError as exc:
        raise SignatureError(f"Signature {name} is not an integer: {params[name]!r}") from exc


# --- verifying -----------------------------------------------------------------------


def verify_signature(
    parsed: ParsedSignature,
    public_key: PublicKey,
    *,
    method: str,
    path_and_query: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    base_url: str | None = None,
    key_algorithm: str | None = None,
) -> None:
    """Raise SignatureError (or DigestMismatch) unless the request passes Mastodon's checks.

    base_url ("https://node.example") is needed for RFC 9421 @target-uri, @authority and
    @scheme. key_algorithm is the key's own algorithm when the signature names none.
    """
    if (method, path_and_query) != (parsed.method, parsed.path_and_query):
        raise ValueError("verify_signature was given a different request than parse_signature")
    lowered = _lowercase(headers)
    check_policy(parsed)
    check_time_window(parsed, lowered, now)
    check_body_digest(parsed, lowered, body)
    verify_cryptographic(
        parsed, public_key, headers=lowered, base_url=base_url, key_algorithm=key_algorithm
    )


def verify_cryptographic(
    parsed: ParsedSignature,
    public_key: PublicKey,
    *,
    headers: Mapping[str, str],
    base_url: str | None = None,
    key_algorithm: str | None = None,
) -> None:
    """Check only that the signature is valid over what it covers; no policy at all."""
    lowered = _lowercase(headers)
    if parsed.scheme == "rfc9421":
        primitive = rfc9421.algorithm_for(parsed.algorithm, key_algorithm, public_key)
        context = rfc9421.RequestContext(
            parsed.method, parsed.path_and_query, lowered, base_url=base_url
        )
        bases = [rfc9421.signature_base(parsed.signature_params or "", context)]
    else:
        primitive = _cavage_primitive(parsed.algorithm or "hs2019", public_key)
        bases = [_cavage_base(parsed, target, lowered) for target in _targets(parsed)]
    for base in bases:
        if verify_bytes(public_key, primitive, base.encode(), parsed.signature):
            return
    raise SignatureError(
        f"bad signature from {parsed.key_id} ({parsed.scheme}, {primitive}, covering "
        f"{' '.join(parsed.components)})"
    )


def _cavage_base(parsed: ParsedSignature, path_and_query: str, headers: Mapping[str, str]) -> str:
    return cavage_signing_string(
        parsed.components,
        method=parsed.method,
        path_and_query=path_and_query,
        headers=headers,
        created=parsed.created,
        expires=parsed.expires,
    )


def _targets(parsed: ParsedSignature) -> list[str]:
    """(request-target) with the query string first, then without it, as Mastodon does."""
    path, question, _ = parsed.path_and_query.partition("?")
    if question and REQUEST_TARGET in parsed.components:
        return [parsed.path_and_query, path]
    return [parsed.path_and_query]


def _cavage_primitive(algorithm: str, key: PublicKey | PrivateKey) -> str:
    if algorithm == "rsa-sha256" and default_algorithm(key) == RSA_V1_5_SHA256:
        return RSA_V1_5_SHA256
    if algorithm == "hs2019":
        return default_algorithm(key)
    if algorithm == "rsa-sha256":
        raise SignatureError("algorithm rsa-sha256 needs an RSA key, the key is Ed25519")
    raise SignatureError(f"unsupported signature algorithm {algorithm!r}: use rsa-sha256 or hs2019")


# --- policy --------------------------------------------------------------------------


def check_policy(parsed: ParsedSignature) -> None:
    """Mastodon's rules on what must be covered (app/lib/signed_request.rb)."""
    covered = set(parsed.components)
    method = parsed.method.upper()
    if parsed.scheme == "cavage":
        has_time = bool(covered & {"date", CREATED})
        has_target = bool(covered & {REQUEST_TARGET, "digest"})
        digest, hosts = "digest", {"host"}
    else:
        has_time = parsed.created is not None or "date" in covered
        has_target = bool(covered & {"@target-uri", "@request-target", "@path", "content-digest"})
        digest, hosts = "content-digest", {"@authority", "@target-uri"}
    who = f"signature from {parsed.key_id}"
    if not has_time:
        raise SignatureError(f"{who} must cover date or carry a creation time")
    if not has_target:
        raise SignatureError(f"{who} must cover the request target or the digest")
    if method == "GET" and not covered & hosts:
        raise SignatureError(f"{who} must cover {' or '.join(sorted(hosts))} on a GET")
    if method == "POST" and digest not in covered:
        raise SignatureError(f"{who} must cover {digest} on a POST")


def check_time_window(parsed: ParsedSignature, headers: Mapping[str, str], now: datetime) -> None:
    """created = created param or Date; expires = expires param or created + 5 min (≤ 12 h)."""
    now = _aware(now)
    created = _created_at(parsed, _lowercase(headers))
    if created > now + CLOCK_SKEW:
        raise SignatureError(f"signature from {parsed.key_id} is dated in the future ({created})")
    expires = created + DEFAULT_EXPIRY
    if parsed.expires is not None:
        expires = _from_unix(parsed.expires, "expires")
    expires = min(expires, created + MAX_EXPIRY)
    if now > expires + CLOCK_SKEW:
        raise SignatureError(f"signature from {parsed.key_id} expired at {expires} (now {now})")


def _created_at(parsed: ParsedSignature, headers: Mapping[str, str]) -> datetime:
    if parsed.created is not None:
        return _from_unix(parsed.created, "created")
    if "date" not in headers:
        raise SignatureError(f"signature from {parsed.key_id} has no created time and no Date")
    try:
        return _http_date(headers["date"])
    except (TypeError, ValueError) as exc:
        raise SignatureError(f"invalid Date header: {headers['date']!r}") from exc


@functools.lru_cache(maxsize=256)
def _http_date(text: str) -> datetime:
    """Memoised: a busy sender signs many requests within the same second."""
    date = parsedate_to_datetime(text)
    return date if date.tzinfo else date.replace(tzinfo=UTC)


def _from_unix(stamp: int, name: str) -> datetime:
    try:
        return datetime.fromtimestamp(stamp, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise SignatureError(f"signature {name} time {stamp} is out of range") from exc


def check_body_digest(parsed: ParsedSignature, headers: Mapping[str, str], body: bytes) -> None:
    """If the digest header is covered, its SHA-256 must match the body exactly."""
    lowered = _lowercase(headers)
    name = "digest" if parsed.scheme == "cavage" else "content-digest"
    if name not in parsed.components:
        return
    if name not in lowered:
        raise SignatureError(f"{name} is signed but the request has no {name} header")
    if parsed.scheme == "rfc9421":
        rfc9421.check_content_digest(lowered[name], body)
        return
    offered = dict(_digest_entry(entry) for entry in lowered[name].split(","))
    if "sha-256" not in offered:
        raise SignatureError(f"Digest offers no SHA-256 (offered: {', '.join(offered)})")
    computed = digest_header(body).partition("=")[2]
    if offered["sha-256"] != computed:
        raise DigestMismatch(f"Digest SHA-256 {offered['sha-256']} does not match body {computed}")


def _digest_entry(entry: str) -> tuple[str, str]:
    algorithm, _, value = entry.strip().partition("=")
    return algorithm.lower(), value.strip()


# --- helpers -------------------------------------------------------------------------


def _lowercase(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _host(scheme: str, hostname: str | None, port: int | None) -> str:
    if not hostname:
        raise SignatureError("cannot sign a request whose URL has no host")
    host = f"[{hostname}]" if ":" in hostname else hostname
    if port is not None and port != _DEFAULT_PORTS.get(scheme.lower()):
        return f"{host}:{port}"
    return host


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("signatures need a timezone-aware datetime")
    return moment
