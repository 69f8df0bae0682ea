"""Issue 16, the supporter's side and the API: one true sentence per state on the public page,
the manage page and the state endpoint; the report as CSV from the API and the CLI."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import requests

from amplifier.models import Campaign, CampaignStatus, Delivery, Pledge
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.pages import manage_path
from tests import factories
from tests.cli.test_cli_and_startup import run_cli
from tests.conftest import LiveWeb


def _pledge(rt: Runtime, campaign: Campaign, handle: str, **delivery: object) -> int:
    assert campaign.id is not None
    with rt.db.session() as session:
        row = Pledge(
            campaign_id=campaign.id,
            platform="x",
            account_id=handle,
            handle=handle,
            followers=10,
            post_text=campaign.post_text(),
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        if delivery:
            session.add(Delivery(pledge_id=row.id, campaign_id=campaign.id, **delivery))
        return row.id


def test_56_s_before_t_every_supporter_page_says_preparing(runtime: Runtime, web: LiveWeb) -> None:
    """`releasing` starts at T - prepare lead (60 s): the public page said "The posts are going
    out now" 56 s before any post left."""
    campaign, _ = factories.new_campaign_and_token(runtime, goal=1)
    pledge_id = _pledge(runtime, campaign, "@one", status="pending")
    release = utcnow() + timedelta(seconds=56)
    factories.update_campaign(
        runtime, campaign.id, status=CampaignStatus.RELEASING, release_at=release,
        pledge_deadline=utcnow() - timedelta(minutes=1))  # fmt: skip
    manage = web.url + manage_path(runtime, pledge_id)
    for url in (f"{web.url}/c/{campaign.slug}", manage):
        html = requests.get(url, timeout=5).text
        assert "Preparing the release: no post has left yet" in html, url
        assert "going out now" not in html and "under way" not in html, url
        assert f'data-at="{release.isoformat()}" data-label="The posts leave"' in html, url
    state = requests.get(f"{web.url}/c/{campaign.slug}/state", timeout=5)
    assert state.status_code == 200 and state.headers["cache-control"] == "public, max-age=1"
    body = state.json()
    assert body["phase"] == "preparing" and body["final"] is False
    assert body["countdown"] == {"label": "The posts leave", "at": release.isoformat()}
    assert body["sentence"][1] == {
        "time": release.isoformat(),
        "text": f"{release:%Y-%m-%d %H:%M:%S} UTC",
    }
    mine = requests.get(f"{manage}/state", timeout=5)
    assert mine.headers["cache-control"] == "no-store"
    assert mine.json()["status_word"] == "waiting to be sent"
    assert mine.json()["outcome"][0] == {"text": "Your post is waiting to be sent at "}
    # at T the same rows read as going out
    factories.update_campaign(runtime, campaign.id, release_at=utcnow() - timedelta(seconds=1))
    body = requests.get(f"{web.url}/c/{campaign.slug}/state", timeout=5).json()
    assert body["phase"] == "releasing"
    assert body["sentence"][0]["text"].startswith("The posts are going out now: 0 of 1 post")


def test_a_post_retried_after_t_says_when_not_a_time_already_past(
    runtime: Runtime, web: LiveWeb
) -> None:
    """A newcomer saw "Your post is waiting to be sent at 06:13:00 PM" minutes after 06:13,
    while the platform's rate limit held the post back."""
    campaign, _ = factories.new_campaign_and_token(runtime, goal=1)
    retry = utcnow() + timedelta(minutes=3)
    pledge_id = _pledge(
        runtime, campaign, "@held", status="pending", not_before=retry, attempts=1,
        error="the platform limited how fast posts may be sent: (#4) too many calls",
    )  # fmt: skip
    factories.update_campaign(
        runtime, campaign.id, status=CampaignStatus.RELEASING,
        release_at=utcnow() - timedelta(minutes=1),
        pledge_deadline=utcnow() - timedelta(minutes=2))  # fmt: skip
    outcome = requests.get(f"{web.url}{manage_path(runtime, pledge_id)}/state", timeout=5).json()
    words = "".join(part.get("text", "") for part in outcome["outcome"])
    assert "The first try did not go through" in words
    assert "the platform limited how fast posts may be sent" in words
    assert outcome["outcome"][3]["time"] == retry.isoformat()
    assert "waiting to be sent at" not in words


