"""Start-up preparation of the stores: indexes, templates and well-known credentials.

Runs once per deployment start (in the serving process before it forks), idempotently, so
several API hosts starting together are safe.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mongoengine import Document

from apiserver.config import Config
from apiserver.stores import Stores
from bll.auth import AUTH_DOCUMENTS, NewCredential, UserStore

log = logging.getLogger("bll.bootstrap")

ADMIN_ENV_KEY = "APISERVER_ACCESS_KEY"
ADMIN_ENV_SECRET = "APISERVER_SECRET_KEY"
ADMIN_USER = "admin"
DEVELOPER_USER = "developer"


@dataclass(frozen=True, slots=True)
class Prepared:
    """What start-up preparation found and did."""

    text_indexes: bool
    development_credential: NewCredential | None


def ensure_indexes(documents: Iterable[type[Document]], text_indexes: bool) -> None:
    """Create every document's indexes; text indexes only where the engine has them."""
    for document in documents:
        specs = document._meta.get("index_specs") or []
        has_text = any(
            any(direction == "text" for _, direction in spec.get("fields", [])) for spec in specs
        )
        if has_text and not text_indexes:
            collection = document._get_collection()
            for spec in specs:
                fields = spec.get("fields", [])
                if any(direction == "text" for _, direction in fields):
                    continue
                options = {k: v for k, v in spec.items() if k != "fields"}
                collection.create_index(fields, background=False, **options)
        else:
            document.ensure_indexes()


def prepare_storage(
    config: Config,
    stores: Stores,
    environ: Mapping[str, str],
    documents: Iterable[type[Document]] = AUTH_DOCUMENTS,
    create_development_credential: bool = False,
) -> Prepared:
    """Create indexes and the well-known credentials.

    The admin credential comes from the environment; a development credential is created
    when asked to (the embedded default) and no user exists yet.
    """
    ensure_indexes(documents, stores.text_indexes)
    users = UserStore()
    company = str(config.get("apiserver.auth.default_company", "default"))
    key, secret = environ.get(ADMIN_ENV_KEY), environ.get(ADMIN_ENV_SECRET)
    if key and secret:
        users.set_credential(company, ADMIN_USER, "admin", key, secret)
        log.info("admin credential %s set from %s", key, ADMIN_ENV_KEY)
    elif key or secret:
        log.warning("%s and %s must be set together; ignored", ADMIN_ENV_KEY, ADMIN_ENV_SECRET)
    created = None
    if create_development_credential and users.count_users() == 0:
        created = users.create_credential(company, DEVELOPER_USER, "admin")
    return Prepared(text_indexes=stores.text_indexes, development_credential=created)
