"""Companies, users and credentials (MongoDB), tokens and their revocation (Redis)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis
from mongoengine import DateTimeField, Document, NotUniqueError, StringField

from apiserver.auth import Authenticator, Identity
from apiserver.errors import APIError

ROLES = ("system", "root", "admin", "superuser", "user", "annotator", "guest", "api")
REVOKED_TOKENS = "revoked_tokens"
_KEY_ALPHABET = string.ascii_uppercase + string.digits


def new_id() -> str:
    """Return a new 32-character lowercase hex id."""
    return uuid.uuid4().hex


def hash_secret(secret: str) -> str:
    """Hash an API secret for storage (secrets are long and random: SHA-256 suffices)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def utcnow() -> datetime:
    """Return the current UTC time as a naive datetime, as stored."""
    return datetime.now(UTC).replace(tzinfo=None)


class Company(Document):
    """A tenant: every user and every object belongs to one company."""

    id = StringField(primary_key=True)
    name = StringField(required=True, unique=True)
    created = DateTimeField(default=utcnow)
    meta = {"db_alias": "auth", "collection": "company"}


class User(Document):
    """A user of one company, with a role."""

    id = StringField(primary_key=True)
    company = StringField(required=True)
    name = StringField(required=True)
    role = StringField(required=True, choices=ROLES)
    created = DateTimeField(default=utcnow)
    meta = {
        "db_alias": "auth",
        "collection": "user",
        "indexes": [{"fields": ("company", "name"), "unique": True}],
    }


class Credential(Document):
    """An access key of a user; only the secret's hash is stored."""

    key = StringField(primary_key=True)
    secret_hash = StringField(required=True)
    user = StringField(required=True)
    company = StringField(required=True)
    created = DateTimeField(default=utcnow)
    last_used = DateTimeField()
    meta = {"db_alias": "auth", "collection": "credential", "indexes": ["user"]}


AUTH_DOCUMENTS: tuple[type[Document], ...] = (Company, User, Credential)


@dataclass(frozen=True, slots=True)
class NewCredential:
    """A freshly created credential: the only time the secret is visible."""

    access_key: str
    secret_key: str
    user: str
    company: str
    user_name: str
    company_name: str
    role: str

    def as_dict(self) -> dict[str, str]:
        """Return the credential as printed by ``apiserver users create --json``."""
        return {
            "access_key": self.access_key, "secret_key": self.secret_key,
            "user": self.user, "company": self.company, "user_name": self.user_name,
            "company_name": self.company_name, "role": self.role,
        }


class UserStore:
    """Create and look up companies, users and credentials."""

    def company_named(self, name: str) -> Company:
        """Return the company with this name, creating it on demand."""
        found = Company.objects(name=name).first()
        if found is not None:
            return found
        company = Company(id=new_id(), name=name)
        try:
            company.save(force_insert=True)
        except NotUniqueError:  # NOTE: a concurrent creator won; read theirs
            found = Company.objects(name=name).first()
            if found is None:
                raise
            return found
        return company

    def user_named(self, company: Company, name: str, role: str) -> User:
        """Return the user with this name in the company, creating it with ``role``."""
        if role not in ROLES:
            raise APIError("validation_error", f"unknown role {role!r}")
        found = User.objects(company=company.id, name=name).first()
        if found is not None:
            return found
        user = User(id=new_id(), company=company.id, name=name, role=role)
        user.save(force_insert=True)
        return user

    def create_credential(
        self, company_name: str, user_name: str, role: str = "user"
    ) -> NewCredential:
        """Create a user (and company) if needed, and a new key and secret for it."""
        key = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(24))
        secret = secrets.token_urlsafe(36)
        return self.set_credential(company_name, user_name, role, key, secret)

    def set_credential(
        self, company_name: str, user_name: str, role: str, key: str, secret: str
    ) -> NewCredential:
        """Create or update the credential ``key`` with ``secret`` (idempotent)."""
        company = self.company_named(company_name)
        user = self.user_named(company, user_name, role)
        if user.role != role:
            user.update(set__role=role)
        Credential.objects(key=key).update_one(
            upsert=True,
            set__secret_hash=hash_secret(secret),
            set__user=user.id,
            set__company=company.id,
            set_on_insert__created=utcnow(),
        )
        return NewCredential(key, secret, user.id, company.id, user.name, company.name, role)

    def count_users(self) -> int:
        """Return how many users exist."""
        return int(User.objects.count())

    def identify(self, key: str, secret: str) -> Identity | None:
        """Return the identity owning the key, if the secret matches."""
        credential = Credential.objects(key=key).first()
        if credential is None or not hmac.compare_digest(
            credential.secret_hash, hash_secret(secret)
        ):
            return None
        user = User.objects(id=credential.user).first()
        company = Company.objects(id=credential.company).first()
        if user is None or company is None:
            return None
        Credential.objects(key=key).update_one(set__last_used=utcnow())
        return Identity(user=user.id, company=company.id, role=user.role,
                        user_name=user.name, company_name=company.name)


class TokenService:
    """Issue tokens for identities and revoke their sessions."""

    def __init__(
        self,
        authenticator: Authenticator,
        state: redis.Redis,
        claims: dict[str, str],
        default_expiration: int,
        max_expiration: int,
    ) -> None:
        self._auth = authenticator
        self._state = state
        self._claims = claims
        self._default = default_expiration
        self._max = max_expiration

    def issue(self, identity: Identity, expiration_sec: int | None = None) -> str:
        """Return a signed token for the identity, valid for the asked or default time."""
        lifetime = self._default if expiration_sec is None else expiration_sec
        if lifetime > self._max:
            raise APIError("validation_error",
                           f"expiration_sec may be at most {self._max}", expiration_sec=lifetime)
        now = int(time.time())
        claims: dict[str, Any] = {
            "identity": identity.as_claim(),
            "iat": now,
            "exp": now + lifetime,
            "session_id": new_id(),
            "auth_type": "Bearer",
            **self._claims,
        }
        return self._auth.encode_token(claims)

    def revoke(self, session_id: str, expires: int | None) -> None:
        """Revoke a session until its token expires; prune expired revocations."""
        now = time.time()
        pipe = self._state.pipeline()
        pipe.zadd(REVOKED_TOKENS, {session_id: float(expires or now + self._max)})
        pipe.zremrangebyscore(REVOKED_TOKENS, "-inf", now)
        pipe.execute()

    def is_revoked(self, session_id: str) -> bool:
        """Tell whether a session was revoked."""
        return self._state.zscore(REVOKED_TOKENS, session_id) is not None
