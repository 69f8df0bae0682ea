"""X (formerly Twitter) through tweepy: OAuth 2.0 Authorization Code with PKCE, API v2.

- Consent: `{authorize_url}?response_type=code&client_id=…&redirect_uri=…&scope=…&state=…
  &code_challenge=…&code_challenge_method=S256`, a fresh verifier per request.
- Tokens: `POST /2/oauth2/token` through `tweepy.OAuth2UserHandler` (a requests_oauthlib
  `OAuth2Session`); a confidential client authenticates with HTTP Basic, a public one sends its
  `client_id` in the body. Access tokens last 2 hours; `offline.access` yields a refresh token,
  and X rotates it on every refresh: always store the TokenSet `refresh` returns.
- Calls: `tweepy.Client(bearer_token=<user access token>)`, `user_auth=False`.

tweepy hard-codes `https://api.twitter.com`; `api_base` is honoured by mounting a routing
transport on tweepy's session (see `_http.RoutingAdapter`), which also enforces `timeout` on
every request since tweepy has no timeout parameter.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode

import aiohttp
import requests
import tweepy
from requests_oauthlib import OAuth2Session
from tweepy.asynchronous import AsyncClient

from ._http import (
    DEFAULT_TIMEOUT,
    async_network_error,
    json_or_empty,
    mount_routing,
    network_error,
    routing_middleware,
    unix_time,
)
from ._http import (
    call_timeout as _call_timeout,
)
from .base import (
    AuthExpired,
    AuthorizationRequest,
    Duplicate,
    OutcomeUnknown,
    PlatformError,
    Profile,
    PublishedPost,
    RateLimited,
    Rejected,
    TokenSet,
    Transient,
)
from .logging_guard import silence_token_loggers
from .text import x_text_problems

silence_token_loggers()

SCOPES = ("tweet.read", "tweet.write", "users.read", "offline.access")
# The bases tweepy and this module address; requests to them are routed to `api_base`.
_REAL_API_BASES = ("https://api.twitter.com", "https://api.x.com")
_TOKEN_URL = "https://api.x.com/2/oauth2/token"

_DUPLICATE = re.compile(r"duplicate", re.IGNORECASE)
_URL = re.compile(r"https?://\S+")


def _pkce_pair() -> tuple[str, str]:
    """A fresh RFC 7636 verifier (86 URL-safe characters) and its S256 challenge."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


def _comparable(text: str) -> str:
    """Text as X gives it back: entities unescaped, URLs (t.co on X) blanked, spaces squeezed."""
    text = unicodedata.normalize("NFC", html.unescape(text))
    return " ".join(_URL.sub("<url>", text).split())


