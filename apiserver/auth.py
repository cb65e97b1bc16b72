"""Authentication: turn the request's credentials into an :class:`Identity`.

Bearer tokens are JWTs (HS256) signed with the deployment's shared secret, so any API process
can check them without shared memory. Basic ``key:secret`` credentials are looked up by a
:class:`CredentialsLookup` supplied by the storage layer.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import jwt

from apiserver.errors import APIError

ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is calling: user and company ids and names, and the user's role."""

    user: str
    company: str
    role: str
    user_name: str = ""
    company_name: str = ""

    def as_claim(self) -> dict[str, str]:
        """Return the identity as the JWT ``identity`` claim."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Authenticated:
    """The outcome of authentication: the identity, and the token session if any."""

    identity: Identity
    session_id: str | None = None
    expires: int | None = None


CredentialsLookup = Callable[[str, str], Identity | None]
"""Find the identity owning an access key and secret; None when they do not match."""

RevocationCheck = Callable[[str], bool]
"""Tell whether a token session id has been revoked."""


class Authenticator:
    """Authenticate Basic and Bearer credentials."""

    def __init__(
        self,
        token_secret: str,
        credentials: CredentialsLookup | None = None,
        is_revoked: RevocationCheck | None = None,
    ) -> None:
        self._secret = token_secret
        self._credentials = credentials
        self._is_revoked = is_revoked

    def authenticate(
        self, authorization: str | None, cookie_token: str | None = None
    ) -> Authenticated:
        """Return who is calling, or raise a 401 APIError naming what was wrong."""
        if not authorization:
            if cookie_token:
                return self.verify_token(cookie_token)
            raise APIError("no_credentials")
        scheme, _, value = authorization.strip().partition(" ")
        scheme = scheme.lower()
        if scheme == "bearer":
            return self.verify_token(value.strip())
        if scheme == "basic":
            return Authenticated(self._basic(value.strip()))
        raise APIError("bad_auth_type", f"unsupported scheme {scheme!r}")

    def identity_from_token(self, token: str) -> Identity:
        """Verify a JWT and return the identity it carries."""
        return self.verify_token(token).identity

    def verify_token(self, token: str) -> Authenticated:
        """Verify a JWT (signature, expiry, revocation) and return what it carries."""
        claims = self.decode_token(token)
        raw = claims.get("identity")
        if not isinstance(raw, dict):
            raise APIError("invalid_token", "token carries no identity")
        try:
            identity = Identity(**{k: str(v) for k, v in raw.items() if k in Identity.__slots__})
        except TypeError:
            raise APIError("invalid_token", "token identity is incomplete") from None
        session = claims.get("session_id")
        if session and self._is_revoked is not None and self._is_revoked(str(session)):
            raise APIError("invalid_token", "revoked token")
        expires = claims.get("exp")
        return Authenticated(
            identity,
            str(session) if session else None,
            int(expires) if isinstance(expires, int | float) else None,
        )

    def decode_token(self, token: str) -> dict[str, Any]:
        """Verify signature and expiry; raise 401/30 on any failure."""
        try:
            return dict(jwt.decode(token, self._secret, algorithms=[ALGORITHM]))
        except jwt.ExpiredSignatureError:
            raise APIError("invalid_token", "token expired") from None
        except jwt.PyJWTError as exc:
            raise APIError("invalid_token", str(exc)) from None

    def encode_token(self, claims: dict[str, Any]) -> str:
        """Sign claims into a JWT with the shared secret."""
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def _basic(self, value: str) -> Identity:
        try:
            decoded = base64.b64decode(value, validate=True).decode("latin-1")
        except (binascii.Error, ValueError):
            raise APIError("bad_credentials", "basic credentials are not base64") from None
        key, sep, secret = decoded.partition(":")
        if not sep:
            raise APIError("bad_credentials", "expected key:secret")
        identity = self._credentials(key, secret) if self._credentials else None
        if identity is None:
            raise APIError("invalid_credentials", "failed to locate provided credentials")
        return identity