def test_at_the_deadline_the_state_moves_without_the_visitor(
    runtime: Runtime, web: LiveWeb
) -> None:
    """The countdown used to ask the visitor to reload; the endpoint now says what follows."""
    campaign, _ = factories.new_campaign_and_token(runtime, goal=1)
    html = requests.get(f"{web.url}/c/{campaign.slug}", timeout=5).text
    assert "Reload the page" not in html and 'src="/static/live-state.js"' in html
    assert requests.get(f"{web.url}/c/{campaign.slug}/state", timeout=5).json()["phase"] == "open"
    factories.update_campaign(runtime, campaign.id, pledge_deadline=utcnow() - timedelta(seconds=1))
    body = requests.get(f"{web.url}/c/{campaign.slug}/state", timeout=5).json()
    assert body["phase"] == "judging" and body["takes_pledges"] is False
    assert body["countdown"] is None
    csp = requests.get(f"{web.url}/c/{campaign.slug}", timeout=5).headers["content-security-policy"]
    assert "connect-src 'self'" in csp  # the page may poll its own state


def test_an_unusable_mastodon_server_is_told_next_to_the_field(
    runtime: Runtime, web: LiveWeb
) -> None:
    campaign, _ = factories.new_campaign_and_token(runtime)
    browser, csrf = factories.form_browser(runtime)
    answer = browser.post(
        f"{web.url}/c/{campaign.slug}/pledge",
        data={"platform": "mastodon", "instance": "not a server!", **csrf},
        allow_redirects=False,
    )
    assert answer.status_code == 422
    assert 'value="not a server!"' in answer.text  # what was typed is kept
    assert 'id="instance-error-mastodon" role="alert">That server address does not look right' in (
        answer.text
    )
    assert 'aria-describedby="instance-error-mastodon"' in answer.text
    assert answer.text.count("That server address does not look right") == 1  # that field only
    assert answer.text.count('value="not a server!"') == 1
    assert f'action="/c/{campaign.slug}/pledge#pledge-mastodon"' in answer.text  # jumps there
    assert "autofocus" in answer.text


def test_a_mastodon_server_that_does_not_answer_is_told_in_plain_words(
    runtime: Runtime, web: LiveWeb
) -> None:
    campaign, _ = factories.new_campaign_and_token(runtime)
    browser, csrf = factories.form_browser(runtime)
    answer = browser.post(
        f"{web.url}/c/{campaign.slug}/pledge",
        data={"platform": "mastodon", "instance": "http://127.0.0.1:9", **csrf},
        allow_redirects=False,
    )
    assert answer.status_code == 422  # the supporter's address to check, not our outage
    assert "We could not reach the Mastodon server 127.0.0.1:9. Check the address" in answer.text
    assert "ConnectionError" not in answer.text and "did not let us" not in answer.text


def test_the_report_as_csv_from_the_api_and_the_cli(
    runtime: Runtime, web: LiveWeb, tmp_path: Path
) -> None:
    campaign, token = factories.new_campaign_and_token(runtime, goal=1)
    t = utcnow() - timedelta(minutes=1)
    _pledge(runtime, campaign, "+cmd|' /C calc'!A0", status="failed", error="@SUM(1+1)")
    _pledge(runtime, campaign, "ada", status="posted", finished_at=t + timedelta(milliseconds=42),
            remote_url="https://x.example/ada/status/1")  # fmt: skip
    factories.update_campaign(runtime, campaign.id, status=CampaignStatus.RELEASED, release_at=t)
    auth = {"Authorization": f"Bearer {token}"}
    answer = requests.get(f"{web.url}/api/campaigns/{campaign.id}/report.csv", headers=auth,
                          timeout=5)  # fmt: skip
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [(r["handle"], r["outcome"], r["offset_ms"]) for r in rows] == [
        ("ada", "posted", "42.0"),
        ("'+cmd|' /C calc'!A0", "failed", ""),
    ]
    assert rows[1]["error"] == "'@SUM(1+1)"
    bad = requests.get(f"{web.url}/api/campaigns/{campaign.id}/report.csv", headers=auth,
                       params={"sort": "nonsense"}, timeout=5)  # fmt: skip
    assert bad.status_code == 422 and "sort: choose one of offset, outcome, platform" in bad.text
    other = requests.get(f"{web.url}/api/campaigns/{campaign.id}/report.csv", timeout=5)
    assert other.status_code == 401

    env = {
        "AMPLIFIER_DATA_DIR": str(tmp_path / "data"),
        "AMPLIFIER_DATABASE_URL": runtime.settings.database_url,
    }
    out = run_cli(env, "campaign", "report", str(campaign.id), "--csv", "--sort", "outcome",
                  "--token", token)  # fmt: skip
    assert out.returncode == 0, out.stderr
    cli_rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [r["handle"] for r in cli_rows] == ["ada", "'+cmd|' /C calc'!A0"]
    table = run_cli(env, "campaign", "report", str(campaign.id))
    assert table.returncode == 0 and "https://x.example/ada/status/1" in table.stdout


