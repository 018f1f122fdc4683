"""HTTP Signatures: published spec vectors, round trips, and every way a request is refused.

Spec values are copied verbatim (RFC 8792 line wrapping undone) from:
- draft-cavage-http-signatures-12, Appendix C: w3c-ccg/http-signatures, index.xml at
  63bdfcb8 ("Bump version to 12"), the draft's source;
- RFC 9530 Appendix D: httpwg/http-extensions, archive/draft-ietf-httpbis-digest-headers.md at
  e9067eba ("Digest and Signatures published as RFCs"), the RFC's source text.
RFC 9421's own vectors are in test_rfc9421.py; RFC 9421 with our signer and verifier is here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from node.activitypub import rfc9421
from node.activitypub.keys import (
    PrivateKey,
    PublicKey,
    generate_key_pair,
    load_private_key,
    load_public_key,
)
from node.activitypub.signatures import (
    ParsedSignature,
    cavage_signature_header,
    cavage_signing_string,
    content_digest_header,
    digest_header,
    parse_signature,
    sign_request,
    verify_cryptographic,
    verify_signature,
)
from node.errors import DigestMismatch, SignatureError
from tests.activitypub.test_rfc9421 import SHA512_HELLO

# --- draft-cavage-http-signatures-12, Appendix C ----------------------------------------

# The draft calls this an "RSA 2048-bit" key; it is in fact 1024-bit. Used as published.
CAVAGE_PUBLIC_PEM = """-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCFENGw33yGihy92pDjZQhl0C3
6rPJj+CvfSC8+q28hxA161QFNUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6
Z4UMR7EOcpfdUE9Hf3m/hs+FUR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJw
oYi+1hqp1fIekaxsyQIDAQAB
-----END PUBLIC KEY-----
"""
CAVAGE_PRIVATE_PEM = """-----BEGIN RSA PRIVATE KEY-----
MIICXgIBAAKBgQDCFENGw33yGihy92pDjZQhl0C36rPJj+CvfSC8+q28hxA161QF
NUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6Z4UMR7EOcpfdUE9Hf3m/hs+F
UR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJwoYi+1hqp1fIekaxsyQIDAQAB
AoGBAJR8ZkCUvx5kzv+utdl7T5MnordT1TvoXXJGXK7ZZ+UuvMNUCdN2QPc4sBiA
QWvLw1cSKt5DsKZ8UETpYPy8pPYnnDEz2dDYiaew9+xEpubyeW2oH4Zx71wqBtOK
kqwrXa/pzdpiucRRjk6vE6YY7EBBs/g7uanVpGibOVAEsqH1AkEA7DkjVH28WDUg
f1nqvfn2Kj6CT7nIcE3jGJsZZ7zlZmBmHFDONMLUrXR/Zm3pR5m0tCmBqa5RK95u
412jt1dPIwJBANJT3v8pnkth48bQo/fKel6uEYyboRtA5/uHuHkZ6FQF7OUkGogc
mSJluOdc5t6hI1VsLn0QZEjQZMEOWr+wKSMCQQCC4kXJEsHAve77oP6HtG/IiEn7
kpyUXRNvFsDE0czpJJBvL/aRFUJxuRK91jhjC68sA7NsKMGg5OXb5I5Jj36xAkEA
gIT7aFOYBFwGgQAQkWNKLvySgKbAZRTeLBacpHMuQdl1DfdntvAyqpAZ0lY0RKmW
G6aFKaqQfOXKCyWoUiVknQJAXrlgySFci/2ueKlIE1QqIiLSZ8V8OlpFLRnb1pzI
7U1yQXnTAEFYM560yJlzUpOb1V4cScGd365tiSMvxLOvTA==
-----END RSA PRIVATE KEY-----
"""
CAVAGE_PATH = "/foo?param=value&pet=dog"
CAVAGE_HEADERS = {
    "Host": "example.com",
    "Date": "Sun, 05 Jan 2014 21:31:40 GMT",
    "Content-Type": "application/json",
    "Digest": "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",
    "Content-Length": "18",
}
HELLO_BODY = b'{"hello": "world"}'
CAVAGE_NOW = datetime(2014, 1, 5, 21, 32, 0, tzinfo=UTC)
C1_SIGNATURE = (
    "SjWJWbWN7i0wzBvtPl8rbASWz5xQW6mcJmn+ibttBqtifLN7Sazz6m79cNfwwb8DMJ5cou1s7uEGKKCs+FLEEaDV5"
    "lp7q25WqS+lavg7T8hc0GppauB6hbgEKTwblDHYGEtbGmtdHgVCk9SuS13F0hZ8FD0k/5OxEPXe5WozsbM="
)
C2_SIGNATURE = (
    "qdx+H7PHHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7ndmw2iicw3H"
    "Mbe8VfEdKFYRqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0="
)
C3_SIGNATURE = (
    "vSdrb+dS3EceC9bcwHSo4MlyKS59iFIrhgYkz8+oVLEEzmYZZvRs8rgOp+63LEM3v+MFHB32NfpB2bEKBIvB1q52L"
    "aEUHFv120V01IL+TAD48XaERZFukWgHoBTLMhYS2Gb51gWxpeIq8knRmPnYePbF5MOkR0Zkly4zKH7s1dE="
)
C2_STRING = (
    "(request-target): post /foo?param=value&pet=dog\n"
    "host: example.com\n"
    "date: Sun, 05 Jan 2014 21:31:40 GMT"
)
C3_STRING = (
    C2_STRING + "\n"
    "content-type: application/json\n"
    "digest: SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=\n"
    "content-length: 18"
)
C3_HEADERS = "(request-target) host date content-type digest content-length"


def _signature_value(header: str) -> str:
    return header.rpartition('signature="')[2].rstrip('"')


def _cavage_sign(components: str) -> str:
    return cavage_signature_header(
        components.split(),
        method="POST",
        path_and_query=CAVAGE_PATH,
        headers=CAVAGE_HEADERS,
        key_id="Test",
        private_key=load_private_key(CAVAGE_PRIVATE_PEM),
    )


def _cavage_parse(signature: str) -> ParsedSignature:
    return parse_signature("POST", CAVAGE_PATH, CAVAGE_HEADERS | {"Signature": signature})


def _cavage_check(parsed: ParsedSignature, signature: str) -> None:
    verify_cryptographic(
        parsed,
        load_public_key(CAVAGE_PUBLIC_PEM),
        headers=CAVAGE_HEADERS | {"Signature": signature},
    )


def test_cavage_c1_default_test() -> None:
    string = cavage_signing_string(
        ["date"], method="POST", path_and_query=CAVAGE_PATH, headers=CAVAGE_HEADERS
    )
    assert string == "date: Sun, 05 Jan 2014 21:31:40 GMT"
    assert _signature_value(_cavage_sign("date")) == C1_SIGNATURE

    published = f'keyId="Test",algorithm="rsa-sha256",signature="{C1_SIGNATURE}"'
    parsed = _cavage_parse(published)
    assert parsed.components == ("date",)  # no headers parameter: date, for rsa-sha256
    _cavage_check(parsed, published)


def test_cavage_c1_is_refused_by_policy_all_the_same() -> None:
    published = f'keyId="Test",algorithm="rsa-sha256",signature="{C1_SIGNATURE}"'
    with pytest.raises(SignatureError, match="must cover the request target or the digest"):
        verify_signature(
            _cavage_parse(published),
            load_public_key(CAVAGE_PUBLIC_PEM),
            method="POST",
            path_and_query=CAVAGE_PATH,
            headers=CAVAGE_HEADERS | {"Signature": published},
            body=HELLO_BODY,
            now=CAVAGE_NOW,
        )


def test_cavage_c2_basic_test() -> None:
    components = "(request-target) host date"
    string = cavage_signing_string(
        components.split(), method="POST", path_and_query=CAVAGE_PATH, headers=CAVAGE_HEADERS
    )
    assert string == C2_STRING
    assert _signature_value(_cavage_sign(components)) == C2_SIGNATURE

    published = (
        f'keyId="Test",algorithm="rsa-sha256",\n  headers="{components}",\n'
        f'  signature="{C2_SIGNATURE}"'
    )
    _cavage_check(_cavage_parse(published), published)


def test_cavage_c3_all_headers_test() -> None:
    string = cavage_signing_string(
        C3_HEADERS.split(), method="POST", path_and_query=CAVAGE_PATH, headers=CAVAGE_HEADERS
    )
    assert string == C3_STRING
    signed = _cavage_sign(C3_HEADERS)
    assert _signature_value(signed) == C3_SIGNATURE

    parsed = _cavage_parse(signed)
    _cavage_check(parsed, signed)
    # Mastodon's policy accepts it too: it covers (request-target), host, date and digest.
    verify_signature(
        parsed,
        load_public_key(CAVAGE_PUBLIC_PEM),
        method="POST",
        path_and_query=CAVAGE_PATH,
        headers=CAVAGE_HEADERS | {"Signature": signed},
        body=HELLO_BODY,
        now=CAVAGE_NOW,
    )


def test_cavage_c3_header_as_printed_in_draft_12_does_not_match_its_own_signature() -> None:
    # Draft 12 added (created) (expires) to C.3's headers= but kept the older signing
    # string and signature (its appendix warns the vectors are "old and possibly wrong").
    # The signature is valid for the printed signing string (test above), not for this.
    published = (
        'keyId="Test",algorithm="rsa-sha256",\n  created=1402170695, expires=1402170699,\n'
        '  headers="(request-target) (created) (expires)\n    host date content-type digest '
        f'content-length",\n  signature="{C3_SIGNATURE}"'
    )
    parsed = _cavage_parse(published)
    assert parsed.created == 1402170695
    assert parsed.expires == 1402170699
    with pytest.raises(SignatureError, match="bad signature from Test"):
        _cavage_check(parsed, published)


def test_digest_headers_match_published_values() -> None:
    assert digest_header(HELLO_BODY) == CAVAGE_HEADERS["Digest"]  # cavage Appendix C
    # RFC 9530 Appendix D, sha-256 of {"hello": "world"}
    assert (
        content_digest_header(HELLO_BODY)
        == "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
    )


# --- our signer and verifier, end to end ----------------------------------------------

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
KEY_ID = "https://sender.example/actors/alice#main-key"
INBOX = "https://node.example/actors/bob/inbox"
BASE_URL = "https://node.example"
ACTIVITY = b'{"type": "Create", "actor": "https://sender.example/actors/alice"}'
AP_JSON = "application/activity+json"


@pytest.fixture(scope="module")
def keys() -> tuple[PrivateKey, PublicKey]:
    pair = generate_key_pair()
    return load_private_key(pair.private_pem), load_public_key(pair.public_pem)


@pytest.fixture(scope="module")
def other_key() -> PrivateKey:
    return load_private_key(generate_key_pair().private_pem)


def _signed_post(
    key: PrivateKey, body: bytes = ACTIVITY, now: datetime = NOW, url: str = INBOX
) -> dict[str, str]:
    headers = {"Content-Type": AP_JSON}
    return headers | sign_request("POST", url, headers, body, KEY_ID, key, now)


def _signed_get(key: PrivateKey, url: str, now: datetime = NOW) -> dict[str, str]:
    headers = {"Accept": AP_JSON}
    return headers | sign_request("GET", url, headers, None, KEY_ID, key, now)


def _verify(
    headers: dict[str, str],
    public_key: PublicKey,
    *,
    method: str = "POST",
    path: str = "/actors/bob/inbox",
    body: bytes = ACTIVITY,
    now: datetime = NOW,
) -> ParsedSignature:
    parsed = parse_signature(method, path, headers)
    verify_signature(
        parsed,
        public_key,
        method=method,
        path_and_query=path,
        headers=headers,
        body=body,
        now=now,
        base_url=BASE_URL,
    )
    return parsed


def test_post_is_signed_as_mastodon_signs(keys: tuple[PrivateKey, PublicKey]) -> None:
    headers = _signed_post(keys[0])

    assert headers["Host"] == "node.example"
    assert headers["Date"] == "Sat, 21 Nov 2026 12:00:00 GMT"
    assert headers["Digest"] == digest_header(ACTIVITY)
    assert headers["Signature"].startswith(f'keyId="{KEY_ID}",algorithm="rsa-sha256",')
    assert 'headers="(request-target) host date digest content-type"' in headers["Signature"]
    parsed = _verify(headers, keys[1])
    assert (parsed.scheme, parsed.key_id, parsed.algorithm) == ("cavage", KEY_ID, "rsa-sha256")


def test_get_is_signed_as_mastodon_signs(keys: tuple[PrivateKey, PublicKey]) -> None:
    headers = _signed_get(keys[0], "https://node.example/actors/bob")

    assert "Digest" not in headers
    assert 'headers="(request-target) host date accept"' in headers["Signature"]
    _verify(headers, keys[1], method="GET", path="/actors/bob", body=b"")


def test_get_with_query_string_round_trips(keys: tuple[PrivateKey, PublicKey]) -> None:
    headers = _signed_get(keys[0], "https://node.example/actors/bob/outbox?page=2&min_id=7")
    path = "/actors/bob/outbox?page=2&min_id=7"
    _verify(headers, keys[1], method="GET", path=path, body=b"")


def test_request_target_signed_without_query_still_verifies(
    keys: tuple[PrivateKey, PublicKey],
) -> None:
    # Some servers sign the path alone; Mastodon then retries without the query string.
    headers = {"Host": "node.example", "Date": "Sat, 21 Nov 2026 12:00:00 GMT"}
    headers["Signature"] = cavage_signature_header(
        ["(request-target)", "host", "date"],
        method="GET",
        path_and_query="/actors/bob/outbox",
        headers=headers,
        key_id=KEY_ID,
        private_key=keys[0],
    )
    _verify(headers, keys[1], method="GET", path="/actors/bob/outbox?page=2", body=b"")


def test_host_keeps_a_non_default_port(keys: tuple[PrivateKey, PublicKey]) -> None:
    headers = _signed_post(keys[0], url="https://node.example:8443/actors/bob/inbox")
    assert headers["Host"] == "node.example:8443"
    _verify(headers, keys[1])


def test_hs2019_and_missing_algorithm_are_accepted(keys: tuple[PrivateKey, PublicKey]) -> None:
    headers = {"Content-Type": AP_JSON, "Host": "node.example", "Digest": digest_header(ACTIVITY)}
    headers["Date"] = "Sat, 21 Nov 2026 12:00:00 GMT"
    headers["Signature"] = cavage_signature_header(
        ["(request-target)", "host", "date", "digest"],
        method="POST",
        path_and_query="/actors/bob/inbox",
        headers=headers,
        key_id=KEY_ID,
        private_key=keys[0],
        algorithm="hs2019",
    )
    assert _verify(headers, keys[1]).algorithm == "hs2019"
    headers["Signature"] = headers["Signature"].replace('algorithm="hs2019",', "")
    assert _verify(headers, keys[1]).algorithm == "hs2019"


def test_created_and_expires_parameters_are_signed_and_used(
    keys: tuple[PrivateKey, PublicKey],
) -> None:
    headers = {"Host": "node.example", "Digest": digest_header(ACTIVITY)}
    created = int(NOW.timestamp())
    headers["Signature"] = cavage_signature_header(
        ["(request-target)", "(created)", "(expires)", "host", "digest"],
        method="POST",
        path_and_query="/actors/bob/inbox",
        headers=headers,
        key_id=KEY_ID,
        private_key=keys[0],
        algorithm="hs2019",
        created=created,
        expires=created + 3600,
    )
    _verify(headers, keys[1], now=NOW + timedelta(minutes=90))  # expires + up to 1 h skew
    with pytest.raises(SignatureError, match="expired"):
        _verify(headers, keys[1], now=NOW + timedelta(minutes=121))


def test_forged_signature_is_refused(
    keys: tuple[PrivateKey, PublicKey], other_key: PrivateKey
) -> None:
    headers = _signed_post(other_key)
    with pytest.raises(SignatureError, match=f"bad signature from {KEY_ID}"):
        _verify(headers, keys[1])


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Content-Type", "text/html"),
        ("Host", "evil.example"),
        ("Date", "Sat, 21 Nov 2026 12:00:01 GMT"),
    ],
)
def test_header_changed_after_signing_is_refused(
    keys: tuple[PrivateKey, PublicKey], header: str, value: str
) -> None:
    headers = _signed_post(keys[0]) | {header: value}
    with pytest.raises(SignatureError, match="bad signature"):
        _verify(headers, keys[1])


def test_other_path_is_refused(keys: tuple[PrivateKey, PublicKey]) -> None:
    headers = _signed_post(keys[0])
    with pytest.raises(SignatureError, match="bad signature"):
        _verify(headers, keys[1], path="/inbox")


def test_body_changed_after_signing_is_refused(keys: tuple[PrivateKey, PublicKey]) -> None:
    headers = _signed_post(keys[0])
    with pytest.raises(DigestMismatch, match="does not match body"):
        _verify(headers, keys[1], body=ACTIVITY + b" ")


def test_wrong_digest_is_refused(keys: tuple[PrivateKey, PublicKey]) -> None:
    headers = _signed_post(keys[0]) | {"Digest": digest_header(b"something else")}
    with pytest.raises(DigestMismatch, match=r"Digest SHA-256 .* does not match body"):
        _verify(headers, keys[1])


def test_digest_without_sha256_is_refused(keys: tuple[PrivateKey, PublicKey]) -> None:
    headers = _signed_post(keys[0]) | {"Digest": "SHA-512=AAAA"}
    with pytest.raises(SignatureError, match=r"Digest offers no SHA-256 \(offered: sha-512\)"):
        _verify(headers, keys[1])


def test_digest_header_missing_on_post_is_refused(keys: tuple[PrivateKey, PublicKey]) -> None:
    headers = _signed_post(keys[0])
    del headers["Digest"]
    with pytest.raises(SignatureError, match="digest is signed but the request has no digest"):
        _verify(headers, keys[1])


def test_post_without_signed_digest_is_refused(keys: tuple[PrivateKey, PublicKey]) -> None:
    headers = {"Host": "node.example", "Date": "Sat, 21 Nov 2026 12:00:00 GMT"}
    headers["Signature"] = cavage_signature_header(
        ["(request-target)", "host", "date"],
        method="POST",
        path_and_query="/actors/bob/inbox",
        headers=headers,
        key_id=KEY_ID,
        private_key=keys[0],
    )
    with pytest.raises(SignatureError, match="must cover digest on a POST"):
        _verify(headers, keys[1])


def test_get_without_signed_host_is_refused(keys: tuple[PrivateKey, PublicKey]) -> None:
    headers = {"Date": "Sat, 21 Nov 2026 12:00:00 GMT"}
    headers["Signature"] = cavage_signature_header(
        ["(request-target)", "date"],
        method="GET",
        path_and_query="/actors/bob",
        headers=headers,
        key_id=KEY_ID,
        private_key=keys[0],
    )
    with pytest.raises(SignatureError, match="must cover host on a GET"):
        _verify(headers, keys[1], method="GET", path="/actors/bob", body=b"")


def test_signature_without_date_is_refused(keys: tuple[PrivateKey, PublicKey]) -> None:
    headers = {"Host": "node.example", "Digest": digest_header(ACTIVITY)}
    headers["Signature"] = cavage_signature_header(
        ["(request-target)", "host", "digest"],
        method="POST",
        path_and_query="/actors/bob/inbox",
        headers=headers,
        key_id=KEY_ID,
        private_key=keys[0],
    )
    with pytest.raises(SignatureError, match="must cover date or carry a creation time"):
        _verify(headers, keys[1])


@pytest.mark.parametrize(
    ("age", "accepted"),
    [
        (timedelta(hours=2), False),
        (timedelta(minutes=66), False),
        (timedelta(minutes=64), True),
        (timedelta(0), True),
        (timedelta(minutes=-59), True),
        (timedelta(minutes=-61), False),
        (timedelta(hours=-2), False),
    ],
)
def test_time_window(keys: tuple[PrivateKey, PublicKey], age: timedelta, accepted: bool) -> None:
    headers = _signed_post(keys[0], now=NOW - age)
    if accepted:
        _verify(headers, keys[1])
        return
    reason = "expired" if age > timedelta(0) else "dated in the future"
    with pytest.raises(SignatureError, match=reason):
        _verify(headers, keys[1])


def test_invalid_date_header_is_refused(keys: tuple[PrivateKey, PublicKey]) -> None:
    headers = _signed_post(keys[0]) | {"Date": "yesterday, around noon"}
    with pytest.raises(SignatureError, match="invalid Date header: 'yesterday, around noon'"):
        _verify(headers, keys[1])


@pytest.mark.parametrize("algorithm", ["rsa-sha512", "hmac-sha256", "ed25519"])
def test_unsupported_algorithm_is_refused(
    keys: tuple[PrivateKey, PublicKey], algorithm: str
) -> None:
    headers = _signed_post(keys[0])
    headers["Signature"] = headers["Signature"].replace("rsa-sha256", algorithm)
    with pytest.raises(SignatureError, match=f"unsupported signature algorithm '{algorithm}'"):
        _verify(headers, keys[1])


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        ("garbage", "malformed Signature header"),
        ('keyId="a",signature="AAAA",headers="date', "malformed Signature header"),
        ('keyId="a";signature="AAAA"', "malformed Signature header"),
        ('keyId="a"', "no signature parameter"),
        ('signature="AAAA"', "no keyid parameter"),
        ('keyId="a",keyId="b",signature="AAAA"', "repeats the keyid parameter"),
        ('keyId="a",signature="not base64!"', "not valid base64"),
        ('keyId="a",headers="",signature="AAAA"', "empty headers parameter"),
        ('keyId="a",created=soon,signature="AAAA"', "created is not an integer"),
    ],
)
def test_malformed_signature_header_is_refused(signature: str, reason: str) -> None:
    with pytest.raises(SignatureError, match=reason):
        parse_signature("POST", "/inbox", {"Signature": signature})


def test_unsigned_request_is_refused() -> None:
    with pytest.raises(SignatureError, match="not signed: no Signature header"):
        parse_signature("POST", "/inbox", {"Content-Type": AP_JSON})


def test_signed_header_missing_from_request_is_refused(keys: tuple[PrivateKey, PublicKey]) -> None:
    headers = _signed_get(keys[0], "https://node.example/actors/bob")
    del headers["Accept"]
    with pytest.raises(SignatureError, match="signed header 'accept' is missing"):
        _verify(headers, keys[1], method="GET", path="/actors/bob", body=b"")


def test_verifying_another_request_than_parsed_is_a_programming_error(
    keys: tuple[PrivateKey, PublicKey],
) -> None:
    headers = _signed_post(keys[0])
    parsed = parse_signature("POST", "/actors/bob/inbox", headers)
    with pytest.raises(ValueError, match="different request"):
        verify_signature(
            parsed,
            keys[1],
            method="POST",
            path_and_query="/elsewhere",
            headers=headers,
            body=ACTIVITY,
            now=NOW,
        )


# --- RFC 9421 with our own signer -----------------------------------------------------


def _lower(headers: dict[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _rfc9421_post(
    key: PrivateKey,
    components: tuple[str, ...] = ("@method", "@target-uri", "content-digest", "content-type"),
    *,
    created: datetime = NOW,
    alg: str | None = "rsa-v1_5-sha256",
) -> dict[str, str]:
    headers = {"Content-Type": AP_JSON, "Content-Digest": content_digest_header(ACTIVITY)}
    context = rfc9421.RequestContext("POST", "/actors/bob/inbox", _lower(headers), BASE_URL)
    return headers | rfc9421.sign(
        components,
        context,
        key_id=KEY_ID,
        private_key=key,
        created=int(created.timestamp()),
        alg=alg,
    )


def test_rfc9421_post_round_trip(keys: tuple[PrivateKey, PublicKey]) -> None:
    parsed = _verify(_rfc9421_post(keys[0]), keys[1])
    assert (parsed.scheme, parsed.label, parsed.algorithm) == ("rfc9421", "sig1", "rsa-v1_5-sha256")


def test_rfc9421_get_round_trip_with_query(keys: tuple[PrivateKey, PublicKey]) -> None:
    path = "/actors/bob/outbox?page=2"
    context = rfc9421.RequestContext("GET", path, {}, BASE_URL)
    headers = rfc9421.sign(
        ["@method", "@target-uri"],
        context,
        key_id=KEY_ID,
        private_key=keys[0],
        created=int(NOW.timestamp()),
    )
    _verify(headers, keys[1], method="GET", path=path, body=b"")
    with pytest.raises(SignatureError, match="bad signature"):
        _verify(headers, keys[1], method="GET", path="/actors/bob/outbox?page=3", body=b"")


def test_rfc9421_forged_signature_is_refused(
    keys: tuple[PrivateKey, PublicKey], other_key: PrivateKey
) -> None:
    with pytest.raises(SignatureError, match="bad signature"):
        _verify(_rfc9421_post(other_key), keys[1])


def test_rfc9421_body_changed_is_refused(keys: tuple[PrivateKey, PublicKey]) -> None:
    with pytest.raises(DigestMismatch, match="Content-Digest does not match the body"):
        _verify(_rfc9421_post(keys[0]), keys[1], body=b"{}")


def test_rfc9421_content_digest_without_sha256_is_refused(
    keys: tuple[PrivateKey, PublicKey],
) -> None:
    headers = _rfc9421_post(keys[0]) | {"Content-Digest": SHA512_HELLO}
    with pytest.raises(SignatureError, match=r"offers no sha-256 \(offered: sha-512\)"):
        _verify(headers, keys[1])


def test_rfc9421_post_must_cover_content_digest(keys: tuple[PrivateKey, PublicKey]) -> None:
    headers = _rfc9421_post(keys[0], ("@method", "@target-uri", "content-type"))
    with pytest.raises(SignatureError, match="must cover content-digest on a POST"):
        _verify(headers, keys[1])


def test_rfc9421_stale_signature_is_refused(keys: tuple[PrivateKey, PublicKey]) -> None:
    headers = _rfc9421_post(keys[0], created=NOW - timedelta(hours=2))
    with pytest.raises(SignatureError, match="expired"):
        _verify(headers, keys[1])


def test_rfc9421_unsupported_algorithm_is_refused(keys: tuple[PrivateKey, PublicKey]) -> None:
    headers = _rfc9421_post(keys[0])
    headers["Signature-Input"] = headers["Signature-Input"].replace(
        "rsa-v1_5-sha256", "hmac-sha256"
    )
    with pytest.raises(SignatureError, match="unsupported signature algorithm 'hmac-sha256'"):
        _verify(headers, keys[1])


def test_rfc9421_target_uri_needs_the_base_url(keys: tuple[PrivateKey, PublicKey]) -> None:
    headers = _rfc9421_post(keys[0])
    parsed = parse_signature("POST", "/actors/bob/inbox", headers)
    with pytest.raises(SignatureError, match="base URL is unknown"):
        verify_cryptographic(parsed, keys[1], headers=headers)


@pytest.mark.parametrize(
    ("signature_input", "signature", "reason"),
    [
        ("sig1=(", "sig1=:AAAA:", "malformed signature-input header"),
        ('sig1=("@method");created=1', "sig1=:AAAA:", "has no keyid parameter"),
        ('sig1=("@method");keyid=7', "sig1=:AAAA:", "keyid must be a string"),
        ('sig1=("@method");keyid="k"', 'sig1="AAAA"', "not a byte sequence"),
        ('sig1=("@method");keyid="k"', "sig2=:AAAA:", "no signature labelled 'sig1'"),
        ('sig1="@method";keyid="k"', "sig1=:AAAA:", "not an inner list"),
        ('sig1=("@Method");keyid="k"', "sig1=:AAAA:", "not a lowercase string"),
    ],
)
def test_rfc9421_malformed_fields_are_refused(
    signature_input: str, signature: str, reason: str
) -> None:
    headers = {"Signature-Input": signature_input, "Signature": signature}
    with pytest.raises(SignatureError, match=reason):
        parse_signature("POST", "/inbox", headers)


@pytest.mark.parametrize(
    ("components", "reason"),
    [
        ('("@status")', "@status is not supported in a request"),
        ('("content-type";sf)', "component parameters of .* are not supported"),
        ('("@query-param";name="absent")', "occurs 0 times"),
        ('("@method" "@method")', "covered twice"),
        ('("x-missing")', "covered header 'x-missing' is missing"),
    ],
)
def test_rfc9421_unusable_components_are_refused(
    keys: tuple[PrivateKey, PublicKey], components: str, reason: str
) -> None:
    headers = {
        "Content-Type": AP_JSON,
        "Signature-Input": f'sig1={components};created=1;keyid="k"',
        "Signature": "sig1=:AAAA:",
    }
    parsed = parse_signature("POST", "/inbox?page=1", headers)
    with pytest.raises(SignatureError, match=reason):
        verify_cryptographic(parsed, keys[1], headers=headers, base_url=BASE_URL)
