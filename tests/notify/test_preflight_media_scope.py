"""A pledge connected before campaigns carried images has a token without the platform's media
scope: once its campaign has an image, the preflight finds it a day before and asks the
supporter to reconnect, while there is still time."""

from __future__ import annotations

import io

from PIL import Image

from amplifier.media.attach import attach_image
from amplifier.notify.preflight import NO_MEDIA_SCOPE
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from tests.notify.conftest import SmtpServer, deliver

from .test_preflight import _campaign, _pledge, _row

OLD_X_SCOPES = "tweet.read tweet.write users.read offline.access"  # before media.write


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (1, 2, 3)).save(buffer, "PNG")
    return buffer.getvalue()


def _old_scopes(rt: Runtime, pledge_id: int) -> None:
    with rt.db.session() as session:
        row = _row(rt, pledge_id)
        row.token_scope = OLD_X_SCOPES
        session.add(row)


def test_a_token_without_the_media_scope_must_reconnect_once_there_is_an_image(
    mail_rt: Runtime, smtp: SmtpServer, sandbox: RunningSandbox
) -> None:
    campaign = _campaign(mail_rt)
    old = _pledge(mail_rt, campaign, "x", "old")
    new = _pledge(mail_rt, campaign, "x", "new")
    _old_scopes(mail_rt, old)
    with mail_rt.db.session() as session:
        session.add(campaign)
        attach_image(session, campaign, _png(), "A dot", prepare_lead_s=60)

    run = mail_rt.preflight()

    assert (run.checked, run.dead) == (2, 1)
    assert _row(mail_rt, old).connection_problem == NO_MEDIA_SCOPE
    assert _row(mail_rt, new).connection_problem is None
    deliver(mail_rt)
    subjects = [m["Subject"] for m in smtp.inbox.to("old@example.org")]
    # the image made a new version (asked to consent again) and the token cannot upload it
    assert "Please reconnect your account: Save the river" in subjects
    assert not any("reconnect" in m["Subject"] for m in smtp.inbox.to("new@example.org"))


def test_without_an_image_the_old_token_is_fine(mail_rt: Runtime, sandbox: RunningSandbox) -> None:
    campaign = _campaign(mail_rt)
    old = _pledge(mail_rt, campaign, "x", "old")
    _old_scopes(mail_rt, old)
    assert mail_rt.preflight().dead == 0
    assert _row(mail_rt, old).connection_problem is None
