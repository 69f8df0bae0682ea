"""Browsers: a `requests` session that carries what a real browser would have from our pages."""

from __future__ import annotations

import secrets

import requests

from amplifier.runtime import Runtime


def form_browser(rt: Runtime) -> tuple[requests.Session, dict[str, str]]:
    """A browser holding a CSRF cookie, and the hidden field its pages' forms would carry.

    For tests that post a form without first loading a page that shows it (a closed campaign
    shows none); a real browser gets both from any page with a form.
    """
    from amplifier.web.security.csrf import COOKIE, token_for

    secret = secrets.token_urlsafe(32)
    browser = requests.Session()
    browser.cookies.set(COOKIE, secret)
    return browser, {"csrf": token_for(rt.settings.signing_secret(), secret)}
