"""What a platform declares once, so that the rest of amplifier asks instead of naming it.

Why: amplifier is to reach seven networks. Every place that wrote `if platform == "mastodon"`
had to be found again for each new one; now the campaign rules, the pledge pages, the release
engine, the limiter and the settings ask the platform's `Declaration` (registered once in
`registry.py`), and a module outside `amplifier/platforms/` that names a platform fails
tests/platforms/test_registry.py.

A declaration answers, for one platform:

- who it is to an owner: `name` (the stored key), `label`, `max_text` and `rules` (words);
- how a text is judged: `text_problems(text, limit)` against the platform's default limit, or a
  host's own (a Mastodon server's `max_characters`);
- where an account lives (`home`: one app-wide host, or a host the supporter names) and what the
  connect step asks before OAuth (`connect`), and whether an account is chosen after it;
- whether publishing is idempotent (`idempotency_memory`: how long the platform remembers our
  key, or None — then an unknown outcome is settled by looking for the post, `finder`);
- its rate windows (one or more, per app, per user or per host), which `limits.policy_for` reads;
- the images it takes with a post (`media`: bytes, pixels, formats, alt text);
- whether a post is staged before T (`stager`: media uploads, containers kept on the delivery
  row until the release), or carries its files in its one call at T (`inline_media`);
- its settings sub-model (`settings_model`, read from `AMPLIFIER_<NAME>_*`), and how an adapter
  is built from them (`build`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, Generic, Protocol, TypeVar, cast

from pydantic_settings import BaseSettings

from .base import (
    AccountChooser,
    ClientCredentials,
    InlineMedia,
    PlatformAdapter,
    PostDeleter,
    PostFinder,
    Staging,
    TextLimit,
)
from .media_rules import MediaRules
from .posting import PostingMode, PostPrice, SimilarityRule


class AccountHome(StrEnum):
    """Where a supporter's account lives."""

    APP = "app"  # one app-wide host (X): the adapter is the same for every supporter
    SUPPORTER_HOST = "supporter host"  # a host the supporter names (a Mastodon server, a PDS)


class ConnectAsks(StrEnum):
    """What the connect step asks before sending the supporter to OAuth."""

    NOTHING = "nothing"
    SERVER = "server"  # the address of the supporter's server
    HANDLE = "handle"  # the supporter's handle, from which the host is found (Bluesky)


@dataclass(frozen=True)
class ConnectStep:
    """The connect step's words: `prompt` labels the field; `missing` says what to type when the
    field came empty. `chooses_account`: after OAuth the supporter picks an account (a Facebook
    Page, a Tumblr blog) among those the token reaches (the declaration's `chooser`);
    `account_noun` names one ("Page"), `no_account` tells a supporter who has none what to do."""

    asks: ConnectAsks = ConnectAsks.NOTHING
    prompt: str = ""  # "Your Mastodon server"
    question: str = ""  # the title when it came empty: "Which Mastodon server?"
    missing: str = ""
    chooses_account: bool = False
    account_noun: str = ""  # "Page", "blog"
    no_account: str = ""  # "Create a Page on Facebook, or ask a Page's admin to give you …"


class WindowScope(StrEnum):
    """Who one rate window's budget is shared by."""

    APP = "app"  # every call of our app (X's 24-hour per-app cap)
    USER = "user"  # one supporter's account (X's 15-minute per-user cap)
    HOST = "host"  # every call of ours to one supporter-named host (a Mastodon server)


@dataclass(frozen=True)
class LimitWindow:
    """At most `requests` publishing calls per `per_s` seconds for each `scope`."""

    requests: int
    per_s: float
    scope: WindowScope

    def __post_init__(self) -> None:
        if self.requests < 1 or self.per_s <= 0:
            raise ValueError(f"a rate window needs requests >= 1 and per_s > 0, not {self}")


@dataclass(frozen=True)
class HostApp:
    """Our OAuth client on one supporter-named host, and what the host says of itself."""

    client: ClientCredentials
    redirect_uri: str
    text_limit: TextLimit
    account_domain: str | None = None
    scopes: str | None = None  # registered with (space-separated); None: from before we kept it


