"""The admin API and the admin page: who may review, and what each answer says."""

from __future__ import annotations

import re
import secrets
from html import unescape

import pytest
from fastapi.testclient import TestClient

from amplifier.campaigns import moderation
from amplifier.campaigns.personalise import MAX_PERSONAL_LENGTH
from amplifier.models import Campaign, ReviewStatus
from amplifier.owners.api_tokens import NewOwner
from amplifier.owners.logins import start_session
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.deps import session_cookie_name
from amplifier.web.security.csrf import COOKIE, token_for
from tests import factories
from tests.web.conftest import ClientFactory

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _public_deployment(runtime: Runtime) -> None:
    runtime.settings.moderation_auto_approve = False


def _owner(rt: Runtime, *, admin: bool, name: str = "Someone") -> NewOwner:
    with rt.db.session() as session:
        created = factories.owner(session, name=name)
        created.owner.is_admin = admin
        session.add(created.owner)
        return created


def _pending(rt: Runtime, title: str = "Save the river", **overrides: object) -> Campaign:
    with rt.db.session() as session:
        owner = factories.owner(session, name="Campaigner")
        assert owner.owner.id is not None
        return factories.campaign(session, owner.owner.id, approved=False, title=title, **overrides)


def _bearer(created: NewOwner) -> dict[str, str]:
    return {"Authorization": f"Bearer {created.token}"}


def _review(rt: Runtime, campaign_id: int) -> tuple[str, str | None, bool]:
    with rt.db.session() as session:
        row = session.get(Campaign, campaign_id)
        assert row is not None
        return row.review_status, row.review_reason, row.suspended_at is not None


def _logged_in(make_client: ClientFactory, rt: Runtime, created: NewOwner) -> TestClient:
    client = make_client()
    assert created.owner.id is not None
    with rt.db.session() as session:
        cookie = start_session(session, owner_id=created.owner.id, now=utcnow(), ttl_s=3600)
    client.cookies.set(session_cookie_name(rt), cookie)
    return client


# --- API --------------------------------------------------------------------------------------


def test_the_admin_api_needs_an_admins_token(client: TestClient, runtime: Runtime) -> None:
    campaign = _pending(runtime)
    assert client.get("/api/admin/campaigns").status_code == 401
    plain = _owner(runtime, admin=False)
    for method, path, body in [
        ("GET", "/api/admin/campaigns?review=pending", None),
        ("POST", f"/api/admin/campaigns/{campaign.id}/approve", None),
        ("POST", f"/api/admin/campaigns/{campaign.id}/reject", {"reason": "no"}),
        ("POST", f"/api/admin/campaigns/{campaign.id}/suspend", {"reason": "no"}),
        ("POST", f"/api/admin/campaigns/{campaign.id}/reinstate", None),
    ]:
        answer = client.request(method, path, json=body, headers=_bearer(plain))
        assert answer.status_code == 403, (path, answer.text)
        assert "admin" in answer.json()["message"]
    assert campaign.id is not None
    assert _review(runtime, campaign.id) == (ReviewStatus.PENDING, None, False)


def test_an_admin_lists_approves_rejects_suspends_and_reinstates(
    client: TestClient, runtime: Runtime
) -> None:
    admin = _owner(runtime, admin=True, name="Ada Admin")
    good = _pending(runtime, "Good cause")
    bad = _pending(runtime, "Bad cause")
    assert good.id is not None and bad.id is not None
    listed = client.get("/api/admin/campaigns?review=pending", headers=_bearer(admin))
    assert listed.status_code == 200
    assert [(c["title"], c["owner_name"]) for c in listed.json()] == [
        ("Good cause", "Campaigner"),
        ("Bad cause", "Campaigner"),
    ]
    approved = client.post(f"/api/admin/campaigns/{good.id}/approve", headers=_bearer(admin))
    assert approved.status_code == 200, approved.text
    assert approved.json()["review_status"] == "approved"
    assert approved.json()["reviewed_by"] == admin.owner.id
    assert client.get(f"/c/{good.slug}").status_code == 200

    rejected = client.post(
        f"/api/admin/campaigns/{bad.id}/reject",
        json={"reason": "  Misleading claims.  "},
        headers=_bearer(admin),
    )
    assert rejected.status_code == 200
    assert rejected.json()["review_reason"] == "Misleading claims."
    assert client.get(f"/c/{bad.slug}").status_code == 404

    suspended = client.post(
        f"/api/admin/campaigns/{good.id}/suspend",
        json={"reason": "Reported."},
        headers=_bearer(admin),
    )
    assert suspended.status_code == 200 and suspended.json()["suspended"] is True
    only = client.get("/api/admin/campaigns?suspended=true", headers=_bearer(admin)).json()
    assert [c["id"] for c in only] == [good.id]
    page = client.get(f"/c/{good.slug}")
    assert page.status_code == 200 and 'data-phase="suspended"' in page.text
    back = client.post(f"/api/admin/campaigns/{good.id}/reinstate", headers=_bearer(admin))
    assert back.status_code == 200 and back.json()["suspended"] is False


