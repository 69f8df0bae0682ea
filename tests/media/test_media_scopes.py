"""Scopes an image needs: a token holds no more than asked when it was made, and a Mastodon
token no more than its app was registered for; an app registered before images is registered
again, once."""

from __future__ import annotations

from sqlmodel import select

from amplifier.models import MastodonApp
from amplifier.platforms.registry import declaration
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox


def test_a_token_may_upload_only_with_the_media_scope_or_its_parent() -> None:
    x, mastodon = declaration("x"), declaration("mastodon")
    assert not x.token_may_upload("tweet.read tweet.write users.read offline.access")
    assert x.token_may_upload("tweet.read tweet.write users.read offline.access media.write")
    assert x.token_may_upload(None)  # not known: not judged
    assert not mastodon.token_may_upload("read:accounts write:statuses")
    assert mastodon.token_may_upload("read write")  # write covers write:media
    assert declaration("tumblr").token_may_upload("basic")  # no media scope of its own


def test_a_mastodon_app_registered_before_images_is_registered_again(
    runtime: Runtime, sandbox: RunningSandbox
) -> None:
    host = sandbox.mastodon_urls[0]
    with runtime.db.session() as session:
        runtime.connectors.for_platform(session, "mastodon", host)
        app = session.exec(select(MastodonApp).where(MastodonApp.instance_url == host)).one()
        assert app.scopes is not None and "write:media" in app.scopes.split()
        first = app.client_id
        app.scopes = None  # as every row from before migration 0009
        session.add(app)
    runtime.connectors._adapters.clear()  # a fresh process
    with runtime.db.session() as session:
        runtime.connectors.for_platform(session, "mastodon", host)
        app = session.exec(select(MastodonApp).where(MastodonApp.instance_url == host)).one()
        again = app.client_id
        assert app.scopes is not None and "write:media" in app.scopes.split()
    assert again != first
    runtime.connectors._adapters.clear()
    with runtime.db.session() as session:  # and only once
        runtime.connectors.for_platform(session, "mastodon", host)
        app = session.exec(select(MastodonApp).where(MastodonApp.instance_url == host)).one()
        assert app.client_id == again
