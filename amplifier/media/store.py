"""Where an owner's image bytes live: a small interface, the database by default.

Why the database: the web app writes the image once, and every worker that prepares a release
(on any machine) reads the same bytes, with no shared disk and no second service to run. An
image is at most a few megabytes and a campaign has one, so the table stays small. A deployment
with very many campaigns may put the bytes in an S3-compatible bucket instead
(AMPLIFIER_MEDIA_STORE=s3://bucket/prefix, s3store.py); another store implements `ImageStore`
(three calls) and is chosen in `store_for`.
"""

from __future__ import annotations

import secrets
from typing import Protocol

from sqlmodel import Session

from amplifier.models import MediaBlob
from config.settings import Settings, get_settings


class ImageStore(Protocol):
    """Bytes under a key this store chose; every call runs in the caller's unit of work."""

    def put(self, data: bytes) -> str:
        """Keep `data`; returns its new key."""
        ...

    def get(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None: ...


class DatabaseStore:
    """`ImageStore` in the `media_blob` table, inside the caller's session (committed with it)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def put(self, data: bytes) -> str:
        key = secrets.token_hex(16)
        self.session.add(MediaBlob(key=key, data=data))
        self.session.flush()
        return key

    def get(self, key: str) -> bytes | None:
        row = self.session.get(MediaBlob, key)
        return None if row is None else bytes(row.data)

    def delete(self, key: str) -> None:
        row = self.session.get(MediaBlob, key)
        if row is not None:
            self.session.delete(row)
            self.session.flush()


_clients: dict[tuple[object, ...], object] = {}


def store_for(session: Session, settings: Settings | None = None) -> ImageStore:
    """This deployment's store (AMPLIFIER_MEDIA_STORE), working in `session`'s unit of work."""
    settings = settings or get_settings()
    if settings.media_store == "database":
        return DatabaseStore(session)
    from .s3store import S3Store, client_for

    key = (
        settings.media_s3_endpoint_url,
        settings.media_s3_region,
        settings.media_s3_access_key_id,
        settings.media_s3_timeout_s,
    )
    client = _clients.get(key)
    if client is None:  # boto3 clients are thread-safe and slow to make: one per configuration
        client = _clients.setdefault(key, client_for(settings))
    return S3Store(session, client, settings.media_store)
