"""What an emulator declares about its platform, so that the kit can speak for it.

A :class:`Dialect` is one emulated host's platform: how it shapes ids, its default rate limits,
the header names of its rate windows, its error answers (an injected failure, a missing token, a
429, a missing scope), which paths create a post, its OAuth authorization server, its routes.
An :class:`Emulator` is what the registry lists: a name, whether it runs one host or several, its
settings (a dataclass: its options, as ``run_in_thread`` keywords and CLI flags) and how to
make the dialect of one host from them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from aiohttp import web

from amplifier.sandbox.kit.faults import RateLimits

if TYPE_CHECKING:
    from amplifier.sandbox.kit.oauth import AuthorizationServer

AuthFailure = Literal["invalid", "revoked", "expired", "no_user"]
S = TypeVar("S")


@dataclass(frozen=True)
class Snowflake:
    """Numeric string ids from a millisecond clock: ``((ms - epoch_ms) << shift) | fixed | seq``.

    Both platforms emulated today document ids of this kind ("IDs are strings"); the shift and
    epoch are the platform's own (see each emulator's declaration).
    """

    epoch_ms: int = 0
    shift: int = 16
    fixed: int = 0
    sequence_bits: int = 16

    def make(self, ms: int, seq: int) -> str:
        mask = (1 << self.sequence_bits) - 1
        return str(((ms - self.epoch_ms) << self.shift) | self.fixed | (seq & mask))


@dataclass(frozen=True)
class RateHeaders:
    """The header names a platform reports one rate window in; ``reset`` as epoch seconds or as
    an RFC 3339 timestamp with milliseconds."""

    limit: str
    remaining: str
    reset: str
    reset_format: Literal["epoch", "iso"] = "epoch"


@dataclass(frozen=True)
class RateWindow:
    """One fixed window an endpoint counts against.

    ``per`` "user" counts per account, "client" per OAuth client. ``limit`` None takes the
    host's faults (``rate_limit.user_limit``/``user_window_s`` per user,
    ``app_limit``/``app_window_s`` per client, where an ``app_limit`` of 0 means no window).
    """

    bucket: str
    per: Literal["user", "client"]
    headers: RateHeaders
    limit: int | None = None
    window_s: float = 0.0


@dataclass(frozen=True)
class TokenPolicy:
    """What the token endpoint issues: ``token_type`` as the platform spells it, an access token
    living ``ttl_s`` seconds (None: never expires), a refresh token when ``refresh_scope`` is
    granted (None: never), and whether the answer carries ``created_at`` (epoch seconds)."""

    token_type: str
    ttl_s: int | None
    refresh_scope: str | None = None
    created_at: bool = False


class Dialect(ABC):
    """One host's platform: its facts and answers (see the module docstring)."""

    label: str
    ids: Snowflake
    post_paths: tuple[str, ...]
    oauth: AuthorizationServer
    max_characters: int = 500  # the faults' default text limit, where the platform sets one

    @abstractmethod
    def default_rate_limits(self) -> RateLimits:
        """The rate limits a host starts with (and gets back on reset)."""

    @abstractmethod
    def add_routes(self, app: web.Application) -> None:
        """Register the platform's routes: OAuth, API, then its public pages."""

    @abstractmethod
    def failure(self, status: int, *, stored: bool, headers: dict[str, str]) -> web.Response:
        """An injected failure; ``stored``: the post was kept all the same."""

    @abstractmethod
    def unauthenticated(self, reason: AuthFailure) -> web.Response:
        """The answer to a request whose bearer token does not hold."""

    @abstractmethod
    def rate_limited(self, headers: dict[str, str]) -> web.Response:
        """The answer once a rate window is spent (``headers``: the windows' headers)."""

    @abstractmethod
    def out_of_scope(self, needed: tuple[str, ...], headers: dict[str, str]) -> web.Response:
        """The answer to a token that was not granted ``needed``."""

    def grants(self, granted: frozenset[str], needed: str) -> bool:
        """Whether the scopes ``granted`` cover ``needed`` (exact match unless overridden)."""
        return needed in granted

    def info(self) -> dict[str, Any]:
        """What ``GET /_sandbox/info`` adds for this platform."""
        return {}

    def creates_post(self, request: web.Request) -> bool:
        """Whether ``request`` creates a post (the faults' "posts" scope)."""
        return request.method == "POST" and request.path in self.post_paths


@dataclass(frozen=True)
class Emulator(Generic[S]):
    """One emulated platform as the registry lists it.

    Its options are ``<name>_port`` (``many`` False: one host) or ``<name>_ports`` (one host per
    port), and ``<name>_<field>`` for each field of ``settings``; the CLI flags are the same with
    dashes. The line the sandbox announces when ready (and the attributes of
    :class:`~amplifier.sandbox.server.RunningSandbox`) holds ``<name>_url`` or ``<name>_urls``
    and ``<name>_<field>`` for each field named in ``announce``.
    """

    name: str
    label: str
    many: bool
    settings: type[S]
    dialect: Callable[[S], Dialect]
    announce: tuple[str, ...] = ()
