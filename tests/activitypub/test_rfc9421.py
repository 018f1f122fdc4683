"""RFC 9421 HTTP Message Signatures: the RFC's own vectors (Appendix B and section 4.3)
verified and reproduced, signature bases rebuilt component by component.

Spec values are copied verbatim (RFC 8792 line wrapping undone) from RFC 9421, Appendix B and
section 4.3: httpwg/http-extensions, archive/draft-ietf-httpbis-message-signatures.md at
e9067eba ("Digest and Signatures published as RFCs"), the RFC's source text. RFC 9421 through
our own signer and verifier (round trips and refusals) is in test_signatures.py.
"""

from __future__ import annotations

import pytest

from node.activitypub import rfc9421
from node.activitypub.keys import RSA_PSS_SHA512, PublicKey, load_private_key, load_public_key
from node.activitypub.signatures import parse_signature, verify_cryptographic
from node.errors import SignatureError

# --- RFC 9421, Appendix B and section 4.3 ------------------------------------------------

RSA_PSS_PUBLIC_PEM = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2
+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+
oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq
gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W
Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4
aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI
2wIDAQAB
-----END PUBLIC KEY-----
"""
RSA_PUBLIC_PEM = """-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAhAKYdtoeoy8zcAcR874L8cnZxKzAGwd7v36APp7Pv6Q2jdsPBRrw
WEBnez6d0UDKDwGbc6nxfEXAy5mbhgajzrw3MOEt8uA5txSKobBpKDeBLOsdJKFq
MGmXCQvEG7YemcxDTRPxAleIAgYYRjTSd/QBwVW9OwNFhekro3RtlinV0a75jfZg
kne/YiktSvLG34lw2zqXBDTC5NHROUqGTlML4PlNZS5Ri2U4aCNx2rUPRcKIlE0P
uKxI4T+HIaFpv8+rdV6eUgOrB2xeI1dSFFn/nnv5OoZJEIB+VmuKn3DCUcCZSFlQ
PSXSfBDiUGhwOw76WuSSsf1D4b/vLoJ10wIDAQAB
-----END RSA PUBLIC KEY-----
"""
RSA_PRIVATE_PEM = """-----BEGIN RSA PRIVATE KEY-----
MIIEqAIBAAKCAQEAhAKYdtoeoy8zcAcR874L8cnZxKzAGwd7v36APp7Pv6Q2jdsP
BRrwWEBnez6d0UDKDwGbc6nxfEXAy5mbhgajzrw3MOEt8uA5txSKobBpKDeBLOsd
JKFqMGmXCQvEG7YemcxDTRPxAleIAgYYRjTSd/QBwVW9OwNFhekro3RtlinV0a75
jfZgkne/YiktSvLG34lw2zqXBDTC5NHROUqGTlML4PlNZS5Ri2U4aCNx2rUPRcKI
lE0PuKxI4T+HIaFpv8+rdV6eUgOrB2xeI1dSFFn/nnv5OoZJEIB+VmuKn3DCUcCZ
SFlQPSXSfBDiUGhwOw76WuSSsf1D4b/vLoJ10wIDAQABAoIBAG/JZuSWdoVHbi56
vjgCgkjg3lkO1KrO3nrdm6nrgA9P9qaPjxuKoWaKO1cBQlE1pSWp/cKncYgD5WxE
CpAnRUXG2pG4zdkzCYzAh1i+c34L6oZoHsirK6oNcEnHveydfzJL5934egm6p8DW
+m1RQ70yUt4uRc0YSor+q1LGJvGQHReF0WmJBZHrhz5e63Pq7lE0gIwuBqL8SMaA
yRXtK+JGxZpImTq+NHvEWWCu09SCq0r838ceQI55SvzmTkwqtC+8AT2zFviMZkKR
Qo6SPsrqItxZWRty2izawTF0Bf5S2VAx7O+6t3wBsQ1sLptoSgX3QblELY5asI0J
YFz7LJECgYkAsqeUJmqXE3LP8tYoIjMIAKiTm9o6psPlc8CrLI9CH0UbuaA2JCOM
cCNq8SyYbTqgnWlB9ZfcAm/cFpA8tYci9m5vYK8HNxQr+8FS3Qo8N9RJ8d0U5Csw
DzMYfRghAfUGwmlWj5hp1pQzAuhwbOXFtxKHVsMPhz1IBtF9Y8jvgqgYHLbmyiu1
mwJ5AL0pYF0G7x81prlARURwHo0Yf52kEw1dxpx+JXER7hQRWQki5/NsUEtv+8RT
qn2m6qte5DXLyn83b1qRscSdnCCwKtKWUug5q2ZbwVOCJCtmRwmnP131lWRYfj67
B/xJ1ZA6X3GEf4sNReNAtaucPEelgR2nsN0gKQKBiGoqHWbK1qYvBxX2X3kbPDkv
9C+celgZd2PW7aGYLCHq7nPbmfDV0yHcWjOhXZ8jRMjmANVR/eLQ2EfsRLdW69bn
f3ZD7JS1fwGnO3exGmHO3HZG+6AvberKYVYNHahNFEw5TsAcQWDLRpkGybBcxqZo
81YCqlqidwfeO5YtlO7etx1xLyqa2NsCeG9A86UjG+aeNnXEIDk1PDK+EuiThIUa
/2IxKzJKWl1BKr2d4xAfR0ZnEYuRrbeDQYgTImOlfW6/GuYIxKYgEKCFHFqJATAG
IxHrq1PDOiSwXd2GmVVYyEmhZnbcp8CxaEMQoevxAta0ssMK3w6UsDtvUvYvF22m
qQKBiD5GwESzsFPy3Ga0MvZpn3D6EJQLgsnrtUPZx+z2Ep2x0xc5orneB5fGyF1P
WtP+fG5Q6Dpdz3LRfm+KwBCWFKQjg7uTxcjerhBWEYPmEMKYwTJF5PBG9/ddvHLQ
EQeNC8fHGg4UXU8mhHnSBt3EA10qQJfRDs15M38eG2cYwB1PZpDHScDnDA0=
-----END RSA PRIVATE KEY-----
"""
ED25519_PUBLIC_PEM = """-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----
"""
ED25519_PRIVATE_PEM = """-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
"""
SHA512_HELLO = (
    "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXv"
    "Jwew==:"
)
RFC_PATH = "/foo?param=Value&Pet=dog"
TEST_REQUEST = {
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Digest": SHA512_HELLO,
    "Content-Length": "18",
}
RFC_BASE_URL = "https://example.com"


def _rfc_vector(headers: dict[str, str], key: PublicKey, key_algorithm: str | None) -> str:
    """Verify a published RFC 9421 signature; return the signature base we rebuilt."""
    parsed = parse_signature("POST", RFC_PATH, headers)
    assert parsed.scheme == "rfc9421"
    verify_cryptographic(
        parsed, key, headers=headers, base_url=RFC_BASE_URL, key_algorithm=key_algorithm
    )
    context = rfc9421.RequestContext("POST", RFC_PATH, _lower(headers), RFC_BASE_URL)
    return rfc9421.signature_base(parsed.signature_params or "", context)


def _lower(headers: dict[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def test_rfc9421_b21_minimal_signature_rsa_pss_sha512() -> None:
    headers = TEST_REQUEST | {
        "Signature-Input": (
            'sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"'
        ),
        "Signature": (
            "sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7"
            "it++wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOG"
            "dCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jY"
            "zuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssin"
            "Q98Xw9Q==:"
        ),
    }
    base = _rfc_vector(headers, load_public_key(RSA_PSS_PUBLIC_PEM), RSA_PSS_SHA512)
    assert base == (
        '"@signature-params": ();created=1618884473;keyid="test-key-rsa-pss"'
        ';nonce="b3k2pp5k7z-50gnwp.yemd"'
    )


def test_rfc9421_b22_selective_components_rsa_pss_sha512() -> None:
    headers = TEST_REQUEST | {
        "Signature-Input": (
            'sig-b22=("@authority" "content-digest" "@query-param";name="Pet");created=1618884473'
            ';keyid="test-key-rsa-pss";tag="header-example"'
        ),
        "Signature": (
            "sig-b22=:LjbtqUbfmvjj5C5kr1Ugj4PmLYvx9wVjZvD9GsTT4F7GrcQEdJzgI9qHxICagShLRiLMlAJjtq6N4"
            "CDfKtjvuJyE5qH7KT8UCMkSowOB4+ECxCmT8rtAmj/0PIXxi0A0nxKyB09RNrCQibbUjsLS/2YyFYXEu4TRJQz"
            "Rw1rLEuEfY17SARYhpTlaqwZVtR8NV7+4UKkjqpcAoFqWFQh62s7Cl+H2fjBSpqfZUJcsIk4N6wiKYd4je2U/l"
            "ankenQ99PZfB4jY3I5rSV2DSBVkSFsURIjYErOs0tFTQosMTAoxk//0RoKUqiYY8Bh0aaUEb0rQl3/XaVe4bXT"
            "ugEjHSw==:"
        ),
    }
    base = _rfc_vector(headers, load_public_key(RSA_PSS_PUBLIC_PEM), RSA_PSS_SHA512)
    assert base == "\n".join(
        [
            '"@authority": example.com',
            f'"content-digest": {SHA512_HELLO}',
            '"@query-param";name="Pet": dog',
            '"@signature-params": ("@authority" "content-digest" "@query-param";name="Pet")'
            ';created=1618884473;keyid="test-key-rsa-pss";tag="header-example"',
        ]
    )


def test_rfc9421_b23_full_coverage_rsa_pss_sha512() -> None:
    headers = TEST_REQUEST | {
        "Signature-Input": (
            'sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" '
            '"content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"'
        ),
        "Signature": (
            "sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxF"
            "keGt683+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPVi"
            "V7KsLNmvKiLJH1pFkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9B"
            "mzhuzF8Eim5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZK"
            "EgM4cUA==:"
        ),
    }
    base = _rfc_vector(headers, load_public_key(RSA_PSS_PUBLIC_PEM), RSA_PSS_SHA512)
    assert base == "\n".join(
        [
            '"date": Tue, 20 Apr 2021 02:07:55 GMT',
            '"@method": POST',
            '"@path": /foo',
            '"@query": ?param=Value&Pet=dog',
            '"@authority": example.com',
            '"content-type": application/json',
            f'"content-digest": {SHA512_HELLO}',
            '"content-length": 18',
            '"@signature-params": ("date" "@method" "@path" "@query" "@authority" '
            '"content-type" "content-digest" "content-length");created=1618884473'
            ';keyid="test-key-rsa-pss"',
        ]
    )


B26_INPUT = (
    'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
    ';created=1618884473;keyid="test-key-ed25519"'
)
B26_SIGNATURE = (
    "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPp"
    "BKRCw==:"
)
B26_BASE = "\n".join(
    [
        '"date": Tue, 20 Apr 2021 02:07:55 GMT',
        '"@method": POST',
        '"@path": /foo',
        '"@authority": example.com',
        '"content-type": application/json',
        '"content-length": 18',
        '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" '
        '"content-length");created=1618884473;keyid="test-key-ed25519"',
    ]
)


def test_rfc9421_b26_ed25519_verifies_with_the_published_base() -> None:
    headers = TEST_REQUEST | {"Signature-Input": B26_INPUT, "Signature": B26_SIGNATURE}
    assert _rfc_vector(headers, load_public_key(ED25519_PUBLIC_PEM), None) == B26_BASE


def test_rfc9421_b26_ed25519_is_reproduced_exactly() -> None:
    context = rfc9421.RequestContext("POST", RFC_PATH, _lower(TEST_REQUEST), RFC_BASE_URL)
    signed = rfc9421.sign(
        ["date", "@method", "@path", "@authority", "content-type", "content-length"],
        context,
        key_id="test-key-ed25519",
        private_key=load_private_key(ED25519_PRIVATE_PEM),
        created=1618884473,
        label="sig-b26",
    )
    assert signed == {"Signature-Input": B26_INPUT, "Signature": B26_SIGNATURE}


def test_rfc9421_b26_tampered_header_fails() -> None:
    headers = TEST_REQUEST | {"Signature-Input": B26_INPUT, "Signature": B26_SIGNATURE}
    with pytest.raises(SignatureError, match="bad signature from test-key-ed25519"):
        _rfc_vector(headers | {"Content-Length": "19"}, load_public_key(ED25519_PUBLIC_PEM), None)


# Section 4.3: the proxy's signature, the RFC's one rsa-v1_5-sha256 example (test-key-rsa).
PROXY_REQUEST = {
    "Host": "origin.host.internal.example",
    "Date": "Tue, 20 Apr 2021 02:07:56 GMT",
    "Content-Type": "application/json",
    "Content-Length": "18",
    "Forwarded": "for=192.0.2.123;host=example.com;proto=https",
    "Content-Digest": SHA512_HELLO,
    "Signature-Input": (
        'sig1=("@method" "@authority" "@path" "content-digest" "content-type" "content-length")'
        ';created=1618884475;keyid="test-key-ecc-p256", '
        'proxy_sig=("@method" "@authority" "@path" "content-digest" "content-type" '
        '"content-length" "forwarded");created=1618884480;keyid="test-key-rsa"'
        ';alg="rsa-v1_5-sha256";expires=1618884540'
    ),
    "Signature": (
        "sig1=:X5spyd6CFnAG5QnDyHfqoSNICd+BUP4LYMz2Q0JXlb//4Ijpzp+kve2w4NIyqeAuM7jTDX+sNalzA8ESSaHD"
        "3A==:, proxy_sig=:S6ZzPXSdAMOPjN/6KXfXWNO/f7V6cHm7BXYUh3YD/fRad4BCaRZxP+JH+8XY1I6+8Cy+CM5g"
        "92iHgxtRPz+MjniOaYmdkDcnL9cCpXJleXsOckpURl49GwiyUpZ10KHgOEe11sx3G2gxI8S0jnxQB+Pu68U9vVcas"
        "qOWAEObtNKKZd8tSFu7LB5YAv0RAGhB8tmpv7sFnIm9y+7X5kXQfi8NMaZaA8i2ZHwpBdg7a6CMfwnnrtflzvZdXAs"
        "D3LH2TwevU+/PBPv0B6NMNk93wUs/vfJvye+YuI87HU38lZHowtznbLVdp770I6VHR6WfgS9ddzirrswsE1w5o0LV/"
        "g==:"
    ),
}
PROXY_BASE = "\n".join(
    [
        '"@method": POST',
        '"@authority": origin.host.internal.example',
        '"@path": /foo',
        f'"content-digest": {SHA512_HELLO}',
        '"content-type": application/json',
        '"content-length": 18',
        '"forwarded": for=192.0.2.123;host=example.com;proto=https',
        '"@signature-params": ("@method" "@authority" "@path" "content-digest" "content-type" '
        '"content-length" "forwarded");created=1618884480;keyid="test-key-rsa"'
        ';alg="rsa-v1_5-sha256";expires=1618884540',
    ]
)


def test_rfc9421_proxy_signature_rsa_v1_5_sha256() -> None:
    parsed = parse_signature("POST", RFC_PATH, PROXY_REQUEST, label="proxy_sig")
    assert (parsed.key_id, parsed.algorithm) == ("test-key-rsa", "rsa-v1_5-sha256")
    assert (parsed.created, parsed.expires) == (1618884480, 1618884540)
    base_url = "https://origin.host.internal.example"
    context = rfc9421.RequestContext("POST", RFC_PATH, _lower(PROXY_REQUEST), base_url)
    assert rfc9421.signature_base(parsed.signature_params or "", context) == PROXY_BASE
    verify_cryptographic(
        parsed, load_public_key(RSA_PUBLIC_PEM), headers=PROXY_REQUEST, base_url=base_url
    )

    components = ["@method", "@authority", "@path", "content-digest", "content-type"]
    reproduced = rfc9421.sign(
        [*components, "content-length", "forwarded"],
        context,
        key_id="test-key-rsa",
        private_key=load_private_key(RSA_PRIVATE_PEM),
        created=1618884480,
        expires=1618884540,
        alg="rsa-v1_5-sha256",
        label="proxy_sig",
    )
    assert reproduced["Signature"] in PROXY_REQUEST["Signature"]


def test_rfc9421_two_signatures_without_a_label_are_refused() -> None:
    with pytest.raises(SignatureError, match=r"expected exactly one signature, .* has 2"):
        parse_signature("POST", RFC_PATH, PROXY_REQUEST)


def test_rfc9421_query_param_is_form_decoded_and_re_encoded() -> None:
    # RFC 9421 section 2.2.8's own example.
    path = "/parameters?var=this%20is%20a%20big%0Amultiline%20value&bar=with+plus+whitespace"
    path += "&fa%C3%A7ade%22%3A%20=something"
    context = rfc9421.RequestContext("GET", path, {}, None)
    params = '("@query-param";name="var" "@query-param";name="bar" '
    params += '"@query-param";name="fa%C3%A7ade%22%3A%20");keyid="k"'
    assert rfc9421.signature_base(params, context).splitlines()[:3] == [
        '"@query-param";name="var": this%20is%20a%20big%0Amultiline%20value',
        '"@query-param";name="bar": with%20plus%20whitespace',
        '"@query-param";name="fa%C3%A7ade%22%3A%20": something',
    ]