def test_wrong_state_is_409_unknown_is_404_and_a_bad_reason_422(
    client: TestClient, runtime: Runtime
) -> None:
    admin = _owner(runtime, admin=True)
    campaign = _pending(runtime)
    cid = campaign.id
    suspend = client.post(
        f"/api/admin/campaigns/{cid}/suspend", json={"reason": "x"}, headers=_bearer(admin)
    )
    assert suspend.status_code == 409
    assert "pending, not public" in suspend.json()["message"]
    assert client.post(f"/api/admin/campaigns/{cid}/approve", headers=_bearer(admin)).is_success
    again = client.post(f"/api/admin/campaigns/{cid}/approve", headers=_bearer(admin))
    assert again.status_code == 409 and "already approved" in again.json()["message"]
    for unknown in (987654, 2**40):
        missing = client.post(f"/api/admin/campaigns/{unknown}/approve", headers=_bearer(admin))
        assert missing.status_code == 404 and "no campaign" in missing.json()["message"]
    other = _pending(runtime, "Other")
    for body in ({"reason": ""}, {"reason": "   "}, {"reason": "x" * 2001}, {}, None):
        answer = client.post(
            f"/api/admin/campaigns/{other.id}/reject", json=body, headers=_bearer(admin)
        )
        assert answer.status_code == 422, (body, answer.text)
        assert "reason" in answer.json()["message"] or "body" in answer.json()["message"]
    bad_filter = client.get("/api/admin/campaigns?review=maybe", headers=_bearer(admin))
    assert bad_filter.status_code == 422 and "review" in bad_filter.json()["message"]


# --- page -------------------------------------------------------------------------------------


