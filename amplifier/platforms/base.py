"""The one face every platform adapter shows the rest of amplifier.

The domain never sees a library's own exception or response object: each adapter translates its
platform's answers into the values and the error hierarchy below, so that the release engine can
decide what to do from the class alone.

    PlatformError            anything a platform call can end in, other than success
    ├── RateLimited          over a limit; `retry_at` says when the platform allows the next call
    ├── AuthExpired          the token is revoked or expired and cannot be refreshed: reconnect
    ├── Rejected             the platform refused this request for good (too long, …)
    │   └── Duplicate        refused as the account's duplicate of a recent post: after an
    │                        ambiguous earlier try of ours, that post may be ours (look for it)
    ├── Transient            nothing was done (connection refused, 503 before processing): retry
    │   └── Unreached        the request never reached the server (DNS, refused, connect
    │                        timeout): where the supporter named the host, maybe a typo
    └── OutcomeUnknown       the request may have been acted upon (timeout after sending, 5xx on
                             a write): never retry blindly, settle it first

Adapters are plain synchronous objects built with explicit arguments (no settings import), so a
test or a benchmark can build one against any base URL, the sandbox's or the real platform's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Protocol

import aiohttp

from amplifier.links import web_link


class PlatformError(Exception):
    """Base of every error an adapter raises; `retryable` tells whether trying again is safe."""

    retryable: ClassVar[bool] = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class RateLimited(PlatformError):
    retryable = True

    def __init__(
        self, message: str, *, status: int | None = 429, retry_at: datetime | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_at = retry_at


class AuthExpired(PlatformError):
    retryable = False


class Rejected(PlatformError):
    retryable = False


class Duplicate(Rejected):
    """The platform refused the text as a repeat of one of the account's recent posts."""


class Transient(PlatformError):
    retryable = True


class Unreached(Transient):
    """Nothing reached the server: its name did not resolve, the connection was refused or
    timed out. Retrying is safe; where the supporter typed the host, they may have mistyped it."""


class OutcomeUnknown(PlatformError):
    retryable = False


@dataclass(frozen=True)
class TokenSet:
    """What an OAuth token endpoint gave us; `expires_at` is timezone-aware UTC or None."""

    access_token: str
    refresh_token: str | None = None
    expires_at: datetime | None = None
    scope: str | None = None
    # Platform-specific secrets that travel with the tokens (a Bluesky DPoP key, a chosen page
    # or blog id): stored encrypted with them (pledges.store_tokens) and rotated with them.
    extras: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TextLimit:
    """A length limit as the platform counts it: a URL weighs `url` characters, or, with 0,
    the characters it has (the platform gives links no fixed weight)."""

    characters: int
    url: int


@dataclass(frozen=True)
class ClientCredentials:
    """An OAuth client: app-wide for X, one per instance for Mastodon."""

    client_id: str
    client_secret: str | None = None


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the supporter's browser, and what must be kept until the callback."""

    url: str
    state: str
    code_verifier: str | None = None


@dataclass(frozen=True)
class Profile:
    account_id: str
    handle: str
    display_name: str
    followers: int
    profile_url: str  # "" when the platform's answer is no http(s) address (amplifier.links)

    def __post_init__(self) -> None:
        object.__setattr__(self, "profile_url", web_link(self.profile_url) or "")


@dataclass(frozen=True)
class PublishedPost:
    remote_id: str
    url: str | None  # None when the platform's answer is no http(s) address (amplifier.links)

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", web_link(self.url))


class Connecting(Protocol):
    """The OAuth round trip and the account's profile (pledges/pledging.py, release/credentials)."""

    def authorization_request(self, *, redirect_uri: str, state: str) -> AuthorizationRequest:
        """Build the URL of the platform's consent screen (with PKCE where the platform uses it)."""
        ...

    def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str | None
    ) -> TokenSet: ...

    def refresh(self, tokens: TokenSet) -> TokenSet:
        """Raise AuthExpired when the platform says the refresh token is no longer valid."""
        ...

    def profile(self, tokens: TokenSet) -> Profile: ...


class Publishing(Protocol):
    """The release's one call per post, on a connection pool the firer opens once (send.py)."""

    def publish_origin(self) -> str:
        """`scheme://host[:port]` that `publish_async` connects to (after any routing): the
        firer opens its connections there before T, so that none is opened at T."""
        ...

    def async_session(self, *, limit: int = ...) -> aiohttp.ClientSession:
        """A pool of at most `limit` connections, with the adapter's deadlines and size caps."""
        ...

    async def publish_async(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenSet,
        text: str,
        *,
        idempotency_key: str,
    ) -> PublishedPost:
        """Post `text` once; `idempotency_key` is sent where the platform honours one."""
        ...


class PlatformAdapter(Connecting, Publishing, Protocol):
    """One platform's view of its accounts (for a supporter-named host: of one host): what the
    app and the release engine really call, checked by mypy against every adapter."""

    def text_problems(self, text: str) -> list[str]:
        """Every reason this platform (this host) would refuse `text`, in words an owner can
        act on."""
        ...

    def text_limit(self) -> TextLimit:
        """The length limit this host counts against, for the supporter's text box."""
        ...


