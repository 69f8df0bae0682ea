"""Rate limits per client address on the writes that cost us something, shared through Redis:
pledging, the owner API's writes, and owners' logins (password guessing) and sign-ups.

Each rule is a GCRA (a token bucket kept as one "theoretical arrival time" per key): a burst of
`per_minute` requests, then one every 60/per_minute seconds. With `settings.redis_url` the
decision is one Lua call against Redis's own clock, so every web process (and machine) shares
the budget; without Redis (tests, a lone development process) an in-process limiter does the
same. If Redis cannot be reached, requests are let through and a warning is logged: losing
the limit for a moment is better than refusing every supporter.

The client address is the TCP peer's (`request.client.host`), or, only when that peer is a
configured trusted proxy (`AMPLIFIER_WEB_TRUSTED_PROXIES`), the rightmost X-Forwarded-For hop
that is not itself a trusted proxy. IPv6 clients are limited per /64, the block one subscriber
usually holds. uvicorn must not rewrite the peer itself (its `proxy_headers` believe loopback by
default): `amplifier/web/serve.py` turns that off wherever the app is served.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ipaddress
import logging
import math
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Receive, Scope, Send

from amplifier.web.security._refusal import is_api, refuse
from config.settings import Settings, SettingsError

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_LOOPBACK: tuple[Network, ...] = (
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("::1/128"),
)


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, period_s: float) -> float:
        """Count one request; 0.0 if allowed, else the seconds until one would be."""

    async def aclose(self) -> None: ...


class MemoryRateLimiter:
    """The GCRA in this process only (no Redis configured)."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._tat: dict[str, float] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys

    async def hit(self, key: str, limit: int, period_s: float) -> float:
        interval = period_s / limit
        now = time.monotonic()
        with self._lock:
            tat = max(self._tat.get(key, now), now)
            ahead = tat + interval - now
            if ahead > period_s:
                return ahead - period_s
            if len(self._tat) >= self._max_keys:
                self._tat = {k: v for k, v in self._tat.items() if v > now}
            self._tat[key] = tat + interval
            return 0.0

    async def aclose(self) -> None:
        return None


