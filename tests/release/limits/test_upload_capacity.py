"""What an owner is told when a campaign's image cannot be uploaded to every supporter's account
in time: the platforms' upload budgets, and the preparation time before T."""

from __future__ import annotations

import io

from PIL import Image

from amplifier.campaigns.rules import capacity_problems
from amplifier.db import Database
from amplifier.media.attach import attach_image
from amplifier.release.limits.uploads import upload_warnings
from config.settings import Settings
from tests import factories

SETTINGS = Settings()


def test_no_warning_when_the_uploads_fit_before_the_release() -> None:
    assert upload_warnings({"x": 500, "mastodon": 300}, prepare_lead_s=60, settings=SETTINGS) == []
    # Tumblr's image travels in the post at T: nothing to upload before
    assert upload_warnings({"tumblr": 100_000}, prepare_lead_s=60, settings=SETTINGS) == []


def test_too_many_uploads_for_the_preparation_time_are_told() -> None:
    # 5,000 posts x 2 calls x 0.5 s, 32 at once: about 156 s, more than a 60 s lead
    (warning,) = upload_warnings({"x": 5_000}, prepare_lead_s=60, settings=SETTINGS)
    assert "takes about 2 min 36 s, more than the 1 min preparation" in warning
    assert upload_warnings({"x": 5_000}, prepare_lead_s=600, settings=SETTINGS) == []


def test_the_app_upload_budget_is_told_with_the_goal_that_fits() -> None:
    warnings = upload_warnings({"x": 30_000}, prepare_lead_s=3600, settings=SETTINGS)
    budget = [w for w in warnings if "image uploads per 24 h for this app" in w]
    assert len(budget) == 1
    assert "30,000 pledges on X with an image need 60,000 upload calls" in budget[0]
    assert "Lower the goal to 25,000 on X" in budget[0]


def test_capacity_problems_include_uploads_only_with_an_image(database: Database) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (1, 2, 3)).save(buffer, "PNG")
    with database.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        campaign = factories.campaign(session, owner.owner.id, goal=6_000)
        before = capacity_problems(session, campaign, SETTINGS)
        assert not any("Uploading the image" in w for w in before)
        attach_image(session, campaign, buffer.getvalue(), "A dot", prepare_lead_s=60)
        after = capacity_problems(session, campaign, SETTINGS)
        assert any("Uploading the image" in w for w in after)


def test_blob_uploads_share_the_pds_host_budget() -> None:
    # Bluesky: 3,000 requests per 5 minutes per PDS host; 10,000 supporters on one host
    warnings = upload_warnings({"bluesky": 10_000}, prepare_lead_s=60, settings=SETTINGS)
    (host,) = [w for w in warnings if "on one server" in w]
    assert "10,000 pledges on Bluesky with an image need 10,000 upload calls" in host
    assert upload_warnings({"bluesky": 2_000}, prepare_lead_s=60, settings=SETTINGS) == []
