"""A throwaway certificate authority for serving a node over TLS on loopback in tests.

Fedify (and Mastodon) look up `acct:` handles over https only, so interop tests serve the
node with a server certificate for 127.0.0.1 / localhost signed by a CA that exists for one
test session. Peers trust it through NODE_EXTRA_CA_CERTS (Node.js) or SN_CA_FILE (the node).
"""

from __future__ import annotations

import ipaddress
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = timedelta(days=2)
BACKDATE = timedelta(hours=1)


@dataclass(frozen=True)
class TestPki:
    """Paths of the PEM files: the CA certificate, the server certificate and its key."""

    __test__ = False  # not a pytest test class, despite the name

    ca: Path
    cert: Path
    key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Solidarity Node tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(
    subject: str, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey
) -> x509.CertificateBuilder:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _ca(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    usage = x509.KeyUsage(
        digital_signature=True,
        key_cert_sign=True,
        crl_sign=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        _builder("Solidarity Node test CA", _name("Solidarity Node test CA"), key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )


def _server(
    key: ec.EllipticCurvePrivateKey,
    ca: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    addresses: Sequence[str],
) -> x509.Certificate:
    names = x509.SubjectAlternativeName(
        [
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")),
            x509.IPAddress(ipaddress.IPv6Address("::1")),
            *(x509.IPAddress(ipaddress.ip_address(a)) for a in addresses),
        ]
    )
    usage = x509.KeyUsage(
        digital_signature=True,
        key_encipherment=False,
        key_cert_sign=False,
        crl_sign=False,
        content_commitment=False,
        data_encipherment=False,
        key_agreement=False,
        encipher_only=False,
        decipher_only=False,
    )
    authority = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
    return (
        _builder("127.0.0.1", ca.subject, key.public_key())
        .add_extension(names, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(authority, critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def _write_cert(path: Path, cert: x509.Certificate) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def make_test_pki(directory: Path | None = None, addresses: Sequence[str] = ()) -> TestPki:
    """Writes ca.pem, server.pem and server-key.pem into `directory` (a new temporary
    directory if None) and returns their paths. The server certificate names localhost,
    127.0.0.1, ::1 and the IP `addresses` given (other loopback addresses, e.g. 127.0.0.2)."""
    if directory is None:
        directory = Path(tempfile.mkdtemp(prefix="sn-test-pki-"))
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _ca(ca_key)
    server_key = ec.generate_private_key(ec.SECP256R1())
    key_path = directory / "server-key.pem"
    key_path.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return TestPki(
        ca=_write_cert(directory / "ca.pem", ca),
        cert=_write_cert(directory / "server.pem", _server(server_key, ca, ca_key, addresses)),
        key=key_path,
    )
