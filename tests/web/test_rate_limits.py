"""Per-address rate limits on pledging and on the owner API's writes.

Over the limit: 429 with Retry-After, a page saying when to try again (JSON for the API), and
nothing recorded. With Redis the budget is shared by every web process; without it each
process keeps its own. The address is the TCP peer's unless that peer is a trusted proxy.
"""

from __future__ import annotations

import asyncio
import re
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from amplifier.models import Campaign, OAuthAttempt
from amplifier.runtime import Runtime
from amplifier.web.security.ratelimit import (
    ClientAddresses,
    MemoryRateLimiter,
    RedisRateLimiter,
    parse_networks,
)
from config.settings import SettingsError
from tests import factories
from tests.web.conftest import ClientFactory

PEER = ("203.0.113.7", 40000)
PROXY = ("10.0.0.2", 40000)


def _start(client: TestClient, slug: str, **headers: str) -> int:
    page = client.get(f"/c/{slug}", headers=headers)
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    answer = client.post(
        f"/c/{slug}/pledge",
        data={"platform": "x", "csrf": token.group(1)},
        headers=headers,
        follow_redirects=False,
    )
    return answer.status_code


def test_pledge_starts_over_the_limit_get_a_429_page_saying_when_to_retry(
    runtime: Runtime, make_client: ClientFactory, campaign: Campaign
) -> None:
    client = make_client(rate_pledge_start_per_min=3)
    assert [_start(client, campaign.slug) for _ in range(3)] == [303, 303, 303]
    token = re.search(r'name="csrf" value="([^"]+)"', client.get(f"/c/{campaign.slug}").text)
    assert token is not None
    refused = client.post(
        f"/c/{campaign.slug}/pledge",
        data={"platform": "x", "csrf": token.group(1)},
        follow_redirects=False,
    )
    assert refused.status_code == 429
    retry = int(refused.headers["retry-after"])
    assert 1 <= retry <= 20  # one start comes back every 60/3 seconds
    assert "<h1>Too many tries, please wait</h1>" in refused.text
    assert f"Try again in {retry} second" in refused.text and "not recorded" in refused.text
    assert f'href="/c/{campaign.slug}"' in refused.text
    assert refused.headers["content-security-policy"]  # refusals are hardened too
    with runtime.db.session() as session:
        assert len(session.exec(select(OAuthAttempt)).all()) == 3
    assert client.get(f"/c/{campaign.slug}").status_code == 200  # reading is not limited


def test_confirmations_have_their_own_limit(make_client: ClientFactory, campaign: Campaign) -> None:
    client = make_client(rate_pledge_confirm_per_min=2)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get(f"/c/{campaign.slug}").text)
    assert token is not None
    form = {"state": "no-such-state", "csrf": token.group(1)}
    answers = [client.post("/pledge/confirm", data=form).status_code for _ in range(3)]
    assert 429 not in answers[:2] and answers[2] == 429
    assert _start(client, campaign.slug) == 303  # pledge starts keep their own budget


def test_api_writes_over_the_limit_get_json(make_client: ClientFactory, owner_token: str) -> None:
    client = make_client(rate_api_write_per_min=2)
    auth = {"Authorization": f"Bearer {owner_token}"}
    created = [
        client.post("/api/campaigns", json=factories.payload(), headers=auth) for _ in range(2)
    ]
    assert [a.status_code for a in created] == [201, 201]
    cancel = client.post(f"/api/campaigns/{created[0].json()['id']}/cancel", headers=auth)
    assert cancel.status_code == 429 and cancel.headers["retry-after"].isdigit()
    body = cancel.json()
    assert body["message"].startswith("rate limit reached") and "Retry after" in body["message"]
    assert client.post("/api/campaigns", headers={}).status_code == 429  # per address
    assert client.get("/api/campaigns", headers=auth).status_code == 200  # reads are free
    assert len(client.get("/api/campaigns", headers=auth).json()) == 2


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(
    make_client: ClientFactory, campaign: Campaign
) -> None:
    client = make_client(rate_pledge_start_per_min=1)
    assert _start(client, campaign.slug, **{"X-Forwarded-For": "198.51.100.1"}) == 303
    assert _start(client, campaign.slug, **{"X-Forwarded-For": "198.51.100.2"}) == 429


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(
    make_client: ClientFactory, campaign: Campaign
) -> None:
    client = make_client(
        client=PROXY, rate_pledge_start_per_min=1, web_trusted_proxies="10.0.0.0/8"
    )
    one = {"X-Forwarded-For": "198.51.100.1"}
    two = {"X-Forwarded-For": "198.51.100.2"}
    assert _start(client, campaign.slug, **one) == 303
    assert _start(client, campaign.slug, **two) == 303
    assert _start(client, campaign.slug, **one) == 429
    # a client cannot escape by prepending addresses: the proxy appends the real one last
    spoofed = {"X-Forwarded-For": "192.0.2.99, 198.51.100.1"}
    assert _start(client, campaign.slug, **spoofed) == 429