# KEYS[1]: the key's arrival time (µs, Redis clock). ARGV: interval µs, period µs.
# Returns 0 when allowed, else the µs to wait.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, period = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local ahead = tat + interval - now
if ahead > period then return math.ceil(ahead - period) end
redis.call('SET', KEYS[1], string.format('%.0f', tat + interval), 'PX', math.ceil(ahead / 1000))
return 0
"""


class RedisRateLimiter:
    """The GCRA in Redis, shared by every web process; fails open when Redis is away."""

    def __init__(self, url: str, *, timeout_s: float = 0.5, down_s: float = 5.0) -> None:
        self._url = url
        self._timeout_s = timeout_s
        self._down_s = down_s
        self._down_until = 0.0
        self._client: Any = None  # redis.asyncio.Redis, bound to the loop that made it
        self._script: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _script_for_this_loop(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a client cannot cross event loops (test clients make new)
            self._client = aioredis.Redis.from_url(
                self._url,
                socket_timeout=self._timeout_s,
                socket_connect_timeout=self._timeout_s,
            )
            self._script = self._client.register_script(_GCRA)
            self._loop = loop
        return self._script

    async def hit(self, key: str, limit: int, period_s: float) -> float:
        if time.monotonic() < self._down_until:
            return 0.0
        interval_us = max(1, round(period_s * 1_000_000 / limit))
        try:
            script = self._script_for_this_loop()
            wait_us = await script(keys=[key], args=[interval_us, round(period_s * 1_000_000)])
        except (RedisError, OSError, TimeoutError) as exc:
            self._down_until = time.monotonic() + self._down_s
            log.warning("rate limits not enforced for %.0f s: Redis failed (%s)", self._down_s, exc)
            return 0.0
        return int(wait_us) / 1_000_000

    async def aclose(self) -> None:
        client, self._client, self._loop = self._client, None, None
        if client is not None:
            with contextlib.suppress(RedisError, OSError, RuntimeError):
                await client.aclose()


def parse_networks(raw: str, variable: str) -> tuple[Network, ...]:
    networks: list[Network] = []
    for item in raw.split(","):
        if not item.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            raise SettingsError(
                f"{variable}: {item.strip()!r} is not an address or network "
                "(e.g. 127.0.0.1 or 10.0.0.0/8)"
            ) from None
    return tuple(networks)


def _ip(text: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _within(address: IPAddress, networks: Sequence[Network]) -> bool:
    return any(address.version == n.version and address in n for n in networks)


class ClientAddresses:
    """Who is asking, for rate limits: the peer, or what a trusted proxy says it forwarded."""

    def __init__(self, *, trusted: Sequence[Network], exempt: Sequence[Network]) -> None:
        self.trusted = tuple(trusted)
        self.exempt_networks = tuple(exempt)

    @classmethod
    def from_settings(cls, settings: Settings) -> ClientAddresses:
        trusted = parse_networks(settings.web_trusted_proxies, "AMPLIFIER_WEB_TRUSTED_PROXIES")
        if settings.web_rate_limit_exempt is None:
            exempt = _LOOPBACK if settings.env == "development" else ()
        else:
            exempt = parse_networks(
                settings.web_rate_limit_exempt, "AMPLIFIER_WEB_RATE_LIMIT_EXEMPT"
            )
        return cls(trusted=trusted, exempt=exempt)

    def client(self, scope: Scope) -> str:
        peer_info = scope.get("client")
        peer = str(peer_info[0]) if peer_info else "unknown"
        peer_ip = _ip(peer)
        if peer_ip is None or not _within(peer_ip, self.trusted):
            return str(peer_ip) if peer_ip is not None else peer
        hops = [
            hop.strip()
            for key, value in scope.get("headers", ())
            if key == b"x-forwarded-for"
            for hop in bytes(value).decode("latin-1").split(",")
        ]
        client = peer_ip
        for hop in reversed(hops):
            ip = _ip(hop)
            if ip is None:
                break  # garbage: keep the last address a trusted hop vouched for
            client = ip
            if not _within(ip, self.trusted):
                break
        return str(client)

    def is_exempt(self, client: str) -> bool:
        ip = _ip(client)
        return ip is not None and _within(ip, self.exempt_networks)

    @staticmethod
    def bucket(client: str) -> str:
        ip = _ip(client)
        if isinstance(ip, ipaddress.IPv6Address):
            return str(ipaddress.ip_network(f"{ip}/64", strict=False))
        return client


@dataclass(frozen=True)
class RateRule:
    name: str
    methods: frozenset[str]
    path: re.Pattern[str]
    per_minute: int
    what: str  # "pledges", for the refusal page

    def matches(self, method: str, path: str) -> bool:
        return method in self.methods and self.path.fullmatch(path) is not None


def rules_from_settings(settings: Settings) -> tuple[RateRule, ...]:
    return (
        RateRule(
            "pledge-start",
            frozenset({"POST"}),
            re.compile(r"/c/[^/]+/pledge"),
            settings.rate_pledge_start_per_min,
            "pledges started",
        ),
        RateRule(
            "pledge-confirm",
            frozenset({"POST"}),
            re.compile(r"/pledge/confirm"),
            settings.rate_pledge_confirm_per_min,
            "pledge confirmations",
        ),
        RateRule(
            "login",
            frozenset({"POST"}),
            re.compile(r"/login"),
            settings.rate_login_per_min,
            "login attempts",
        ),
        RateRule(
            "signup",
            frozenset({"POST"}),
            re.compile(r"/signup"),
            settings.rate_signup_per_min,
            "sign-ups",
        ),
        RateRule(
            "api-write",
            frozenset({"POST", "PUT", "PATCH", "DELETE"}),
            re.compile(r"/api/.*"),
            settings.rate_api_write_per_min,
            "API writes",
        ),
    )


def limiter_from_settings(settings: Settings) -> RateLimiter:
    if settings.redis_url:
        return RedisRateLimiter(settings.redis_url)
    return MemoryRateLimiter()


def _in_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"


class RateLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        rules: Sequence[RateRule],
        limiter: RateLimiter,
        addresses: ClientAddresses,
        namespace: str,
    ) -> None:
        self.app = app
        self.rules = tuple(rules)
        self.limiter = limiter
        self.addresses = addresses
        # deployments sharing one Redis database (CI runs, staging beside production) must not
        # share budgets: the namespace is derived from the public URL
        self.prefix = f"amp:web-rl:{hashlib.sha256(namespace.encode()).hexdigest()[:12]}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rule = next((r for r in self.rules if r.matches(scope["method"], scope["path"])), None)
        if rule is not None:
            client = self.addresses.client(scope)
            if not self.addresses.is_exempt(client):
                key = f"{self.prefix}:{rule.name}:{self.addresses.bucket(client)}"
                wait = await self.limiter.hit(key, rule.per_minute, 60.0)
                if wait > 0:
                    retry = max(1, math.ceil(wait))
                    log.info("rate limit %s reached by %s", rule.name, client)
                    await self._refuse(scope, receive, send, rule, retry)
                    return
        await self.app(scope, receive, send)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, rule: RateRule, retry: int
    ) -> None:
        back = None
        slug = re.fullmatch(r"/c/([^/]+)/pledge", scope["path"])
        if slug is not None:
            back = (f"/c/{slug.group(1)}", "Back to the campaign page")
        elif rule.name == "login":
            back = ("/login", "Back to the login page")
        elif rule.name == "signup":
            back = ("/signup", "Back to the sign-up page")
        await refuse(
            scope,
            receive,
            send,
            status=429,
            title="Too many tries, please wait",
            message=f"amplifier accepts {rule.per_minute} {rule.what} a minute from one network "
            f"address, and yours has reached that, so this one was not recorded. Try again in "
            f"{_in_words(retry)}.",
            api_message=f"rate limit reached: {rule.per_minute} {rule.what} a minute from one "
            f"address; nothing was recorded. Retry after {retry} s (see Retry-After).",
            headers={"Retry-After": str(retry)},
            back=back if not is_api(scope["path"]) else None,
        )
