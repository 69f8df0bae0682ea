"""`ImageStore` in an S3-compatible bucket (AWS S3, MinIO, Ceph, Garage…), for deployments with
many campaigns: AMPLIFIER_MEDIA_STORE=s3://bucket/prefix (config/settings.py).

Why it defers deletes: the database store runs inside the caller's unit of work, so a change
rolled back leaves the old bytes in place. A bucket has no transaction: an object deleted
before the commit would be gone while the row that names it survives a rollback. So `delete`
only takes effect after the session commits (and is forgotten on a rollback); a `put` whose
transaction rolls back leaves an object no row names, which costs bytes, never a broken image.

Each call has a total deadline (`media_s3_timeout_s` to connect and to read, three attempts)
and reads at most MAX_OBJECT_BYTES. Needs boto3 (the `s3` extra); imported only when chosen.
"""

from __future__ import annotations

import contextlib
import secrets
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

from config.settings import Settings

from ..failure_words import network_words

MAX_OBJECT_BYTES = 64 * 1024 * 1024  # far above any platform's image limit


class S3Unavailable(RuntimeError):
    """The bucket could not be reached or answered an error (the message says which)."""


def parse_location(location: str) -> tuple[str, str]:
    """("bucket", "prefix/") from "s3://bucket/prefix" (the prefix may be empty)."""
    rest = location.removeprefix("s3://")
    bucket, _, prefix = rest.partition("/")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else ""


def client_for(settings: Settings) -> Any:
    """A boto3 S3 client for the configured endpoint and credentials."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise S3Unavailable(
            "AMPLIFIER_MEDIA_STORE names an S3 bucket, but boto3 is not installed: "
            'pip install "amplifier[s3]"'
        ) from exc
    secret = settings.media_s3_secret_access_key
    return boto3.client(
        "s3",
        endpoint_url=settings.media_s3_endpoint_url,
        region_name=settings.media_s3_region,
        aws_access_key_id=settings.media_s3_access_key_id,
        aws_secret_access_key=secret.get_secret_value() if secret is not None else None,
        config=Config(
            connect_timeout=settings.media_s3_timeout_s,
            read_timeout=settings.media_s3_timeout_s,
            retries={"total_max_attempts": 3, "mode": "standard"},
        ),
    )


class S3Store:
    """`ImageStore` over one bucket and key prefix; deletes wait for the session's commit."""

    def __init__(self, session: Session, client: Any, location: str) -> None:
        self.session = session
        self.client = client
        self.bucket, self.prefix = parse_location(location)
        self._doomed: list[str] = []

    def put(self, data: bytes) -> str:
        key = secrets.token_hex(16)
        self._call("put_object", Bucket=self.bucket, Key=self.prefix + key, Body=data)
        return key

    def get(self, key: str) -> bytes | None:
        try:
            answer = self._call("get_object", Bucket=self.bucket, Key=self.prefix + key)
        except _NotFound:
            return None
        body = answer["Body"]
        try:
            data = body.read(MAX_OBJECT_BYTES + 1)
        finally:
            body.close()
        if len(data) > MAX_OBJECT_BYTES:
            raise S3Unavailable(f"the object {key} is larger than {MAX_OBJECT_BYTES:,} bytes")
        return bytes(data)

    def delete(self, key: str) -> None:
        self.session.connection()  # a transaction under way, so its commit or rollback is seen
        if not self._doomed:
            event.listen(self.session, "after_commit", self._delete_now, once=True)
            event.listen(self.session, "after_soft_rollback", self._forget, once=True)
        self._doomed.append(key)

    def _delete_now(self, _session: Any) -> None:
        doomed, self._doomed = self._doomed, []
        for key in doomed:
            # an orphan object costs bytes only; the rows are committed either way
            with contextlib.suppress(S3Unavailable):
                self._call("delete_object", Bucket=self.bucket, Key=self.prefix + key)

    def _forget(self, _session: Any, _previous: Any) -> None:
        self._doomed = []

    def _call(self, name: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, name)(**kwargs)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("NoSuchKey", "404"):
                raise _NotFound from None
            raise S3Unavailable(f"the image store refused {name} ({code})") from None
        except BotoCoreError as exc:
            raise S3Unavailable(f"the image store is unreachable ({network_words(exc)})") from None


class _NotFound(Exception):
    pass
