"""A supporter's browser, scripted: the same HTTP requests a person's clicks would send.

Used by the demo and the end-to-end tests; it speaks to the web app and the sandbox's consent
pages over real HTTP and follows nothing it is not shown (no shortcut into the database).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

import requests

_STATE = re.compile(r'name="state" value="([^"]+)"')
_MANAGE = re.compile(r'id="manage-link" href="([^"]+)"')
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_HIDDEN = re.compile(r'<input type="hidden" name="(state|version|message_digest)" value="([^"]*)"')
_ACCOUNT = re.compile(r'name="account_id" value="([^"]+)"[^>]*>\s*<strong>([^<]*)</strong>')
_PERSONAL = re.compile(r'<textarea[^>]*name="personal_text"[^>]*>(.*?)</textarea>', re.S)


class PledgeFailed(Exception):
    def __init__(self, step: str, response: requests.Response) -> None:
        super().__init__(f"{step}: HTTP {response.status_code} {response.text[:300]}")
        self.step = step
        self.response = response


@dataclass
class Supporter:
    username: str
    platform: str
    followers: int
    instance: str = ""
    email: str = ""  # given on the consent page with both opt-ins (receipts, updates)
    account: str = ""  # where the platform asks which account posts (a Page): its name
    text: str = ""  # their own wording, where the organiser allows it ("" keeps the message)


def form_token(page: requests.Response) -> str:
    """The CSRF token a page's forms carry (the browser's cookie came with the page)."""
    token = _CSRF.search(page.text)
    if token is None:
        raise PledgeFailed("page has no form token", page)
    return unescape(token.group(1))


def consent_form(page: requests.Response, *, personal_text: str | None = None) -> dict[str, str]:
    """What the consent (or re-consent) form sends: the text it showed, named by version and
    digest, and the textarea's words where the organiser allows personal texts."""
    form = {name: unescape(value) for name, value in _HIDDEN.findall(page.text)}
    form["csrf"] = form_token(page)
    shown = _PERSONAL.search(page.text)
    if personal_text is not None:
        form["personal_text"] = personal_text
    elif shown is not None:
        form["personal_text"] = unescape(shown.group(1))
    return form


def pledge(web_url: str, slug: str, who: Supporter, *, timeout: float = 30.0) -> str:
    """Walk the whole pledge and return the manage link shown on the confirmation page."""
    with requests.Session() as browser:
        consent = authorize(browser, web_url, slug, who, timeout=timeout)
        if _ACCOUNT.search(consent.text) is not None:
            who.account = who.account or first_account(consent)  # the one that will post
            consent = choose_account(browser, web_url, consent, who.account, timeout=timeout)
        if _STATE.search(consent.text) is None:
            raise PledgeFailed("consent page has no form", consent)
        form = consent_form(consent, personal_text=who.text or None)
        if who.email:
            form.update(email=who.email, email_receipts="1", email_updates="1")
        done = browser.post(f"{web_url}/pledge/confirm", data=form, timeout=timeout)
        link = _MANAGE.search(done.text)
        if done.status_code != 200 or link is None:
            raise PledgeFailed("confirm", done)
        return unescape(link.group(1))


def first_account(page: requests.Response) -> str:
    """The name of the first account the choice page lists (the demo's default choice)."""
    found = _ACCOUNT.search(page.text)
    if found is None:
        raise PledgeFailed("account choice page lists no account", page)
    return unescape(found.group(2))


def choose_account(
    browser: requests.Session,
    web_url: str,
    page: requests.Response,
    name: str,
    *,
    timeout: float = 30.0,
) -> requests.Response:
    """On the page listing the accounts the sign-in reaches, choose the one called `name` (the
    first listed when `name` is empty) and return the consent page that follows."""
    listed = {unescape(label): unescape(value) for value, label in _ACCOUNT.findall(page.text)}
    state = _STATE.search(page.text)
    if not listed or state is None:
        raise PledgeFailed("account choice page has no form", page)
    if not name:
        name = next(iter(listed))
    chosen = listed.get(name)
    if chosen is None:
        raise PledgeFailed(f"no account called {name!r} to choose", page)
    form = {"state": unescape(state.group(1)), "account_id": chosen, "csrf": form_token(page)}
    return browser.post(f"{web_url}/pledge/account", data=form, timeout=timeout)


def authorize(
    browser: requests.Session,
    web_url: str,
    slug: str,
    who: Supporter,
    *,
    decision: str = "approve",
    timeout: float = 30.0,
) -> requests.Response:
    """From the campaign page through the platform's consent screen back to our callback."""
    page = browser.get(f"{web_url}/c/{slug}", timeout=timeout)
    if page.status_code != 200:
        raise PledgeFailed("campaign page", page)
    form = {"platform": who.platform, "csrf": form_token(page)}
    if who.instance:
        form["instance"] = who.instance
    start = browser.post(
        f"{web_url}/c/{slug}/pledge", data=form, allow_redirects=False, timeout=timeout
    )
    if start.status_code != 303:
        raise PledgeFailed("start pledge", start)
    authorize_url = start.headers["location"]
    screen = browser.get(authorize_url, timeout=timeout)
    if screen.status_code != 200:
        raise PledgeFailed("platform consent screen", screen)
    answer = browser.post(
        authorize_url,
        data={"username": who.username, "followers": str(who.followers), "decision": decision},
        allow_redirects=False,
        timeout=timeout,
    )
    if answer.status_code not in (302, 303):
        raise PledgeFailed("platform consent", answer)
    return browser.get(answer.headers["location"], timeout=timeout)
