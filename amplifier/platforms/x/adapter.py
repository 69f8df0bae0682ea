"""XAdapter: one X app acting for the accounts that authorised it, through tweepy.

- Calls: `tweepy.Client(bearer_token=<user access token>)`, `user_auth=False`; the release's
  posts through `tweepy.asynchronous.AsyncClient` on a session of ours (`async_session`).

tweepy hard-codes `https://api.twitter.com` and has no timeout parameter. Every call goes
through our transports instead of tweepy's defaults: a routing `requests` adapter on tweepy's
session (`_http.RoutingAdapter`) and an aiohttp session with our middlewares (`_aio`). Both
route to `api_base`, bound each call by `timeout` seconds in total, cap the answer's size, and
translate X's answers with `answers.ANSWERS` before tweepy parses them.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import urlencode

import aiohttp
import requests
import tweepy
from requests_oauthlib import OAuth2Session
from tweepy.asynchronous import AsyncClient

from .._aio import async_network_error, bounded_session, routing
from .._http import DEFAULT_TIMEOUT, mount_routing, network_error
from ..base import (
    AuthExpired,
    AuthorizationRequest,
    OutcomeUnknown,
    PlatformError,
    Profile,
    PublishedPost,
    Rejected,
    TextLimit,
    TokenSet,
    Transient,
)
from ..logging_guard import silence_token_loggers
from ..ratewindows import observe_rate_windows, x_rate_windows
from .answers import ANSWERS, TokenRefused
from .oauth import SCOPES, TOKEN_URL, pkce_pair, token_call, token_set
from .text import MAX_WEIGHTED_LENGTH as X_MAX_WEIGHTED
from .text import TRANSFORMED_URL_LENGTH as X_URL_LENGTH
from .text import text_problems as x_text_problems

silence_token_loggers()

# The bases tweepy and this module address; requests to them are routed to `api_base`.
_REAL_API_BASES = ("https://api.twitter.com", "https://api.x.com")
_URL = re.compile(r"https?://\S+")


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
            session,
            timeout=self.timeout,
            real_bases=_REAL_API_BASES,
            target_base=self.api_base,
            policy=ANSWERS,
        )

    def _client(self, tokens: TokenSet) -> tweepy.Client:
        client = tweepy.Client(bearer_token=tokens.access_token)
        client.session = self._session  # one pooled, routed, bounded session per adapter
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
        except requests.RequestException as exc:
            raise network_error(exc, write=write, platform="X") from None

    # ------------------------------------------------------------------ OAuth

    def authorization_request(self, *, redirect_uri: str, state: str) -> AuthorizationRequest:
        verifier, challenge = pkce_pair()
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
        try:
            token = token_call(
                lambda: OAuth2Session.fetch_token(
                    handler,
                    TOKEN_URL,
                    code=code,
                    auth=handler.auth,
                    include_client_id=True,
                    code_verifier=code_verifier,
                    timeout=self.timeout,
                )
            )
        except TokenRefused as exc:
            raise Rejected(
                "X did not accept the sign-in (the link may have expired or been used already): "
                f"please connect your X account again. X said: {exc.message}",
                status=exc.status,
            ) from None
        return token_set(token)

    def refresh(self, tokens: TokenSet) -> TokenSet:
        """Use the refresh token; X rotates it, so the old one is dead once this returns.

        Raises AuthExpired when X refuses the refresh token (revoked, already used, expired):
        the supporter must connect again. A network failure or an answer that is not X's
        OAuth JSON raises Transient, never AuthExpired; but if X received the request before
        the failure it has already spent the old refresh token, so the next attempt ends in
        AuthExpired: refresh under a per-account lock, well before the release, and store the
        result at once.
        """
        if not tokens.refresh_token:
            raise AuthExpired("this X connection has no refresh token: connect the account again")
        handler = self._handler()
        try:
            token = token_call(
                lambda: handler.refresh_token(
                    TOKEN_URL,
                    refresh_token=tokens.refresh_token,
                    auth=handler.auth,
                    timeout=self.timeout,
                    client_id=self.client_id,  # in the body, as X's refresh example shows
                )
            )
        except TokenRefused as exc:
            # X answers a dead refresh token with invalid_grant or with invalid_request
            # ("Value passed for the token was invalid.").
            raise AuthExpired(
                f"X no longer accepts this account's refresh token ({exc.message}): reconnect",
                status=exc.status,
            ) from None
        return token_set(token, previous=tokens)

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
        try:
            followers = int(metrics.get("followers_count", 0))
        except (TypeError, ValueError):
            followers = 0
        return Profile(
            account_id=str(user.id),
            handle=f"@{user.username}",
            display_name=str(user.name or user.username),
            followers=followers,
            profile_url=f"{self.web_base}/{user.username}",
        )

    def text_problems(self, text: str) -> list[str]:
        return x_text_problems(text)

    def text_limit(self) -> TextLimit:
        return TextLimit(X_MAX_WEIGHTED, X_URL_LENGTH)

    def publish(self, tokens: TokenSet, text: str, *, idempotency_key: str) -> PublishedPost:
        """Create a post. X's API has no idempotency key, so `idempotency_key` is unused.

        A timeout or a 5xx other than 503 after sending, or a success whose answer cannot be
        read, raises OutcomeUnknown: settle it with `find_recent_post` before trying again,
        never by retrying blindly.
        """
        del idempotency_key  # X offers no such header; settle doubts with find_recent_post
        response = self._call(
            lambda: self._client(tokens).create_tweet(text=text, user_auth=False), write=True
        )
        return self._published(response.data)

    def publish_origin(self) -> str:
        """Where `publish_async` connects: tweepy posts to api.twitter.com, which the route
        sends to `api_base` when that is not X itself (the sandbox)."""
        return self.api_base if self.api_base not in _REAL_API_BASES else "https://api.twitter.com"

    def async_session(self, *, limit: int = 1000) -> aiohttp.ClientSession:
        """An aiohttp session for `publish_async`: routed to `api_base` like the sync session,
        every call bounded by `timeout` in total and its answer capped and translated."""
        route = None
        if self.api_base not in _REAL_API_BASES:
            route = routing(_REAL_API_BASES, self.api_base)
        return bounded_session(
            policy=ANSWERS,
            seconds=self.timeout,
            limit=limit,
            route=route,
            # the release's limiter paces the app to the windows X announces (ratewindows.py)
            observe=observe_rate_windows(x_rate_windows),
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
        `answers.ANSWERS` as the synchronous path, inside the session, before tweepy reads them.
        """
        del idempotency_key  # X offers no such header; settle doubts with find_recent_post
        return await self.create_post_async(session, tokens, text)

    async def create_post_async(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenSet,
        text: str,
        *,
        media_ids: list[str] | None = None,
    ) -> PublishedPost:
        """`POST /2/tweets` through tweepy's AsyncClient (media.py adds `media_ids`)."""
        client = AsyncClient(bearer_token=tokens.access_token)
        client.session = session
        try:
            response = await client.create_tweet(text=text, media_ids=media_ids, user_auth=False)
        except PlatformError:
            raise
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise async_network_error(exc, write=True, platform="X") from None
        return self._published(response.data)

    def _published(self, data: Any) -> PublishedPost:
        post_id = str(data.get("id", "")) if isinstance(data, dict) else ""
        if not post_id:
            raise OutcomeUnknown("X accepted the post but returned no id")
        return PublishedPost(remote_id=post_id, url=self.post_url(post_id))

    def delete_post(self, tokens: TokenSet, remote_id: str) -> None:
        """`DELETE /2/tweets/:id` (developer.x.com/en/docs/x-api/tweets/manage-tweets/
        api-reference/delete-tweets-id): OAuth 2.0 user context with tweet.read, tweet.write and
        users.read (the scopes asked at pledging), 50 per 15 minutes per user; answers
        `{"data": {"deleted": true}}`. A post X no longer has is already deleted."""
        try:
            self._call(
                lambda: self._client(tokens).delete_tweet(remote_id, user_auth=False), write=True
            )
        except Rejected as exc:
            if exc.status != 404:
                raise

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
