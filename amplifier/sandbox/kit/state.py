"""In-memory state of one emulated host (one X API, or one Mastodon instance).

Plain dicts and small dataclasses, no locks: each host lives in one asyncio event loop and
handlers never await while they change it. Every port is its own world: its own users, OAuth
clients, tokens, codes and posts.

Identifiers imitate the platforms' shapes: X and Mastodon both hand out numeric strings derived
from a millisecond clock ("Snowflake" ids, X: time << 22, Mastodon: time << 16), see
https://developer.x.com/en/docs/twitter-ids and https://docs.joinmastodon.org/api/guidelines/#id
("IDs are strings ... cast from an integer but not guaranteed to be a number").
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Literal

from amplifier.sandbox.kit.faults import Faults, RateLimiter

Platform = Literal["x", "mastodon"]

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{1,30}$")
X_EPOCH_MS = 1288834974657  # the Twitter epoch used by Snowflake ids


def now() -> float:
    return time.time()


def iso(ts: float) -> str:
    """RFC 3339 UTC with milliseconds, the form both platforms use (2024-01-01T12:00:00.000Z)."""
    whole = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts))
    return f"{whole}.{int(ts * 1000) % 1000:03d}Z"


def default_followers(username: str) -> int:
    """A follower count that looks random but is the same for the same name: 10..5000."""
    digest = hashlib.sha256(username.lower().encode()).digest()
    return 10 + int.from_bytes(digest[:4], "big") % 4991


@dataclass
class User:
    id: str
    username: str
    name: str
    followers: int
    created_at: float

    def public(self) -> dict[str, object]:
        return {
            "id": self.id,
            "username": self.username,
            "name": self.name,
            "followers": self.followers,
            "created_at": iso(self.created_at),
        }


@dataclass
class AccessToken:
    token: str
    user_id: str | None  # None: an app-only token (Mastodon client_credentials)
    client_id: str
    scopes: frozenset[str]
    created_at: float
    expires_at: float | None  # None: never expires (Mastodon)
    revoked: bool = False


@dataclass
class RefreshToken:
    token: str
    user_id: str
    client_id: str
    scopes: frozenset[str]
    used: bool = False
    revoked: bool = False


@dataclass
class AuthCode:
    code: str
    user_id: str
    client_id: str
    redirect_uri: str
    scopes: frozenset[str]
    expires_at: float
    code_challenge: str | None
    code_challenge_method: str | None
    used: bool = False


@dataclass
class OAuthApp:
    """A Mastodon application registered with POST /api/v1/apps (X's one client is config)."""

    id: str
    name: str
    website: str | None
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    scopes: frozenset[str]


@dataclass
class Post:
    id: str
    user_id: str
    username: str
    text: str
    created_at: float
    idempotency_key: str | None
    visibility: str = "public"
    app_name: str | None = None

    def public(self) -> dict[str, object]:
        return {
            "id": self.id,
            "user_id": self.user_id,
            "username": self.username,
            "text": self.text,
            "created_at": iso(self.created_at),
            "idempotency_key": self.idempotency_key,
        }


@dataclass
class HostConfig:
    platform: Platform
    base_url: str = ""
    latency_ms: int = 0
    x_client_id: str = ""
    x_client_secret: str = ""
    x_token_ttl: int = 7200
    max_characters: int = 500


@dataclass
class HostState:
    config: HostConfig
    faults: Faults
    limiter: RateLimiter = field(default_factory=RateLimiter)
    users: dict[str, User] = field(default_factory=dict)
    users_by_name: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    apps: dict[str, OAuthApp] = field(default_factory=dict)
    posts: list[Post] = field(default_factory=list)
    posts_by_id: dict[str, Post] = field(default_factory=dict)
    posts_by_user: dict[str, list[Post]] = field(default_factory=dict)
    # (access token, Idempotency-Key) -> (post id, time stored)
    idempotency: dict[tuple[str, str], tuple[str, float]] = field(default_factory=dict)
    # X duplicate check: (user id, text) -> time posted
    recent_texts: dict[tuple[str, str], float] = field(default_factory=dict)
    _last_ms: int = 0
    _seq: int = 0

    @classmethod
    def create(cls, config: HostConfig) -> HostState:
        return cls(
            config=config,
            faults=Faults.defaults(config.platform, config.latency_ms, config.max_characters),
        )

    @property
    def platform(self) -> Platform:
        return self.config.platform

    def reset(self) -> None:
        """Forget users, tokens, codes, posts and faults; registered OAuth clients survive."""
        self.faults = Faults.defaults(
            self.platform, self.config.latency_ms, self.config.max_characters
        )
        self.limiter = RateLimiter()
        for store in (
            self.users,
            self.users_by_name,
            self.tokens,
            self.refresh_tokens,
            self.codes,
            self.posts_by_id,
            self.posts_by_user,
            self.idempotency,
            self.recent_texts,
        ):
            store.clear()
        self.posts.clear()

    # ---- identifiers -------------------------------------------------------------------------

    def next_id(self) -> str:
        """A Snowflake-like numeric string, strictly increasing within this host."""
        ms = int(time.time() * 1000)
        if ms <= self._last_ms:
            self._seq += 1
            ms = self._last_ms
        else:
            self._seq = 0
            self._last_ms = ms
        if self.platform == "x":
            return str(((ms - X_EPOCH_MS) << 22) | (1 << 17) | (self._seq & 0x1FFFF))
        return str((ms << 16) | (self._seq & 0xFFFF))

    # ---- users -------------------------------------------------------------------------------

    def get_or_create_user(self, username: str, followers: int | None = None) -> User:
        key = username.lower()
        user = self.users_by_name.get(key)
        if user is not None:
            if followers is not None:
                user.followers = followers
            return user
        user = User(
            id=self.next_id(),
            username=username,
            name=username.replace("_", " ").title(),
            followers=default_followers(username) if followers is None else followers,
            created_at=now(),
        )
        self.users[user.id] = user
        self.users_by_name[key] = user
        return user

    def find_user(self, username: str) -> User | None:
        return self.users_by_name.get(username.lower().lstrip("@"))

    # ---- tokens ------------------------------------------------------------------------------

    def issue_access_token(
        self, user_id: str | None, client_id: str, scopes: frozenset[str], ttl: int | None
    ) -> AccessToken:
        t = now()
        token = AccessToken(
            token=secrets.token_urlsafe(32),
            user_id=user_id,
            client_id=client_id,
            scopes=scopes,
            created_at=t,
            expires_at=None if ttl is None else t + ttl,
        )
        self.tokens[token.token] = token
        return token

    def issue_refresh_token(self, user_id: str, client_id: str, scopes: frozenset[str]) -> str:
        rt = RefreshToken(secrets.token_urlsafe(32), user_id, client_id, scopes)
        self.refresh_tokens[rt.token] = rt
        return rt.token

    def issue_consented_tokens(
        self, user_id: str, client_id: str, scopes: frozenset[str]
    ) -> tuple[AccessToken, str | None]:
        """What the token endpoint issues after a consent: X's access token lives
        ``x_token_ttl`` seconds and comes with a refresh token under ``offline.access``;
        Mastodon's never expires and has none."""
        if self.platform == "x":
            access = self.issue_access_token(user_id, client_id, scopes, self.config.x_token_ttl)
            refresh = (
                self.issue_refresh_token(user_id, client_id, scopes)
                if "offline.access" in scopes
                else None
            )
            return access, refresh
        return self.issue_access_token(user_id, client_id, scopes, None), None

    def expire_tokens(self, user_id: str) -> int:
        t = now() - 1
        n = 0
        for tok in self.tokens.values():
            if tok.user_id == user_id and not tok.revoked:
                tok.expires_at = t
                n += 1
        return n

    def revoke_user_tokens(self, user_id: str) -> int:
        n = 0
        for tok in self.tokens.values():
            if tok.user_id == user_id and not tok.revoked:
                tok.revoked = True
                n += 1
        for rt in self.refresh_tokens.values():
            if rt.user_id == user_id and not rt.revoked:
                rt.revoked = True
                n += 1
        return n

    # ---- posts -------------------------------------------------------------------------------

    def add_post(self, post: Post) -> None:
        self.posts.append(post)
        self.posts_by_id[post.id] = post
        self.posts_by_user.setdefault(post.user_id, []).append(post)
