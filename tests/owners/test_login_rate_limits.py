"""Logins and sign-ups are rate-limited per client address, shared through Redis.

Over the limit: 429, Retry-After, a page that says when to try again, and nothing done (not even
a right password logs in), so guessing passwords costs a minute per handful of tries.
"""

from __future__ import annotations

import uuid

from sqlmodel import select

from amplifier.models import Owner, WebSession
from amplifier.runtime import Runtime
from tests.owners.conftest import PASSWORD, log_in, sign_up
from tests.web.conftest import ClientFactory


def test_logins_over_the_limit_get_a_429_page_and_log_nobody_in(
    runtime: Runtime, make_client: ClientFactory
) -> None:
    sign_up(make_client(client=("198.51.100.9", 1)), "ada@example.org")
    guesser = make_client(rate_login_per_min=3)
    assert [log_in(guesser, "ada@example.org", f"guess {n}").status_code for n in range(3)] == [
        401,
        401,
        401,
    ]
    refused = log_in(guesser, "ada@example.org", PASSWORD)  # even the right one, now
    assert refused.status_code == 429
    retry = int(refused.headers["retry-after"])
    assert 1 <= retry <= 20  # one attempt comes back every 60/3 seconds
    assert "<h1>Too many tries, please wait</h1>" in refused.text
    assert "3 login attempts a minute" in refused.text
    assert f"Try again in {retry} second" in refused.text
    assert 'href="/login"' in refused.text
    with runtime.db.session() as session:
        assert len(session.exec(select(WebSession)).all()) == 1  # the sign-up's only
    assert guesser.get("/login").status_code == 200  # reading the form is not limited
    other_address = make_client(client=("203.0.113.8", 1), rate_login_per_min=3)
    assert log_in(other_address, "ada@example.org").status_code == 303


def test_sign_ups_over_the_limit_get_a_429_page(
    runtime: Runtime, make_client: ClientFactory
) -> None:
    browser = make_client(rate_signup_per_min=2)
    answers = [sign_up(browser, f"owner{n}@example.org").status_code for n in range(3)]
    assert answers == [303, 303, 429]
    with runtime.db.session() as session:
        assert len(session.exec(select(Owner)).all()) == 2


def test_the_login_budget_is_shared_by_every_web_process_through_redis(
    runtime: Runtime, make_client: ClientFactory, redis_url: str
) -> None:
    shared = {
        "redis_url": redis_url,
        "public_url": f"http://{uuid.uuid4().hex}.invalid",  # this test's own namespace
        "rate_login_per_min": 2,
    }
    first = make_client(**shared)
    second = make_client(**shared)  # another web process of the same deployment
    assert log_in(first, "nobody@example.org").status_code == 401
    assert log_in(second, "nobody@example.org").status_code == 401
    assert log_in(first, "nobody@example.org").status_code == 429
    assert log_in(second, "nobody@example.org").status_code == 429
