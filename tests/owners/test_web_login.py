"""Signing up, logging in and out, and changing the password on the web, as a browser does."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie

import pytest
from sqlmodel import select

from amplifier.models import Owner, WebSession
from amplifier.owners.logins import owner_for_session
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.deps import SECURE_SESSION_COOKIE, SESSION_COOKIE
from tests.owners.conftest import (
    PASSWORD,
    MakeOwner,
    csrf_of,
    log_in,
    log_out,
    post_form,
    sign_up,
)
from tests.web.conftest import ClientFactory


def _session_cookie(set_cookie_headers: list[str], name: str) -> SimpleCookie:
    for raw in set_cookie_headers:
        if raw.startswith(f"{name}="):
            jar: SimpleCookie = SimpleCookie()
            jar.load(raw)
            return jar
    raise AssertionError(f"no {name} cookie set in {set_cookie_headers}")


def test_sign_up_logs_in_and_shows_the_dashboard(make_client: ClientFactory) -> None:
    browser = make_client()
    answer = sign_up(browser, " Ada@Example.org ", "Ada Lovelace")
    assert answer.status_code == 303 and answer.headers["location"] == "/owner"
    dashboard = browser.get("/owner")
    assert dashboard.status_code == 200
    assert "Ada Lovelace" in dashboard.text and "ada@example.org" in dashboard.text
    assert "You have no campaigns yet" in dashboard.text
    assert dashboard.headers["cache-control"] == "no-store"


def test_log_out_ends_the_session_and_log_in_starts_one(
    runtime: Runtime, make_client: ClientFactory
) -> None:
    browser = make_client()
    sign_up(browser, "ada@example.org")
    cookie = browser.cookies[SESSION_COOKIE]
    out = log_out(browser)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert SESSION_COOKIE not in browser.cookies
    with runtime.db.session() as session:
        assert owner_for_session(session, cookie, now=utcnow()) is None  # dead, not just unset
    browser.cookies.set(SESSION_COOKIE, cookie, domain="testserver.local")  # a thief's copy
    refused = browser.get("/owner", follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"] == "/login?next=%2Fowner"
    browser.cookies.clear()
    back = log_in(browser, "ADA@example.org")
    assert back.status_code == 303 and back.headers["location"] == "/owner"
    assert browser.get("/owner").status_code == 200


def test_a_wrong_password_is_told_on_the_login_page_with_the_email_kept(
    runtime: Runtime, make_client: ClientFactory
) -> None:
    sign_up(make_client(), "ada@example.org")
    browser = make_client()
    for email, password in [("ada@example.org", "wrong password"), ("bob@example.org", PASSWORD)]:
        answer = log_in(browser, email, password)
        assert answer.status_code == 401
        assert "Wrong email or password" in answer.text
        assert f'value="{email}"' in answer.text
        assert csrf_of(answer.text)  # the form is there again, ready to send
        assert SESSION_COOKIE not in browser.cookies
    with runtime.db.session() as session:
        assert len(session.exec(select(WebSession)).all()) == 1  # the sign-up's only


def test_a_taken_email_is_told_on_the_sign_up_page(
    runtime: Runtime, make_client: ClientFactory
) -> None:
    sign_up(make_client(), "ada@example.org")
    answer = sign_up(make_client(), "ADA@example.org ", "Someone else")
    assert answer.status_code == 409
    assert "An account with this address exists already" in answer.text
    assert 'value="Someone else"' in answer.text
    with runtime.db.session() as session:
        assert len(session.exec(select(Owner)).all()) == 1


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"password": "short", "password_again": "short"}, "password", "At least 10 characters"),
        ({"password_again": "something else"}, "password_again", "The two passwords differ"),
        ({"email": "not an email"}, "email", "This does not look like an email address"),
        ({"name": "x" * 201}, "name", "At most 200 characters"),
        ({"email": "x" * 300 + "@example.org"}, "email", "At most 254 characters"),
    ],
)
def test_sign_up_mistakes_come_back_next_to_their_field(
    runtime: Runtime, make_client: ClientFactory, fields: dict[str, str], field: str, words: str
) -> None:
    form = {
        "email": "ada@example.org",
        "name": "Ada",
        "password": PASSWORD,
        "password_again": PASSWORD,
    }
    answer = post_form(make_client(), "/signup", "/signup", **{**form, **fields})
    assert answer.status_code == 400
    assert 'id="form-error"' in answer.text
    told = re.search(rf'id="{field}-error" role="alert">([^<]*)<', answer.text)
    assert told is not None and words in told.group(1), answer.text[-3000:]
    assert f"{field}: " not in answer.text  # no field name as a prefix
    assert PASSWORD not in answer.text  # passwords are never sent back
    with runtime.db.session() as session:
        assert session.exec(select(Owner)).all() == []


def test_sign_up_tells_every_mistake_at_once(runtime: Runtime, make_client: ClientFactory) -> None:
    """A bad address hid a bad name and a short password until it was fixed (the walkthrough)."""
    answer = post_form(
        make_client(), "/signup", "/signup",
        email="not an address", name="", password="short", password_again="shorter",
    )  # fmt: skip
    assert answer.status_code == 400
    told = set(re.findall(r'id="([a-z_]+)-error" role="alert"', answer.text))
    assert {"email", "name", "password", "password_again"} <= told, answer.text[-3000:]
    with runtime.db.session() as session:
        assert session.exec(select(Owner)).all() == []


def test_the_session_cookie_is_httponly_lax_and_lasts_the_session_ttl(
    make_client: ClientFactory,
) -> None:
    browser = make_client(web_session_ttl_s=3600)
    answer = sign_up(browser, "ada@example.org")
    morsel = _session_cookie(answer.headers.get_list("set-cookie"), SESSION_COOKIE)[SESSION_COOKIE]
    assert morsel["httponly"] is True and morsel["samesite"] == "lax"
    assert morsel["max-age"] == "3600" and morsel["path"] == "/"
    assert not morsel["secure"] and not morsel["domain"]


def test_over_https_the_cookie_is_secure_and_host_only(make_client: ClientFactory) -> None:
    browser = make_client(public_url="https://amplifier.example")
    answer = sign_up(browser, "ada@example.org")
    assert answer.status_code == 303
    headers = answer.headers.get_list("set-cookie")
    assert not any(h.startswith(f"{SESSION_COOKIE}=") for h in headers)
    morsel = _session_cookie(headers, SECURE_SESSION_COOKIE)[SECURE_SESSION_COOKIE]
    assert morsel["secure"] is True and morsel["httponly"] is True
    assert morsel["samesite"] == "lax" and morsel["path"] == "/" and not morsel["domain"]
    assert browser.get("/owner").status_code == 200  # the browser sends it back over https
    logged_out = log_out(browser)
    assert SECURE_SESSION_COOKIE not in browser.cookies, logged_out.headers


def test_every_login_gets_a_new_session_token(runtime: Runtime, make_client: ClientFactory) -> None:
    sign_up(make_client(), "ada@example.org")
    browser = make_client()
    planted = "attacker-chose-this-value-0123456789abcdef"
    # session fixation: a value planted beforehand (as a sibling site or script could)
    browser.cookies.set(SESSION_COOKIE, planted, domain="testserver.local")
    log_in(browser, "ada@example.org")
    first = browser.cookies[SESSION_COOKIE]
    assert first != planted
    log_in(browser, "ada@example.org")
    second = browser.cookies[SESSION_COOKIE]
    assert second != first
    with runtime.db.session() as session:
        assert owner_for_session(session, planted, now=utcnow()) is None
        assert owner_for_session(session, first, now=utcnow()) is None  # replaced, not kept
        assert owner_for_session(session, second, now=utcnow()) is not None


def test_pages_need_a_login_and_come_back_after_it(make_client: ClientFactory) -> None:
    sign_up(make_client(), "ada@example.org")
    browser = make_client()
    for path in ("/owner", "/account", "/owner/campaigns/new", "/owner/campaigns/1"):
        answer = browser.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next=%2F"), path
    login_page = browser.get("/login?next=/account")
    assert 'name="next" value="/account"' in login_page.text
    answer = log_in(browser, "ada@example.org", next="/account")
    assert answer.headers["location"] == "/account"
    assert browser.get("/login", follow_redirects=False).headers["location"] == "/owner"


@pytest.mark.parametrize(
    "next_value",
    [
        "//evil.example/owner",
        "https://evil.example/",
        "http:evil.example",
        "javascript:alert(1)",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        " //evil.example",
        "evil.example",
        "/\\/evil.example",
        "/\x7f/evil.example",
    ],
)
def test_login_never_redirects_off_the_site(make_client: ClientFactory, next_value: str) -> None:
    sign_up(make_client(), "ada@example.org")
    browser = make_client()
    login_page = browser.get("/login", params={"next": next_value})
    assert 'name="next"' not in login_page.text  # not carried into the form either
    answer = log_in(browser, "ada@example.org", next=next_value)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/owner"
    already = browser.get("/login", params={"next": next_value}, follow_redirects=False)
    assert already.headers["location"] == "/owner"


def test_password_change_logs_out_every_other_browser(
    runtime: Runtime, make_owner: MakeOwner, make_client: ClientFactory
) -> None:
    ada = make_owner("ada@example.org")
    phone = make_client()
    log_in(phone, "ada@example.org")
    assert phone.get("/owner", follow_redirects=False).status_code == 200
    old_cookie = ada.browser.cookies[SESSION_COOKIE]
    new = "a brand new password"
    changed = post_form(
        ada.browser,
        "/account",
        "/account/password",
        current_password=PASSWORD,
        new_password=new,
        new_password_again=new,
    )
    assert changed.status_code == 200 and 'id="password-changed"' in changed.text
    assert ada.browser.cookies[SESSION_COOKIE] != old_cookie  # a fresh session here
    assert ada.browser.get("/owner", follow_redirects=False).status_code == 200
    assert phone.get("/owner", follow_redirects=False).status_code == 303  # logged out
    with runtime.db.session() as session:
        assert owner_for_session(session, old_cookie, now=utcnow()) is None
    assert log_in(make_client(), "ada@example.org", PASSWORD).status_code == 401
    assert log_in(make_client(), "ada@example.org", new).status_code == 303


@pytest.mark.parametrize(
    ("current", "new", "again", "problem"),
    [
        ("not my password", "a brand new password", "a brand new password", "not your current"),
        (PASSWORD, "short", "short", "at least 10 characters"),
        (PASSWORD, "a brand new password", "another one entirely", "The two passwords differ"),
    ],
)
def test_password_change_mistakes_are_told_and_change_nothing(
    make_owner: MakeOwner, make_client: ClientFactory, current: str, new: str, again: str,
    problem: str,
) -> None:  # fmt: skip
    ada = make_owner("ada@example.org")
    cookie = ada.browser.cookies[SESSION_COOKIE]
    answer = post_form(
        ada.browser,
        "/account",
        "/account/password",
        current_password=current,
        new_password=new,
        new_password_again=again,
    )
    assert answer.status_code == 400 and problem in answer.text
    assert ada.browser.cookies[SESSION_COOKIE] == cookie
    assert ada.browser.get("/owner", follow_redirects=False).status_code == 200
    assert log_in(make_client(), "ada@example.org", PASSWORD).status_code == 303


@pytest.mark.parametrize("path", ["/login", "/signup", "/logout", "/account/password"])
def test_forms_without_the_csrf_token_are_refused(
    runtime: Runtime, make_owner: MakeOwner, path: str
) -> None:
    ada = make_owner("ada@example.org")
    fields = {
        "email": "bob@example.org",
        "name": "Bob",
        "password": PASSWORD,
        "password_again": PASSWORD,
        "current_password": PASSWORD,
        "new_password": "a brand new password",
        "new_password_again": "a brand new password",
    }
    cookie = ada.browser.cookies[SESSION_COOKIE]
    for extra in ({}, {"csrf": "forged"}):
        answer = ada.browser.post(path, data={**fields, **extra}, follow_redirects=False)
        assert answer.status_code == 403 and "This form has expired" in answer.text
        assert ada.browser.cookies[SESSION_COOKIE] == cookie
    with runtime.db.session() as session:
        assert [o.email for o in session.exec(select(Owner))] == ["ada@example.org"]
        assert owner_for_session(session, cookie, now=utcnow()) is not None  # still logged in
    assert log_in(ada.browser, "ada@example.org", "a brand new password").status_code == 401


def test_the_home_page_leads_owners_to_log_in_or_to_their_campaigns(
    make_client: ClientFactory, make_owner: MakeOwner
) -> None:
    visitor = make_client().get("/")
    assert visitor.status_code == 200
    assert 'href="/login"' in visitor.text and 'href="/signup"' in visitor.text
    ada = make_owner("ada.home@example.org", name="Ada")
    home = ada.browser.get("/")
    assert 'href="/owner"' in home.text and "Ada" in home.text
    assert 'href="/login"' not in home.text