class XAdapter:
    """One X app (client id/secret) acting for the accounts that authorised it."""

    name: ClassVar[str] = "x"

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str | None,
        api_base: str = "https://api.x.com",
        authorize_url: str = "https://x.com/i/oauth2/authorize",
        web_base: str = "https://x.com",
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self.api_base = api_base.rstrip("/")
        self.authorize_url = authorize_url
        self.web_base = web_base.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()
        self._route(self._session)

    def __repr__(self) -> str:  # never show the secret
        return f"XAdapter(client_id={self.client_id!r}, api_base={self.api_base!r})"

    # ------------------------------------------------------------------ plumbing

    def _route(self, session: requests.Session) -> None:
        mount_routing(
            session, timeout=self.timeout, real_bases=_REAL_API_BASES, target_base=self.api_base
        )

    def _client(self, tokens: TokenSet) -> tweepy.Client:
        client = tweepy.Client(bearer_token=tokens.access_token)
        client.session = self._session  # one pooled, routed, time-limited session per adapter
        return client

    def _handler(self, redirect_uri: str | None = None) -> tweepy.OAuth2UserHandler:
        handler = tweepy.OAuth2UserHandler(
            client_id=self.client_id,
            redirect_uri=redirect_uri,
            scope=list(SCOPES),
            client_secret=self._client_secret,
        )
        self._route(handler)
        return handler

    def _call(self, fn: Callable[[], Any], *, write: bool) -> Any:
        try:
            return fn()
        except tweepy.HTTPException as exc:
            raise _api_error(exc, write=write) from None
        except requests.RequestException as exc:
            raise network_error(exc, write=write, platform="X") from None

    # ------------------------------------------------------------------ OAuth

    def authorization_request(self, *, redirect_uri: str, state: str) -> AuthorizationRequest:
        verifier, challenge = _pkce_pair()
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(SCOPES),
                "state": state,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        return AuthorizationRequest(
            url=f"{self.authorize_url}?{query}", state=state, code_verifier=verifier
        )

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None) -> TokenSet:
        """Trade the callback's `code` (and the verifier kept since `authorization_request`)."""
        if not code_verifier:
            raise Rejected("X needs the PKCE code verifier kept from the authorization request")
        handler = self._handler(redirect_uri)
        handler.register_compliance_hook("access_token_response", _token_hook(refreshing=False))
        token = self._token_call(
            lambda: OAuth2Session.fetch_token(
                handler,
                _TOKEN_URL,
                code=code,
                auth=handler.auth,
                include_client_id=True,
                code_verifier=code_verifier,
                timeout=self.timeout,
            )
        )
        return _token_set(token)

    def refresh(self, tokens: TokenSet) -> TokenSet:
        """Use the refresh token; X rotates it, so the old one is dead once this returns.

        Raises AuthExpired when X refuses the refresh token (revoked, already used, expired):
        the supporter must connect again. A network failure raises Transient, never AuthExpired;
        but if X received the request before the failure it has already spent the old refresh
        token, so the next attempt ends in AuthExpired: refresh under a per-account lock, well
        before the release, and store the result at once.
        """
        if not tokens.refresh_token:
            raise AuthExpired("this X connection has no refresh token: connect the account again")
        handler = self._handler()
        handler.register_compliance_hook("refresh_token_response", _token_hook(refreshing=True))
        token = self._token_call(
            lambda: handler.refresh_token(
                _TOKEN_URL,
                refresh_token=tokens.refresh_token,
                auth=handler.auth,
                timeout=self.timeout,
                client_id=self.client_id,  # in the body, as X's refresh example shows
            )
        )
        return _token_set(token, previous=tokens)

    def _token_call(self, fn: Callable[[], Mapping[str, Any]]) -> Mapping[str, Any]:
        try:
            return fn()
        except PlatformError:
            raise
        except Warning as warning:  # oauthlib: granted scopes differ from the requested ones
            token = getattr(warning, "token", None)
            if isinstance(token, Mapping):
                return token
            raise Rejected(f"X answered the token request oddly: {warning}") from None
        except requests.RequestException as exc:
            raise network_error(exc, write=False, platform="X") from None
        except ValueError as exc:  # oauthlib parsing / OAuth2Error
            raise Rejected(f"X's token endpoint answered unexpectedly: {exc}") from None

    # ------------------------------------------------------------------ API

    def profile(self, tokens: TokenSet) -> Profile:
        response = self._call(
            lambda: self._client(tokens).get_me(user_fields=["public_metrics"], user_auth=False),
            write=False,
        )
        user = response.data
        if user is None:
            raise Transient("X returned no user for this token")
        metrics = getattr(user, "public_metrics", None) or {}
        return Profile(
            account_id=str(user.id),
            handle=f"@{user.username}",
            display_name=str(user.name or user.username),
            followers=int(metrics.get("followers_count", 0)),
            profile_url=f"{self.web_base}/{user.username}",
        )

    def text_problems(self, text: str) -> list[str]:
        return x_text_problems(text)

    def publish(self, tokens: TokenSet, text: str, *, idempotency_key: str) -> PublishedPost:
        """Create a post. X's API has no idempotency key, so `idempotency_key` is unused.

        A timeout or a 5xx after sending raises OutcomeUnknown (X has answered 503 to a post it
        had created): settle it with `find_recent_post` before trying again, never by retrying
        blindly. A refusal as a duplicate raises Duplicate.
        """
        del idempotency_key  # X offers no such header; settle doubts with find_recent_post
        response = self._call(
            lambda: self._client(tokens).create_tweet(text=text, user_auth=False), write=True
        )
        data = response.data or {}
        post_id = str(data.get("id", ""))
        if not post_id:
            raise OutcomeUnknown("X accepted the post but returned no id")
        return PublishedPost(remote_id=post_id, url=self.post_url(post_id))

    def async_session(self, *, limit: int = 1000) -> aiohttp.ClientSession:
        """An aiohttp session for `publish_async`, routed to `api_base` like the sync session."""
        middlewares: tuple[aiohttp.ClientMiddlewareType, ...] = ()
        if self.api_base not in _REAL_API_BASES:
            middlewares = (routing_middleware(_REAL_API_BASES, self.api_base),)
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=limit, limit_per_host=limit),
            timeout=_call_timeout(self.timeout),
            middlewares=middlewares,
        )

    async def publish_async(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenSet,
        text: str,
        *,
        idempotency_key: str,
    ) -> PublishedPost:
        """`publish` through tweepy's AsyncClient on a shared session (from `async_session`).

        The release engine sends thousands at once; the answers are translated by the same
        `_api_error` as the synchronous path.
        """
        del idempotency_key  # X offers no such header; settle doubts with find_recent_post
        client = AsyncClient(bearer_token=tokens.access_token)
        client.session = session
        try:
            response = await client.create_tweet(text=text, user_auth=False)
        except tweepy.HTTPException as exc:
            raise _api_error(exc, write=True) from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise async_network_error(exc, write=True, platform="X") from None
        data = response.data or {}
        post_id = str(data.get("id", ""))
        if not post_id:
            raise OutcomeUnknown("X accepted the post but returned no id")
        return PublishedPost(remote_id=post_id, url=self.post_url(post_id))

    def post_url(self, post_id: str) -> str:
        """X's username-free permalink form."""
        return f"{self.web_base}/i/web/status/{post_id}"

    def find_recent_post(
        self, tokens: TokenSet, *, account_id: str, text: str, max_results: int = 20
    ) -> PublishedPost | None:
        """Look in the account's latest posts for `text` (to settle an OutcomeUnknown).

        Compares with URLs blanked (X returns them as t.co links) and HTML entities unescaped.
        """
        wanted = _comparable(text)
        response = self._call(
            lambda: self._client(tokens).get_users_tweets(
                account_id, max_results=max(5, min(max_results, 100)), user_auth=False
            ),
            write=False,
        )
        for tweet in response.data or []:
            if _comparable(str(tweet.text)) == wanted:
                return PublishedPost(remote_id=str(tweet.id), url=self.post_url(str(tweet.id)))
        return None


