"""With AMPLIFIER_LOG_FORMAT=json a release's log lines are JSON objects that say which campaign
and which delivery they are about, and carry no token (amplifier/logging_setup.py)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from sqlmodel import col, select

from amplifier.logging_setup import use_format
from amplifier.models import Delivery, Pledge
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from tests.release.test_release import _admin, _armed_campaign, _release_due


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Everything logged at DEBUG and above, written as the JSON format writes it."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    use_format([handler], "json")
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_a_release_logs_json_lines_with_the_campaign_and_delivery_ids(
    runtime: Runtime, sandbox: RunningSandbox, json_lines: io.StringIO
) -> None:
    runtime.settings.platform_timeout_s = 0.5
    campaign_id, _ = _armed_campaign(runtime, [("x", "slow"), ("mastodon", "quick")])
    with runtime.db.session() as session:  # what must never be logged (forgotten after)
        secrets = [
            runtime.cipher.decrypt(p.access_token_enc)
            for p in session.exec(select(Pledge)).all()
            if p.access_token_enc
        ]
    assert len(secrets) == 2
    # an answer that never comes: the row is settled, and that is logged about the delivery
    _admin(sandbox.x_url, "faults", {"timeout_after_accept_next": 1, "hang_s": 5})
    _release_due(runtime)

    lines = [json.loads(line) for line in json_lines.getvalue().splitlines() if line]
    assert lines, "the release logged nothing"
    for line in lines:
        assert {"time", "level", "logger", "message"} <= line.keys()
    ours = [line for line in lines if line["logger"].startswith("amplifier.release")]
    assert ours and all(line.get("campaign_id") == campaign_id for line in ours)
    settled = [line for line in lines if line["logger"] == "amplifier.release.settle"]
    assert settled, "the unknown outcome was not settled"
    for line in settled:  # the line names its delivery, and carries the same id
        assert line["message"].startswith(f"delivery {line['delivery_id']}:")
    with runtime.db.session() as session:
        slow = session.exec(
            select(Delivery)
            .join(Pledge, col(Pledge.id) == col(Delivery.pledge_id))
            .where(Pledge.platform == "x")
        ).one()
    assert slow.id in {line["delivery_id"] for line in settled}
    text = json_lines.getvalue()
    for secret in secrets:
        assert secret not in text
