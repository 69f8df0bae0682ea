"""Owners on the web: browsers (TestClient with a cookie jar) that sign up and log in through the
real forms, reading each form's CSRF token from the page as a browser would."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import select

from amplifier.models import Owner
from amplifier.runtime import Runtime
from tests.web.conftest import (  # noqa: F401 (fixtures shared with the web tests)
    ClientFactory,
    client,
    make_client,
    owner_token,
)

PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'<input type="hidden" name="csrf" value="([^"]+)">')


def csrf_of(html: str) -> str:
    match = _TOKEN.search(html)
    assert match is not None, "the page's form carries no csrf field"
    return match.group(1)


def post_form(browser: TestClient, page_url: str, action: str, **fields: str) -> Response:
    """Open the page holding the form, then send it with that page's CSRF token."""
    token = csrf_of(browser.get(page_url).text)
    return browser.post(action, data={**fields, "csrf": token}, follow_redirects=False)


def sign_up(
    browser: TestClient, email: str, name: str = "Ada", password: str = PASSWORD
) -> Response:
    return post_form(
        browser,
        "/signup",
        "/signup",
        email=email,
        name=name,
        password=password,
        password_again=password,
    )


def log_in(browser: TestClient, email: str, password: str = PASSWORD, next: str = "") -> Response:
    fields = {"email": email, "password": password}
    if next:
        fields["next"] = next
    return post_form(browser, "/login", "/login", **fields)


def log_out(browser: TestClient) -> Response:
    return post_form(browser, "/account", "/logout")


@dataclass
class WebOwner:
    browser: TestClient
    email: str
    owner_id: int


MakeOwner = Callable[..., WebOwner]


@pytest.fixture
def make_owner(make_client: ClientFactory, runtime: Runtime) -> MakeOwner:  # noqa: F811
    """make_owner(email) -> a browser logged in as a new owner (signed up through the form)."""

    def make(email: str, name: str = "Owner") -> WebOwner:
        browser = make_client()
        answer = sign_up(browser, email, name)
        assert answer.status_code == 303, answer.text[:500]
        with runtime.db.session() as session:
            row = session.exec(select(Owner).where(Owner.email == email)).one()
        assert row.id is not None
        return WebOwner(browser=browser, email=email, owner_id=row.id)

    return make
