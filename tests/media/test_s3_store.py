"""The image store in an S3-compatible bucket, against moto's S3 server over real HTTP: the bytes
round-trip, a delete waits for the commit (a rollback keeps the image the row still names),
and a campaign's image is stored and read there with no bytes in the database."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image
from sqlmodel import select

from amplifier.db import Database
from amplifier.media.attach import attach_image, campaign_attachments
from amplifier.media.s3store import S3Store, client_for, parse_location
from amplifier.media.store import store_for
from amplifier.models import MediaBlob
from amplifier.supervisor import free_port
from config.settings import Settings, get_settings
from tests import factories

moto_server = pytest.importorskip("moto.server")

BUCKET = "campaign-images"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_settings(s3_endpoint: str) -> Settings:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        media_store=f"s3://{BUCKET}/amplifier/images",
        media_s3_endpoint_url=s3_endpoint,
        media_s3_region="us-east-1",
        media_s3_access_key_id="test",
        media_s3_secret_access_key="test",  # type: ignore[arg-type]
    )
    client = client_for(settings)
    if BUCKET not in [b["Name"] for b in client.list_buckets().get("Buckets", [])]:
        client.create_bucket(Bucket=BUCKET)
    return settings


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (1, 2, 3)).save(buffer, "PNG")
    return buffer.getvalue()


def test_the_location_names_bucket_and_prefix() -> None:
    assert parse_location("s3://b/some/prefix/") == ("b", "some/prefix/")
    assert parse_location("s3://b") == ("b", "")
    with pytest.raises(ValueError, match="AMPLIFIER_MEDIA_STORE"):
        Settings(_env_file=None, media_store="ftp://nope")  # type: ignore[call-arg]


def test_bytes_round_trip_and_a_delete_waits_for_the_commit(
    database: Database, s3_settings: Settings
) -> None:
    with database.session() as session:
        store = store_for(session, s3_settings)
        assert isinstance(store, S3Store)
        key = store.put(b"\x89PNG picture")
    with database.session() as session:
        store = store_for(session, s3_settings)
        assert store.get(key) == b"\x89PNG picture"
        assert store.get("no-such-key") is None
        store.delete(key)
        assert store.get(key) == b"\x89PNG picture"  # not before the commit
        session.rollback()  # the change is abandoned: the image stays
    with database.session() as session:
        store = store_for(session, s3_settings)
        assert store.get(key) == b"\x89PNG picture"
        store.delete(key)
    with database.session() as session:
        assert store_for(session, s3_settings).get(key) is None


def test_a_campaign_image_lives_in_the_bucket(
    database: Database, s3_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in (
        ("AMPLIFIER_MEDIA_STORE", s3_settings.media_store),
        ("AMPLIFIER_MEDIA_S3_ENDPOINT_URL", str(s3_settings.media_s3_endpoint_url)),
        ("AMPLIFIER_MEDIA_S3_REGION", "us-east-1"),
        ("AMPLIFIER_MEDIA_S3_ACCESS_KEY_ID", "test"),
        ("AMPLIFIER_MEDIA_S3_SECRET_ACCESS_KEY", "test"),
    ):
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        with database.session() as session:
            owner = factories.owner(session)
            assert owner.owner.id is not None
            campaign = factories.campaign(session, owner.owner.id)
            attach_image(session, campaign, _png(), "A dot", prepare_lead_s=60)
            campaign_id = campaign.id
        assert campaign_id is not None
        with database.session() as session:
            assert session.exec(select(MediaBlob)).all() == []
            (attachment,) = campaign_attachments(session, campaign_id)
            assert attachment.description == "A dot" and attachment.data[:4] == b"\x89PNG"
    finally:
        get_settings.cache_clear()
