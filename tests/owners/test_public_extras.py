"""Issue 16, the public page as Thunderclap had it and more: the organiser's name, share links
without trackers, a FAQ, link-preview tags, a favicon, the release in a calendar, sample posts
after the release, "email me this link" on the confirmation page; and the owner's dashboard:
pledges over time and who pledged, withdrawals included."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlmodel import select

from amplifier.models import Campaign, CampaignStatus, DeliveryStatus, Pledge, PledgeStatus
from amplifier.notify.tables import OutboxMessage
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.pages import manage_path
from tests import factories
from tests.owners.conftest import MakeOwner, csrf_of
from tests.owners.test_owner_truth import _create, _pledge
from tests.web.conftest import ClientFactory


def _public(runtime: Runtime, owner_name: str, make_owner: MakeOwner) -> Campaign:
    owner = make_owner(f"{owner_name.split()[0].lower()}@example.org", owner_name)
    campaign_id = _create(owner)
    return factories.update_campaign(runtime, campaign_id, review_status="approved")


def test_the_public_page_names_the_organiser_and_shares_without_trackers(
    runtime: Runtime, make_owner: MakeOwner, client: TestClient
) -> None:
    campaign = _public(runtime, "Ada Lovelace", make_owner)
    html = client.get(f"/c/{campaign.slug}").text
    assert 'id="organiser">Organised by <strong>Ada Lovelace</strong>' in html
    page_url = f"{runtime.settings.public_url.rstrip('/')}/c/{campaign.slug}"
    assert f'<meta property="og:url" content="{page_url}">' in html
    assert f'<meta property="og:title" content="{campaign.title}">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    assert 'href="https://twitter.com/intent/tweet?text=' in html
    assert 'rel="icon" href="/static/favicon.svg"' in html
    assert "Can I change my mind?" in html and "What happens to my account?" in html
    assert f'value="{page_url}" readonly' in html  # the copy-link field works without script
    assert '<script src="http' not in html  # every script is ours
    icon = client.get("/favicon.ico", follow_redirects=False)
    assert icon.status_code == 301 and icon.headers["location"] == "/static/favicon.svg"
    assert client.get("/static/favicon.svg").headers["content-type"].startswith("image/svg")


def test_a_named_servers_share_link_goes_there_and_a_mistyped_one_is_kept(
    runtime: Runtime, make_owner: MakeOwner, client: TestClient
) -> None:
    campaign = _public(runtime, "Bo Organiser", make_owner)
    forms = client.get(f"/c/{campaign.slug}").text
    assert f'action="/c/{campaign.slug}/share/' in forms and 'class="share-host"' in forms
    platform = forms.split(f'action="/c/{campaign.slug}/share/', 1)[1].split('"', 1)[0]
    base = runtime.connectors.suggested_host(platform)
    answer = client.get(
        f"/c/{campaign.slug}/share/{platform}", params={"host": base}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"{base.rstrip('/')}/share?text=")
    bad = client.get(f"/c/{campaign.slug}/share/{platform}", params={"host": "no such thing"})
    assert bad.status_code == 422
    assert "That server address does not look right" in bad.text
    assert 'value="no such thing"' in bad.text  # what was typed, kept


def test_the_release_goes_into_a_calendar_at_t_in_utc(
    runtime: Runtime, make_owner: MakeOwner, client: TestClient
) -> None:
    campaign = _public(runtime, "Cy Organiser", make_owner)
    answer = client.get(f"/c/{campaign.slug}/release.ics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    assert f'filename="{campaign.slug}-release.ics"' in answer.headers["content-disposition"]
    event = next(iter(Calendar.from_ical(answer.content).walk("VEVENT")))
    assert event.decoded("dtstart") == campaign.release_at
    assert str(event["summary"]) == f"Release: {campaign.title}"
    assert str(event["url"]).endswith(f"/c/{campaign.slug}")
    again = Calendar.from_ical(client.get(f"/c/{campaign.slug}/release.ics").content)
    assert str(next(iter(again.walk("VEVENT")))["uid"]) == str(event["uid"])  # one event


def test_after_the_release_the_public_page_links_a_sample_of_the_posts(
    runtime: Runtime, make_owner: MakeOwner, client: TestClient
) -> None:
    campaign = _public(runtime, "Di Organiser", make_owner)
    assert campaign.id is not None
    t = utcnow() - timedelta(minutes=1)
    for n in range(8):
        _pledge(runtime, campaign.id, f"@p{n}", status=DeliveryStatus.POSTED,
                finished_at=t + timedelta(milliseconds=100 * n),
                remote_url=f"https://x.example/p{n}/status/{n}")  # fmt: skip
    _pledge(runtime, campaign.id, "@failed", status=DeliveryStatus.FAILED)
    html = client.get(f"/c/{campaign.slug}").text
    assert 'id="sample-posts"' not in html  # not before the release
    factories.update_campaign(runtime, campaign.id, status=CampaignStatus.RELEASED, release_at=t,
         pledge_deadline=t - timedelta(minutes=5), released_at=utcnow())  # fmt: skip
    html = client.get(f"/c/{campaign.slug}").text
    sample = html.split('id="sample-posts"', 1)[1].split("</section>", 1)[0]
    assert sample.count("see the post") == 6
    assert 'href="https://x.example/p0/status/0"' in sample and "@failed" not in sample


def _pledged(runtime: Runtime, make_owner: MakeOwner, email: str) -> tuple[Campaign, int]:
    campaign = _public(runtime, "Ed Organiser", make_owner)
    assert campaign.id is not None
    _pledge(runtime, campaign.id, f"@{email.split('@')[0]}")
    with runtime.db.session() as session:
        pledge = session.exec(select(Pledge).where(Pledge.campaign_id == campaign.id)).one()
        assert pledge.id is not None
        return campaign, pledge.id


def test_email_me_this_link_mails_the_manage_link_and_keeps_a_mistyped_address(
    runtime: Runtime, make_owner: MakeOwner, make_client: ClientFactory
) -> None:
    _, pledge_id = _pledged(runtime, make_owner, "fay@example.org")
    browser = make_client()
    manage = manage_path(runtime, pledge_id)
    token = csrf_of(browser.get(manage).text)
    bad = browser.post(f"{manage}/email-link", data={"email": "fay at home", "csrf": token})
    assert bad.status_code == 422
    assert "Email address: this does not look like an email address" in bad.text
    assert 'value="fay at home"' in bad.text and manage in bad.text  # the link is still shown
    good = browser.post(f"{manage}/email-link", data={"email": "Fay@Example.org", "csrf": token})
    assert good.status_code == 200
    assert "The link is on its way to fay@example.org" in good.text
    with runtime.db.session() as session:
        mails = session.exec(select(OutboxMessage).where(OutboxMessage.pledge_id == pledge_id))
        (mail,) = mails.all()
        pledge = session.get(Pledge, pledge_id)
    assert mail.kind == "pledge_confirmed" and mail.recipient == "fay@example.org"
    assert mail.pledge_id == pledge_id  # its manage link is signed in when it is rendered
    assert pledge is not None and pledge.email_receipts and not pledge.email_updates


def test_the_owner_sees_pledges_over_time_and_who_pledged_with_withdrawals(
    runtime: Runtime, make_owner: MakeOwner
) -> None:
    owner = make_owner("chart@example.org")
    campaign_id = _create(owner)
    _pledge(runtime, campaign_id, "@gus")
    _pledge(runtime, campaign_id, "@hal@mastodon.example", platform="mastodon")
    _pledge(runtime, campaign_id, "@ivy")
    with runtime.db.session() as session:
        ivy = session.exec(select(Pledge).where(Pledge.handle == "@ivy")).one()
        ivy.status = PledgeStatus.WITHDRAWN
        ivy.withdrawn_at = utcnow()
        session.add(ivy)
    html = owner.browser.get(f"/owner/campaigns/{campaign_id}").text
    chart = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'id="pledge-chart"' in chart and 'id="goal-line"' in chart
    assert 'id="deadline-line"' in chart
    assert "2 pledges standing of 3 made (1 withdrawn)" in chart
    assert "style=" not in chart  # the CSP allows no inline style
    table = html.split('id="supporters"', 1)[1].split("</table>", 1)[0]
    assert table.count('<tr class="supporter') == 3
    row = table.split("@ivy", 1)[1].split("</tr>", 1)[0]
    assert "withdrawn <time" in row
    assert "3 pledges made, 1 withdrawn" in html