def test_the_admin_page_needs_a_login_and_an_admin(
    make_client: ClientFactory, runtime: Runtime
) -> None:
    anonymous = make_client().get("/admin", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login?next=%2Fadmin")
    campaign = _pending(runtime)
    plain = _logged_in(make_client, runtime, _owner(runtime, admin=False))
    refused = plain.get("/admin")
    assert refused.status_code == 403 and "admins" in refused.text
    assert campaign.title not in refused.text
    # a non-admin's form post is refused even with a valid form token
    secret = secrets.token_urlsafe(32)
    plain.cookies.set(COOKIE, secret)
    token = token_for(runtime.settings.signing_secret(), secret)
    answer = plain.post(f"/admin/campaigns/{campaign.id}/approve", data={"csrf": token})
    assert answer.status_code == 403 and "admins" in answer.text
    assert campaign.id is not None
    assert _review(runtime, campaign.id)[0] == ReviewStatus.PENDING


def test_an_admin_reviews_on_the_page_and_every_form_needs_its_token(
    make_client: ClientFactory, runtime: Runtime
) -> None:
    campaign = _pending(runtime, "Clean the beach")
    other = _pending(runtime, "Spam spam spam")
    assert campaign.id is not None and other.id is not None
    client = _logged_in(make_client, runtime, _owner(runtime, admin=True))
    page = client.get("/admin")
    assert page.status_code == 200
    for shown in ("Clean the beach", "Campaigner", campaign.post_text(), "Spam spam spam"):
        assert unescape(shown) in unescape(page.text)
    match = _CSRF.search(page.text)
    assert match is not None
    token = unescape(match.group(1))

    forged = client.post(f"/admin/campaigns/{campaign.id}/approve", data={"csrf": "forged"})
    assert forged.status_code == 403 and "expired" in forged.text
    assert _review(runtime, campaign.id)[0] == ReviewStatus.PENDING

    done = client.post(
        f"/admin/campaigns/{campaign.id}/approve", data={"csrf": token}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/admin?")
    assert _review(runtime, campaign.id)[0] == ReviewStatus.APPROVED
    after = client.get(done.headers["location"])
    assert f"“Clean the beach” (campaign {campaign.id}) approved" in unescape(after.text)

    no_reason = client.post(
        f"/admin/campaigns/{other.id}/reject", data={"csrf": token, "reason": " "}
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    client.post(f"/admin/campaigns/{other.id}/reject", data={"csrf": token, "reason": "Spam."})
    assert _review(runtime, other.id) == (ReviewStatus.REJECTED, "Spam.", False)

    client.post(f"/admin/campaigns/{campaign.id}/suspend", data={"csrf": token, "reason": "Hm."})
    assert _review(runtime, campaign.id)[2] is True
    wrong = client.post(f"/admin/campaigns/{other.id}/suspend", data={"csrf": token, "reason": "x"})
    assert wrong.status_code == 409 and "not public" in wrong.text
    client.post(f"/admin/campaigns/{campaign.id}/reinstate", data={"csrf": token})
    assert _review(runtime, campaign.id)[2] is False
    unknown = client.post("/admin/campaigns/abc/reinstate", data={"csrf": token})
    assert unknown.status_code == 404


def _admin_page(make_client: ClientFactory, runtime: Runtime, query: str = "") -> str:
    client = _logged_in(make_client, runtime, _owner(runtime, admin=True))
    answer = client.get("/admin" + query)
    assert answer.status_code == 200, answer.text
    return unescape(answer.text)


def test_a_personalised_campaign_shows_what_supporters_must_keep(
    make_client: ClientFactory, runtime: Runtime
) -> None:
    """An admin must not be told "the exact post" when every supporter may reword it."""
    fixed = _pending(runtime, "Fixed words")
    free = _pending(
        runtime,
        "Own words",
        personalisation_allowed=True,
        personal_required=["#River", "@council"],
        personal_max_length=240,
        message_text="Protect our river today #River @council",
    )
    text = _admin_page(make_client, runtime)
    fixed_part = text.split(f'id="pending-{fixed.id}"')[1].split("</article>")[0]
    free_part = text.split(f'id="pending-{free.id}"')[1].split("</article>")[0]
    assert "The exact post every supporter would share" in fixed_part
    assert "rewrite" not in fixed_part
    assert "The exact post" not in free_part
    assert "supporters may rewrite it" in free_part
    for fragment in ("<code>#River</code>", "<code>@council</code>"):
        assert fragment in free_part
    assert "<code>https://example.org/river</code> (the link)" in free_part
    assert "At most 240 characters" in free_part


def test_a_personalised_campaign_without_a_maximum_shows_the_services_limit(
    make_client: ClientFactory, runtime: Runtime
) -> None:
    free = _pending(runtime, "Own words", personalisation_allowed=True)
    text = _admin_page(make_client, runtime)
    free_part = text.split(f'id="pending-{free.id}"')[1].split("</article>")[0]
    assert f"At most {MAX_PERSONAL_LENGTH} characters" in free_part


def test_the_admin_page_links_to_the_owner_pages_live_campaigns_and_logout(
    make_client: ClientFactory, runtime: Runtime
) -> None:
    live = _pending(runtime, "Live one")
    assert live.id is not None
    with runtime.db.session() as session:
        moderation.approve(session, campaign_id=live.id, admin_id=None, now=utcnow())
    client = _logged_in(make_client, runtime, _owner(runtime, admin=True))
    text = client.get("/admin").text
    assert 'href="/owner"' in text
    assert 'class="public-page"' in text and f'href="/c/{live.slug}"' in text
    logout = re.search(r'<form method="post" action="/logout"[^>]*>\s*(.*?)</form>', text, re.S)
    assert logout is not None and 'name="csrf"' in logout.group(1)
    field = _CSRF.search(logout.group(1))
    assert field is not None
    token = unescape(field.group(1))
    out = client.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/admin", follow_redirects=False).status_code == 303  # logged out


@pytest.mark.parametrize("raw_id", ["999999", "abc", "", "-1", "1e3"])
def test_the_banner_shows_nothing_for_an_unknown_or_malformed_id(
    make_client: ClientFactory, runtime: Runtime, raw_id: str
) -> None:
    text = _admin_page(make_client, runtime, f"?done=approve&id={raw_id}")
    assert 'id="done"' not in text and "approved: it is public" not in text


def test_the_banner_names_the_campaign_from_the_database(
    make_client: ClientFactory, runtime: Runtime
) -> None:
    campaign = _pending(runtime, "<b>Clean</b> the beach")
    text = _admin_page(make_client, runtime, f"?done=reject&id={campaign.id}")
    assert f"“<b>Clean</b> the beach” (campaign {campaign.id}) rejected" in text
    unknown_action = _admin_page(make_client, runtime, f"?done=delete&id={campaign.id}")
    assert 'id="done"' not in unknown_action