class HostApps(Protocol):
    """Where the app keeps its clients on supporter-named hosts (a database table)."""

    def stored(self, host: str) -> HostApp | None: ...

    def keep(self, host: str, app: HostApp) -> HostApp:
        """Store `app`; returns the one kept (another process may have stored one first)."""
        ...


@dataclass(frozen=True)
class Wiring:
    """What the app hands a declaration to build an adapter: never a database or global."""

    redirect_uri: str  # our OAuth callback for this platform
    public_url: str  # our site, for app registrations that ask for a website
    timeout_s: float  # total seconds for one platform call
    host_apps: HostApps


S = TypeVar("S", bound=BaseSettings)


class Declaration(ABC, Generic[S]):
    """One platform, declared; subclassed once per platform (`platforms/<name>/declaration.py`).

    Settings arrive as the platform's own sub-model (`settings_model`, an instance of `S`).
    """

    name: ClassVar[str]
    label: ClassVar[str]
    # Where a supporter signs in and finds their post ("signed in on Facebook", "see it on
    # Facebook"), where that is not the label; "" means the label.
    site: ClassVar[str] = ""
    max_text: ClassVar[str]  # owner-facing words on the length limit
    rules: ClassVar[str]  # owner-facing words on the platform's rules and limits
    home: ClassVar[AccountHome]
    connect: ClassVar[ConnectStep] = ConnectStep()
    default_text_limit: ClassVar[TextLimit]
    # How long the platform remembers an idempotency key (a resend within it returns the first
    # post); None: publishing is not idempotent, and an unknown outcome is settled by a look-up.
    idempotency_memory: ClassVar[timedelta | None] = None
    # How long a connection lasts when it cannot be renewed (LinkedIn's 60-day tokens), or
    # None: pledges made longer than this before T must reconnect (owners are warned).
    connection_lifetime: ClassVar[timedelta | None] = None
    settings_model: ClassVar[type[BaseSettings]]
    # The images a post may carry (media_rules.py); None: the platform takes no image from us.
    media: ClassVar[MediaRules | None] = None
    # Calls one post's image costs during preparation, before T (an upload, its description, a
    # status look-up); 0 when the image travels in the post's own call (`inline_media`).
    upload_calls: ClassVar[int] = 0
    # The OAuth scope a token needs to upload an image (X's media.write); None: no scope of its
    # own. A pledge connected before images lacks it and must reconnect (`token_may_upload`).
    media_scope: ClassVar[str | None] = None
    # A "share" link for the public page, from the platform's documented compose intent: {text}
    # becomes the URL-encoded text; where accounts live on a host the supporter names, {host} is
    # that host's base URL (the page asks for it). None: the platform has no such link.
    share_intent: ClassVar[str | None] = None
    # Whether a supporter may delete their post after the release (then `deleter` is defined).
    deletes_posts: ClassVar[bool] = False

    @abstractmethod
    def text_problems(self, text: str, limit: TextLimit | None = None) -> list[str]:
        """Every reason the platform would refuse `text` (at `limit`, default the platform's),
        in words an owner can act on; empty when it is fine."""

    @abstractmethod
    def rate_windows(self, settings: S) -> tuple[LimitWindow, ...]:
        """The publishing windows that bind us, with the numbers the deployment configured."""

    def token_may_upload(self, scope: str | None) -> bool:
        """Whether a token granted `scope` (space-separated, as stored) may upload the image; an
        unknown scope (None) is not judged. A parent scope counts (Mastodon's `write` covers
        `write:media`)."""
        if self.media_scope is None or scope is None:
            return True
        granted = set(scope.split())
        return self.media_scope in granted or self.media_scope.split(":")[0] in granted

    def upload_windows(self, settings: S) -> tuple[LimitWindow, ...]:
        """The platform's budgets for the upload calls of preparation (`upload_calls` each),
        where they are counted apart from posts; the owner's capacity warnings read them."""
        return ()

    def concurrency(self, settings: S) -> int | None:
        """At most this many of our calls in flight per shared budget (None: no cap)."""
        return None

    def unavailable(self, settings: S) -> str | None:
        """Why this deployment cannot use the platform (a missing setting), or None."""
        return None

    def allows_plain_http(self, settings: S) -> bool:
        """Whether a configured or supporter-named host may be http:// (the sandbox only)."""
        return False

    def production_problem(self, settings: S) -> str | None:
        """Why these settings must not run in production (a development-only switch), or None."""
        return None

    def normalise_host(self, raw: str, settings: S) -> str:
        """The supporter-named host as a base URL; ValueError with a reason when it is not one."""
        raise ValueError(f"{self.label} accounts live on one host: there is nothing to name")

    def suggested_host(self, settings: S) -> str:
        """What the connect step's field is prefilled with."""
        return ""

    @abstractmethod
    def build(self, settings: S, wiring: Wiring, host: str) -> PlatformAdapter:
        """An adapter for `host` ("" for an app-wide platform). Raises PlatformError when the
        host could not be prepared (registration refused, unreachable)."""

    def callback_problem(self, adapter: PlatformAdapter, query: Mapping[str, str]) -> str | None:
        """Why the OAuth callback's parameters cannot be trusted (AT Protocol's `iss` must be the
        issuer we sent the supporter to), in words for them; None when they can."""
        return None

    def documents(self, settings: S, public_url: str, redirect_uri: str) -> dict[str, Any]:
        """JSON documents the app serves for this platform, by path (an OAuth client's metadata
        document and public keys, where the platform fetches them from us); none by default."""
        return {}

    def deleter(self, adapter: PlatformAdapter) -> PostDeleter | None:
        """How a supporter's post is deleted after the release; None: the platform cannot."""
        return None

    def finder(self, adapter: PlatformAdapter) -> PostFinder | None:
        """How to look for a post after an unknown outcome; None: the platform cannot be asked."""
        return None

    def sandbox_env(self, announced: Mapping[str, Any]) -> dict[str, str]:
        """The `AMPLIFIER_<NAME>_*` variables that point this platform at a running sandbox,
        from the sandbox's ready line (`<name>_url`, announced settings); {} when absent."""
        return {}

    def chooser(self, adapter: PlatformAdapter) -> AccountChooser | None:
        """How the supporter's accounts are listed and one chosen (`connect.chooses_account`);
        None for a platform whose token is the account."""
        return None

    def stager(self, adapter: PlatformAdapter) -> Staging | None:
        """What the adapter does for a post during preparation (uploads, containers); None:
        the platform publishes in one call and nothing is staged."""
        return None

    def inline_media(self, adapter: PlatformAdapter) -> InlineMedia | None:
        """How a post carries its files in its one publishing call, where the platform has no
        upload before it (then `stager` is None); None: the post goes as text, or is staged."""
        return None

    # posting.py: how supporters may take part, whether texts must differ, what a post costs
    posting_modes: ClassVar[tuple[PostingMode, ...]] = (PostingMode.AUTOMATIC, PostingMode.OFF)

    def default_mode(self, settings: S) -> PostingMode:
        """The mode a campaign gets when its owner does not choose one."""
        return self.posting_modes[0]

    def similarity_rule(self, settings: S) -> SimilarityRule | None:
        """Whether automated texts must differ from each other, and how much; None: no rule."""
        return None

    def price(self, settings: S) -> PostPrice | None:
        """What one automated post costs the deployment; None: nothing."""
        return None

    def budget_per_campaign(self, settings: S) -> Decimal | None:
        """The deployment's most for one campaign's automated posts (USD); None: no cap."""
        return None

    def intent_link(self, text: str, link: str | None = None) -> str | None:
        """A link opening the platform's composer with `text` ready (INTENT mode); None if the
        platform has none."""
        return None

    def settings_of(self, settings: Any) -> S:
        """This platform's sub-model out of the app's settings (config.settings.Settings)."""
        sub = settings.platform(self.name)
        if not isinstance(sub, self.settings_model):
            raise TypeError(f"{self.name}: settings are not {self.settings_model.__name__}")
        return cast(S, sub)
