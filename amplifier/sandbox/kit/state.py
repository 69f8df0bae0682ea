"""In-memory state of one emulated host: users, OAuth clients, tokens, codes, posts, faults.

Plain dicts and small dataclasses, no locks: each host lives in one asyncio event loop and
handlers never await while they change it. Every port is its own world. Identifiers take the
shape the host's :class:`~amplifier.sandbox.kit.dialect.Dialect` declares (``ids``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from amplifier.sandbox.kit.faults import Faults, RateLimiter
from amplifier.sandbox.kit.media import Media

if TYPE_CHECKING:
    from amplifier.sandbox.kit.dialect import Dialect


class _UserToken(Protocol):
    @property
    def user_id(self) -> str | None: ...

    revoked: bool


_T = TypeVar("_T", bound=_UserToken)
USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{1,30}$")


def now() -> float:
    return time.time()


def iso(ts: float) -> str:
    """RFC 3339 UTC with milliseconds, the form the platforms use (2024-01-01T12:00:00.000Z)."""
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
    user_id: str | None  # None: an app-only token (grant_type=client_credentials)
    client_id: str
    scopes: frozenset[str]
    created_at: float
    expires_at: float | None  # None: never expires
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
    """An OAuth client registered through the platform's API (a configured client is not one)."""

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
    media: list[Media] = field(default_factory=list)
    deleted: bool = False  # its author deleted it: gone from look-ups, kept in the log
    embed: dict[str, Any] | None = None  # a platform's card or embed, as the post stored it

    def public(self) -> dict[str, object]:
        return {
            "id": self.id,
            "user_id": self.user_id,
            "username": self.username,
            "text": self.text,
            "created_at": iso(self.created_at),
            "idempotency_key": self.idempotency_key,
            "media": [m.public() for m in self.media],
            "deleted": self.deleted,
            **({"embed": self.embed} if self.embed is not None else {}),
        }


@dataclass
class HostConfig:
    name: str  # the emulator's name in the registry
    base_url: str = ""
    latency_ms: int = 0


@dataclass
class HostState:
    config: HostConfig
    dialect: Dialect
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
    # duplicate-content check: (user id, text) -> time posted
    recent_texts: dict[tuple[str, str], float] = field(default_factory=dict)
    media: dict[str, Media] = field(default_factory=dict)  # uploads by id
    _last_ms: int = 0
    _seq: int = 0

    @classmethod
    def create(cls, config: HostConfig, dialect: Dialect) -> HostState:
        return cls(config=config, dialect=dialect, faults=cls._default_faults(config, dialect))

    @staticmethod
    def _default_faults(config: HostConfig, dialect: Dialect) -> Faults:
        return Faults(
            latency_ms=config.latency_ms,
            max_characters=dialect.max_characters,
            rate_limit=dialect.default_rate_limits(),
        )

    @property
    def platform(self) -> str:
        return self.config.name

    def reset(self) -> None:
        """Forget users, tokens, codes, posts and faults; registered OAuth clients survive."""
        self.faults = self._default_faults(self.config, self.dialect)
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
            self.media,
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
        return self.dialect.ids.make(ms, self._seq)

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

    def _live(self, user_id: str, tokens: Iterable[_T]) -> list[_T]:
        return [t for t in tokens if t.user_id == user_id and not t.revoked]

    def expire_tokens(self, user_id: str) -> int:
        """Make the user's access tokens expire now; how many."""
        live = self._live(user_id, self.tokens.values())
        for token in live:
            token.expires_at = now() - 1
        return len(live)

    def revoke_user_tokens(self, user_id: str) -> int:
        """Revoke the user's access and refresh tokens; how many."""
        access = self._live(user_id, self.tokens.values())
        refresh = self._live(user_id, self.refresh_tokens.values())
        for token in access:
            token.revoked = True
        for refresh_token in refresh:
            refresh_token.revoked = True
        return len(access) + len(refresh)

    # ---- posts -------------------------------------------------------------------------------

    def add_post(self, post: Post) -> None:
        self.posts.append(post)
        self.posts_by_id[post.id] = post
        self.posts_by_user.setdefault(post.user_id, []).append(post)

    def delete_post(self, post: Post) -> None:
        """The author deleted `post`: it leaves look-ups, timelines and its page; `posts`, the
        log of every post made, keeps it (marked), so "posted exactly once" can still be told."""
        post.deleted = True
        self.posts_by_id.pop(post.id, None)
        mine = self.posts_by_user.get(post.user_id, [])
        if post in mine:
            mine.remove(post)

    def store_post(
        self,
        user: User,
        text: str,
        *,
        idempotency_key: str | None = None,
        visibility: str = "public",
        app_name: str | None = None,
        media: list[Media] | None = None,
    ) -> Post:
        """A new post of ``user``'s, stamped now, with a new id (carrying ``media``, checked by
        ``media.usable_media``)."""
        post = Post(
            id=self.next_id(),
            user_id=user.id,
            username=user.username,
            text=text,
            created_at=now(),
            idempotency_key=idempotency_key,
            visibility=visibility,
            app_name=app_name,
            media=list(media or ()),
        )
        for item in post.media:
            item.post_id = post.id
        self.add_post(post)
        return post