def test_the_public_page_s_promises_follow_the_campaign_s_state(
    runtime: Runtime, web: LiveWeb
) -> None:
    """After the judgement "all or nothing" is moot; after the release, or for a campaign that
    failed or was cancelled, "published automatically at the release time" and the calendar
    link promise what will not happen."""
    past = utcnow() - timedelta(hours=1)

    def page_in(status: CampaignStatus | None) -> str:
        campaign = factories.new_campaign(runtime)
        if status is not None:
            factories.update_campaign(
                runtime, campaign.id, status=status, pledge_deadline=past - timedelta(hours=1)
            )
        return requests.get(f"{web.url}/c/{campaign.slug}", timeout=5).text

    open_page = page_in(None)
    for promise in ('id="all-or-nothing"', 'id="posting-modes"', 'id="add-to-calendar"'):
        assert promise in open_page, promise
    armed = page_in(CampaignStatus.ARMED)
    assert 'id="all-or-nothing"' not in armed and "All or nothing: if fewer" not in armed
    assert 'id="add-to-calendar"' in armed and "published automatically" in armed
    for status in (CampaignStatus.FAILED, CampaignStatus.CANCELLED, CampaignStatus.RELEASED):
        text = page_in(status)
        assert "All or nothing: if fewer" not in text, status
        assert "published automatically" not in text, status
        assert "Add the release to my calendar" not in text, status


def test_a_post_its_supporter_deleted_has_no_link_to_a_404(runtime: Runtime, web: LiveWeb) -> None:
    campaign, token = factories.new_campaign_and_token(runtime, goal=1)
    t = utcnow() - timedelta(minutes=1)
    gone = "https://x.example/ada/status/1"
    _pledge(runtime, campaign, "ada", status="deleted", finished_at=t, remote_url=gone)
    _pledge(runtime, campaign, "bo", status="posted", finished_at=t,
            remote_url="https://x.example/bo/status/2")  # fmt: skip
    factories.update_campaign(runtime, campaign.id, status=CampaignStatus.RELEASED, release_at=t)
    auth = {"Authorization": f"Bearer {token}"}
    answer = requests.get(f"{web.url}/api/campaigns/{campaign.id}/report.csv", headers=auth,
                          timeout=5)  # fmt: skip
    rows = {r["handle"]: r for r in csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig")))}
    assert rows["ada"]["link"] == "deleted by its supporter"
    assert rows["bo"]["link"] == "https://x.example/bo/status/2"
    public = requests.get(f"{web.url}/c/{campaign.slug}", timeout=5).text
    assert gone not in public and "https://x.example/bo/status/2" in public


def test_counts_on_the_public_page_have_thousands_separators(
    runtime: Runtime, web: LiveWeb
) -> None:
    campaign = factories.new_campaign(runtime, goal=2500)
    with runtime.db.session() as session:
        session.add(Pledge(campaign_id=campaign.id, platform="x", account_id="big", handle="big",
                           followers=16463, post_text=campaign.post_text()))  # fmt: skip
    page = requests.get(f"{web.url}/c/{campaign.slug}", timeout=5).text
    assert 'id="reach">16,463</strong> followers' in page
    assert "goal 2,500 supporters" in page