def test_client_address_resolution() -> None:
    addresses = ClientAddresses(
        trusted=parse_networks("10.0.0.0/8, ::1", "X"), exempt=parse_networks("", "Y")
    )

    def client(peer: str, *forwarded: str) -> str:
        headers = [(b"x-forwarded-for", f.encode()) for f in forwarded]
        return addresses.client({"client": (peer, 1), "headers": headers})

    assert client("203.0.113.7", "198.51.100.1") == "203.0.113.7"  # untrusted peer
    assert client("10.0.0.2", "198.51.100.1") == "198.51.100.1"
    assert client("10.0.0.2", "198.51.100.1, 10.0.0.3") == "198.51.100.1"  # two proxies
    assert client("10.0.0.2", "1.2.3.4", "198.51.100.1") == "198.51.100.1"  # two headers
    assert client("10.0.0.2", "garbage") == "10.0.0.2"  # nothing vouched beyond the proxy
    assert client("10.0.0.2") == "10.0.0.2"
    assert client("::ffff:203.0.113.7") == "203.0.113.7"
    assert addresses.bucket("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert addresses.bucket("203.0.113.7") == "203.0.113.7"
    with pytest.raises(SettingsError, match="AMPLIFIER_WEB_TRUSTED_PROXIES"):
        parse_networks("10.0.0.0/8, not-an-address", "AMPLIFIER_WEB_TRUSTED_PROXIES")


def test_loopback_is_exempt_in_development_only(
    make_client: ClientFactory, campaign: Campaign
) -> None:
    local = ("127.0.0.1", 5000)
    dev = make_client(client=local, env="development", rate_pledge_start_per_min=1)
    assert [_start(dev, campaign.slug) for _ in range(3)] == [303, 303, 303]
    test = make_client(client=local, env="test", rate_pledge_start_per_min=1)
    assert [_start(test, campaign.slug) for _ in range(2)] == [303, 429]
    explicit = make_client(
        client=local, env="development", web_rate_limit_exempt="", rate_pledge_start_per_min=1
    )
    assert [_start(explicit, campaign.slug) for _ in range(2)] == [303, 429]


def test_memory_limiter_allows_a_burst_then_one_per_interval() -> None:
    async def scenario() -> list[float]:
        limiter = MemoryRateLimiter()
        return [await limiter.hit("k", 3, 0.3) for _ in range(4)]

    waits = asyncio.run(scenario())
    assert waits[:3] == [0.0, 0.0, 0.0] and 0 < waits[3] <= 0.1 + 1e-6


def test_redis_budget_is_shared_by_every_web_process(
    make_client: ClientFactory, campaign: Campaign, redis_url: str
) -> None:
    shared = {
        "redis_url": redis_url,
        "public_url": f"http://{uuid.uuid4().hex}.invalid",  # this test's own namespace
        "rate_pledge_start_per_min": 2,
    }
    first = make_client(**shared)
    second = make_client(**shared)  # another web process of the same deployment
    assert _start(first, campaign.slug) == 303
    assert _start(second, campaign.slug) == 303
    assert _start(first, campaign.slug) == 429
    assert _start(second, campaign.slug) == 429
    other_deployment = make_client(**{**shared, "public_url": "http://other.invalid"})
    assert _start(other_deployment, campaign.slug) == 303


def test_redis_limiter_counts_with_redis_clock(redis_url: str) -> None:
    async def scenario() -> list[float]:
        limiter = RedisRateLimiter(redis_url)
        key = f"test-web-rl:{uuid.uuid4().hex}"
        try:
            return [await limiter.hit(key, 2, 60.0) for _ in range(3)]
        finally:
            await limiter.aclose()

    waits = asyncio.run(scenario())
    assert waits[:2] == [0.0, 0.0] and 29 < waits[2] <= 30


def test_an_unreachable_redis_lets_supporters_through(
    make_client: ClientFactory, campaign: Campaign
) -> None:
    client = make_client(redis_url="redis://127.0.0.1:9/0", rate_pledge_start_per_min=1)
    assert [_start(client, campaign.slug) for _ in range(2)] == [303, 303]
