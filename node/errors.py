"""The one exception tree of Solidarity Node.

    SolidarityError
    ├── ConfigError              bad or missing configuration, data directory not usable
    ├── StorageError             database unreachable or not migrated (HTTP 503)
    │   └── Overloaded           too much work waiting; try again after `retry_after` s (HTTP 503)
    ├── NotFound                 no such local resource (HTTP 404)
    ├── Gone                     the resource existed and was deleted (HTTP 410)
    ├── InvalidInput             a request or command argument is malformed (HTTP 400)
    │   ├── PayloadTooLarge      a body over the size limit (HTTP 413)
    │   └── UnsupportedMediaType a body of a type the endpoint does not take (HTTP 415)
    ├── Forbidden                refused by policy, e.g. a blocked domain (HTTP 403)
    ├── TooManyRequests          a sender over its rate limit, for `retry_after` s (HTTP 429)
    ├── Unauthorized             missing or bad credentials (HTTP 401)
    └── FederationError          something that came from, or goes to, another server
        ├── SignatureError       an HTTP signature is missing, malformed, stale or wrong (HTTP 401)
        │   └── DigestMismatch   the body does not match Digest / Content-Digest
        ├── JsonLdError          a document is not usable JSON-LD / AS2
        ├── OriginMismatch       ids, actors, signers or fetched URLs on different origins
        ├── WebFingerError       a handle did not resolve
        └── FetchError           an outgoing request failed
            ├── FetchRefused     refused before sending: private address, bad scheme, bad URL
            ├── FetchTooLarge    the response exceeded the size limit
            ├── FetchTimeout     connect or read timed out
            ├── FetchDropped     the connection closed (or was reset) before a whole answer
            └── FetchStatus      the server answered with a non-success status

Messages name the remote IRI and the reason; callers never get None for "invalid".
"""

from __future__ import annotations


class SolidarityError(Exception):
    """Base of every error the node raises on purpose."""


class ConfigError(SolidarityError):
    pass


class StorageError(SolidarityError):
    pass


class Overloaded(StorageError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotFound(SolidarityError):
    pass


class Gone(SolidarityError):
    pass


class InvalidInput(SolidarityError):
    pass


class Unauthorized(SolidarityError):
    pass


class FederationError(SolidarityError):
    pass


class SignatureError(FederationError):
    pass


class DigestMismatch(SignatureError):
    pass


class JsonLdError(FederationError):
    pass


class OriginMismatch(FederationError):
    pass


class WebFingerError(FederationError):
    pass


class FetchError(FederationError):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class FetchRefused(FetchError):
    pass


class FetchTooLarge(FetchError):
    pass


class FetchTimeout(FetchError):
    pass


class FetchDropped(FetchError):
    pass


class FetchStatus(FetchError):
    def __init__(self, url: str, status: int, retry_after: float | None = None) -> None:
        super().__init__(url, f"answered HTTP {status}")
        self.status = status
        self.retry_after = retry_after


class Forbidden(SolidarityError):
    """The request is understood but refused by policy (a blocked domain) (HTTP 403)."""


class PayloadTooLarge(InvalidInput):
    """A request body over the limit (HTTP 413)."""


class UnsupportedMediaType(InvalidInput):
    """A request body of a type the endpoint does not take (HTTP 415)."""


class TooManyRequests(SolidarityError):
    """A sender over its rate limit; it may send again after `retry_after` seconds (HTTP 429)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