@dataclass(frozen=True)
class Account:
    """One account a supporter's token reaches and may post as (a Facebook Page, a blog)."""

    account_id: str
    name: str
    url: str  # "" when the platform's answer is no http(s) address (amplifier.links)
    followers: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", web_link(self.url) or "")


@dataclass(frozen=True)
class ChosenAccount:
    """What publishing uses once the supporter chose: the account's own tokens (its id or its
    token in `tokens.extras` where the platform needs them) and its profile, for the reach."""

    tokens: TokenSet
    profile: Profile


class AccountChooser(Protocol):
    """For platforms whose token reaches several accounts the supporter may post as
    (`ConnectStep.chooses_account`); returned by the declaration's `chooser(adapter)`.

    Synchronous like `Connecting`: the pledge pages call it in the web request's thread.
    """

    def list_accounts(self, tokens: TokenSet) -> list[Account]:
        """Every account `tokens` may post as, best first; [] when there is none. Raises
        PlatformError."""
        ...

    def choose_account(self, tokens: TokenSet, account_id: str) -> ChosenAccount:
        """The tokens and profile that post as `account_id` (asked of the platform again: the
        list may have changed). LookupError when `tokens` no longer reach it; PlatformError."""
        ...


@dataclass(frozen=True)
class Attachment:
    """One file that goes out with a post (today an image): its bytes, its media type
    (`image/png`), its description for people who cannot see it (alt text), its size in
    pixels (0 when unknown; some platforms want the aspect ratio) and its address on this site
    (`path`, under the deployment's public URL; "" when it has none) for the platforms that
    fetch an image themselves instead of taking its bytes (Threads' `image_url`)."""

    data: bytes
    media_type: str
    description: str
    width: int = 0
    height: int = 0
    path: str = ""


@dataclass(frozen=True)
class LinkCard:
    """The owner's link as a preview card, where a platform shows one beside the post: its
    address, and the campaign's title and description (the platform's own words may cut them)."""

    uri: str
    title: str
    description: str


@dataclass(frozen=True)
class Draft:
    """A post as the supporter consented to it: the text and what goes with it (the campaign's
    image, and its link's card for a platform that shows one)."""

    text: str
    attachments: tuple[Attachment, ...] = ()
    card: LinkCard | None = None


@dataclass(frozen=True)
class Staged:
    """What a platform keeps for one post between its staging and its publication: the remote
    ids (media ids, a container id) in the order the publishing call names them, usable until
    `expires_at` (timezone-aware UTC; None: the platform keeps them as long as needed)."""

    remote_ids: tuple[str, ...]
    expires_at: datetime | None = None

    def usable_at(self, when: datetime) -> bool:
        return self.expires_at is None or self.expires_at > when


class Staging(Protocol):
    """Optional, declared by `Declaration.stager`: work done for one post during preparation,
    before T, so that only the post itself leaves at T (uploads of media that belong to the
    supporter's account, a container to publish). The release engine (staging.py) calls
    `stage_async` for every row that `needs_staging`, keeps the answer on the delivery row,
    stages again when it expired, and then publishes with `publish_staged_async` instead of
    `publish_async`. Both raise only the error tree above; a staging error drops that one post
    with its reason, never sends it without what was staged."""

    def needs_staging(self, draft: Draft) -> bool:
        """Whether this post must be staged before it can be published."""
        ...

    async def stage_async(
        self, session: aiohttp.ClientSession, tokens: TokenSet, draft: Draft
    ) -> Staged: ...

    async def publish_staged_async(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenSet,
        draft: Draft,
        staged: Staged,
        *,
        idempotency_key: str,
    ) -> PublishedPost:
        """Publish `draft` with what `stage_async` left on the platform, once."""
        ...


class InlineMedia(Protocol):
    """Optional, declared by `Declaration.inline_media`: a platform whose publishing call
    carries the post's files itself, with nothing to upload before it (Tumblr's multipart NPF
    post). At T the release engine calls `publish_draft_async` instead of `publish_async` for a
    post with attachments; the bytes then leave at T, in the post's one call."""

    async def publish_draft_async(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenSet,
        draft: Draft,
        *,
        idempotency_key: str,
    ) -> PublishedPost:
        """Publish `draft`, its text and attachments, once; raises the error tree above."""
        ...


class PostDeleter(Protocol):
    """Deletes a post its author asked to take back after the release (optional; declared by
    `Declaration.deleter`). Not every platform's API can, so callers ask the declaration."""

    def delete_post(self, tokens: TokenSet, remote_id: str) -> None:
        """Delete the post `remote_id` of the account `tokens` belong to. A post that is
        already gone counts as deleted. Raises PlatformError (AuthExpired, Rejected, …)."""
        ...


class PostFinder(Protocol):
    """Looks for a post after an unknown outcome (settle.py); declared by `Declaration.finder`."""

    def find_recent_post(
        self, tokens: TokenSet, *, account_id: str, text: str
    ) -> PublishedPost | None:
        """The account's recent post with this text, or None; raises PlatformError."""
        ...