# ---------------------------------------------------------------------- translation


def _status(exc: tweepy.HTTPException) -> int:
    """tweepy wraps a requests response (`status_code`) or, async, an aiohttp one (`status`)."""
    response = exc.response
    return int(getattr(response, "status_code", None) or response.status)


def _detail(exc: tweepy.HTTPException) -> str:
    messages = [str(m) for m in exc.api_messages if m]
    if messages:
        return "; ".join(messages)
    if isinstance(exc.response, requests.Response):
        body = json_or_empty(exc.response)
        for key in ("detail", "title", "error_description", "error"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return f"HTTP {_status(exc)}"


def _api_error(exc: tweepy.HTTPException, *, write: bool) -> PlatformError:
    status = _status(exc)
    detail = _detail(exc)
    if isinstance(exc, tweepy.Unauthorized):
        return AuthExpired(
            f"X no longer accepts this account's token ({detail}): reconnect", status=status
        )
    if isinstance(exc, tweepy.TooManyRequests):
        reset = _exhausted_reset(exc.response.headers)
        return RateLimited(f"X rate limit reached: {detail}", status=status, retry_at=reset)
    if isinstance(exc, tweepy.Forbidden) and _DUPLICATE.search(detail):
        return Duplicate(
            f"X refused a duplicate: this account already posted the same text (X said: {detail})",
            status=status,
        )
    if status == 503 and not write:
        return Transient(f"X is unavailable (503): {detail}", status=status)
    if status >= 500:
        if write:
            return OutcomeUnknown(
                f"X failed with {status} after receiving the post; it may have been published",
                status=status,
            )
        return Transient(f"X failed with {status}: {detail}", status=status)
    return Rejected(f"X refused the request ({status}): {detail}", status=status)


def _exhausted_reset(headers: Mapping[str, str]) -> datetime | None:
    """The reset of whichever X limit ran out: the endpoint's 15-minute window
    (`x-rate-limit-*`), the app's 24 hours (`x-app-limit-24hour-*`) or the user's
    (`x-user-limit-24hour-*`); the latest reset among the exhausted ones, else the endpoint's."""
    resets = [
        unix_time(headers.get(f"{prefix}-reset"))
        for prefix in ("x-rate-limit", "x-app-limit-24hour", "x-user-limit-24hour")
        if headers.get(f"{prefix}-remaining") == "0"
    ]
    exhausted = [r for r in resets if r is not None]
    return max(exhausted) if exhausted else unix_time(headers.get("x-rate-limit-reset"))


def _token_hook(*, refreshing: bool) -> Callable[[requests.Response], requests.Response]:
    """A requests_oauthlib compliance hook that turns token-endpoint failures into our errors."""

    def hook(response: requests.Response) -> requests.Response:
        status = response.status_code
        if status < 400:
            return response
        body = json_or_empty(response)
        error = str(body.get("error", ""))
        description = str(body.get("error_description", "")) or error or f"HTTP {status}"
        if status == 429:
            reset = unix_time(response.headers.get("x-rate-limit-reset"))
            raise RateLimited(f"X token endpoint rate limit: {description}", retry_at=reset)
        if status >= 500:
            raise Transient(f"X token endpoint failed ({status})", status=status)
        if error in ("invalid_client", "unauthorized_client"):
            raise Rejected(
                f"X refused amplifier's app credentials ({description}): check the X client "
                "id and secret",
                status=status,
            )
        if refreshing:
            # X answers a dead refresh token with invalid_grant or with invalid_request
            # ("Value passed for the token was invalid.").
            raise AuthExpired(
                f"X no longer accepts this account's refresh token ({description}): reconnect",
                status=status,
            )
        raise Rejected(
            "X did not accept the sign-in (the link may have expired or been used already): "
            f"please connect your X account again. X said: {description}",
            status=status,
        )

    return hook


def _token_set(token: Mapping[str, Any], previous: TokenSet | None = None) -> TokenSet:
    access = token.get("access_token")
    if not access:
        raise Rejected("X's token endpoint returned no access token")
    expires_at = None
    if token.get("expires_in") is not None:
        expires_at = datetime.now(UTC) + timedelta(seconds=int(float(token["expires_in"])))
    refresh = token.get("refresh_token") or (previous.refresh_token if previous else None)
    scope = token.get("scope")
    if isinstance(scope, list):
        scope = " ".join(scope)
    return TokenSet(
        access_token=str(access),
        refresh_token=str(refresh) if refresh else None,
        expires_at=expires_at,
        scope=str(scope) if scope else (previous.scope if previous else None),
    )
