"""TumblrAdapter: one Tumblr app posting to the blogs its users chose.

Facts, from Tumblr's API documentation (https://www.tumblr.com/docs/en/api/v2):

- Consent ("OAuth 2"): `GET https://www.tumblr.com/oauth2/authorize?client_id&response_type=code
  &scope&state&redirect_uri`, scopes `basic write offline_access`.
- Tokens: `POST {api_base}/v2/oauth2/token` (form, `client_id` and `client_secret` in the
  body); access tokens last 42 minutes (`expires_in` 2520); `offline_access` gives a refresh
  token, rotated on every refresh: store the new pair at once.
- The account: `GET /v2/user/info` → `response.user` with `name` and `blogs` (each `name`,
  `uuid`, `url`, `followers`, `primary`). The blog that posts is kept in the tokens' extras
  (`blog`): the primary blog unless the supporter chose another.
- A post: `POST /v2/blog/{blog}/posts` with NPF JSON `{"content": [...], "state":
  "published"}` ("Neue Post Format", https://www.tumblr.com/docs/npf) → 201, `response.id`.
  There is no idempotency key: an unknown outcome is settled by reading the blog's latest posts
  (`GET /v2/blog/{blog}/posts?npf=true`).

Every call goes through the bounded transports and `answers.ANSWERS`; the app key's hourly and
daily windows are read from every answer (`answers.rate_windows`) for the release's limiter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

import aiohttp
import requests

from .._aio import bearer_json_async, bounded_session, origin_of
from .._http import DEFAULT_TIMEOUT, MAX_REDIRECTS, RoutingAdapter, network_error
from ..base import (
    Account,
    AuthExpired,
    AuthorizationRequest,
    ChosenAccount,
    OutcomeUnknown,
    Profile,
    PublishedPost,
    Rejected,
    TextLimit,
    TokenSet,
    Transient,
)
from ..logging_guard import silence_token_loggers
from ..ratewindows import observe_rate_windows
from .answers import ANSWERS, TOKEN_PATH, TokenRefused, rate_windows
from .text import MAX_CHARACTERS, npf_content, text_of, tumblr_text_problems

silence_token_loggers()

SCOPES = ("basic", "write", "offline_access")
BLOG = "blog"  # the extras key of the blog that posts


class TumblrAdapter:
    """One Tumblr app (OAuth consumer key and secret) acting for the users who authorised it."""

    name: ClassVar[str] = "tumblr"

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        api_base: str = "https://api.tumblr.com",
        authorize_url: str = "https://www.tumblr.com/oauth2/authorize",
        web_base: str = "https://www.tumblr.com",
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self.api_base = api_base.rstrip("/")
        self.authorize_url = authorize_url
        self.web_base = web_base.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()
        transport = RoutingAdapter(timeout=timeout, policy=ANSWERS)
        self._session.mount("https://", transport)
        self._session.mount("http://", transport)
        self._session.max_redirects = MAX_REDIRECTS

    def __repr__(self) -> str:  # never show the secret
        return f"TumblrAdapter(client_id={self.client_id!r}, api_base={self.api_base!r})"

    # ------------------------------------------------------------------ plumbing

    def _call(
        self, method: str, path: str, *, write: bool, token: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self._session.request(
                method, f"{self.api_base}{path}", headers=headers, **kwargs
            )
        except requests.RequestException as exc:
            raise network_error(exc, write=write, platform="Tumblr") from None
        body = response.json()
        return body if isinstance(body, dict) else {}

    # ------------------------------------------------------------------ OAuth

    def authorization_request(self, *, redirect_uri: str, state: str) -> AuthorizationRequest:
        query = urlencode(
            {
                "client_id": self.client_id,
                "response_type": "code",
                "scope": " ".join(SCOPES),
                "state": state,
                "redirect_uri": redirect_uri,
            }
        )
        return AuthorizationRequest(url=f"{self.authorize_url}?{query}", state=state)

    def _token(self, form: Mapping[str, str]) -> dict[str, Any]:
        return self._call(
            "POST",
            TOKEN_PATH,
            write=False,
            data={**form, "client_id": self.client_id, "client_secret": self._client_secret},
        )

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None) -> TokenSet:
        """Trade the code; the blog that posts is the primary one until the supporter picks."""
        try:
            body = self._token(
                {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
            )
        except TokenRefused as exc:
            raise Rejected(
                "Tumblr did not accept the sign-in (the link may have expired or been used "
                f"already): please connect your Tumblr account again. Tumblr said: {exc.message}",
                status=exc.status,
            ) from None
        tokens = _token_set(body)
        primary = next((b for b in self.blogs(tokens) if b.get("primary")), None)
        if primary is None:
            raise Rejected("this Tumblr account has no blog to post to")
        return TokenSet(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
            scope=tokens.scope,
            extras={BLOG: str(primary["name"])},
        )

    def refresh(self, tokens: TokenSet) -> TokenSet:
        """Tumblr rotates the refresh token: the old one is spent once this returns."""
        if not tokens.refresh_token:
            raise AuthExpired("this Tumblr connection has no refresh token: connect again")
        try:
            body = self._token(
                {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}
            )
        except TokenRefused as exc:
            raise AuthExpired(
                f"Tumblr refused the refresh token ({exc.message}): reconnect", status=exc.status
            ) from None
        return _token_set(body, previous=tokens)

    # ------------------------------------------------------------------ API

    def _user(self, tokens: TokenSet) -> dict[str, Any]:
        body = self._call("GET", "/v2/user/info", write=False, token=tokens.access_token)
        response = body.get("response")
        user = response.get("user") if isinstance(response, dict) else None
        if not isinstance(user, dict) or not isinstance(user.get("name"), str):
            raise Transient("Tumblr returned no user for this token")
        return user

    def blogs(self, tokens: TokenSet) -> list[dict[str, Any]]:
        """The blogs this user may post to, as Tumblr lists them (primary first)."""
        found = self._user(tokens).get("blogs")
        blogs = [b for b in found if isinstance(b, dict)] if isinstance(found, list) else []
        blogs = [b for b in blogs if isinstance(b.get("name"), str) and b["name"]]
        return sorted(blogs, key=lambda b: not b.get("primary"))

    def profile(self, tokens: TokenSet) -> Profile:
        """The blog that posts: its name is the handle, its followers the reach."""
        blogs = self.blogs(tokens)
        chosen = tokens.extras.get(BLOG)
        blog = next((b for b in blogs if b["name"] == chosen), None) if chosen else None
        blog = blog or (blogs[0] if blogs else None)
        if blog is None:
            raise Transient("Tumblr listed no blog for this account")
        return self._blog_profile(blog)

    def _blog_profile(self, blog: Mapping[str, Any]) -> Profile:
        followers = blog.get("followers")
        name = str(blog["name"])
        url = blog.get("url")
        return Profile(
            account_id=str(blog.get("uuid") or name),
            handle=name,
            display_name=str(blog.get("title") or name),
            followers=followers if isinstance(followers, int) and followers >= 0 else 0,
            profile_url=url if isinstance(url, str) else f"{self.web_base}/{name}",
        )

    # ------------------------------------------------------------------ the blog that posts

    def list_accounts(self, tokens: TokenSet) -> list[Account]:
        """The user's blogs, primary first (the choice after OAuth: account_choice.py)."""
        accounts = []
        for blog in self.blogs(tokens):
            profile = self._blog_profile(blog)
            accounts.append(
                Account(
                    account_id=profile.account_id,
                    name=profile.handle,
                    url=profile.profile_url,
                    followers=profile.followers,
                )
            )
        return accounts

    def choose_account(self, tokens: TokenSet, account_id: str) -> ChosenAccount:
        """The same tokens, posting to the blog `account_id` (Tumblr's token is the user's and
        reaches all their blogs); LookupError when it is no longer among them."""
        for blog in self.blogs(tokens):
            profile = self._blog_profile(blog)
            if profile.account_id == account_id:
                extras = {**tokens.extras, BLOG: str(blog["name"])}
                return ChosenAccount(tokens=replace(tokens, extras=extras), profile=profile)
        raise LookupError(f"Tumblr no longer lists the blog {account_id} for this account")

    def text_problems(self, text: str) -> list[str]:
        return tumblr_text_problems(text)

    def text_limit(self) -> TextLimit:
        return TextLimit(MAX_CHARACTERS, 0)

    def blog_of(self, tokens: TokenSet) -> str:
        blog = tokens.extras.get(BLOG)
        if not blog:
            raise Rejected("this Tumblr connection names no blog: connect the account again")
        return blog

    def posts_path(self, blog: str) -> str:
        return f"/v2/blog/{quote(blog, safe='')}/posts"

    def publish(self, tokens: TokenSet, text: str, *, idempotency_key: str) -> PublishedPost:
        """Post `text` to the chosen blog (no idempotency key: `idempotency_key` is unused)."""
        del idempotency_key
        blog = self.blog_of(tokens)
        body = self._call(
            "POST",
            self.posts_path(blog),
            write=True,
            token=tokens.access_token,
            json={"content": npf_content(text), "state": "published"},
        )
        return self.published(blog, body)

    def publish_origin(self) -> str:
        """Where `publish_async` connects: the API host."""
        return origin_of(self.api_base)

    def async_session(self, *, limit: int = 1000) -> aiohttp.ClientSession:
        """An aiohttp session for `publish_async`: bounded, capped, translated; the app key's
        windows read from every answer for the limiter (ratewindows.py)."""
        return bounded_session(
            policy=ANSWERS,
            seconds=self.timeout,
            limit=limit,
            observe=observe_rate_windows(rate_windows),
        )

    async def publish_async(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenSet,
        text: str,
        *,
        idempotency_key: str,
    ) -> PublishedPost:
        del idempotency_key
        blog = self.blog_of(tokens)
        body = await bearer_json_async(
            session,
            "POST",
            f"{self.api_base}{self.posts_path(blog)}",
            tokens.access_token,
            platform="Tumblr",
            write=True,
            json={"content": npf_content(text), "state": "published"},
        )
        return self.published(blog, body)

    def published(self, blog: str, body: Mapping[str, Any]) -> PublishedPost:
        response = body.get("response")
        post_id = response.get("id") if isinstance(response, dict) else None
        if not isinstance(post_id, str | int) or not str(post_id).isdigit():
            raise OutcomeUnknown("Tumblr accepted the post but returned no id")
        return PublishedPost(remote_id=str(post_id), url=self.post_url(blog, str(post_id)))

    def post_url(self, blog: str, post_id: str) -> str:
        return f"{self.web_base}/{quote(blog, safe='')}/{post_id}"

    def find_recent_post(
        self, tokens: TokenSet, *, account_id: str, text: str, limit: int = 20
    ) -> PublishedPost | None:
        """The chosen blog's latest post reading `text` (settles an OutcomeUnknown)."""
        blog = self.blog_of(tokens)
        body = self._call(
            "GET",
            self.posts_path(blog),
            write=False,
            token=tokens.access_token,
            params={"npf": "true", "limit": str(limit)},
        )
        response = body.get("response")
        found = response.get("posts") if isinstance(response, dict) else None
        for post in found if isinstance(found, list) else []:
            if not isinstance(post, dict):
                continue
            post_id = post.get("id_string") or post.get("id")
            if text_of(post.get("content")) == text and str(post_id).isdigit():
                return PublishedPost(remote_id=str(post_id), url=self.post_url(blog, str(post_id)))
        return None


def _token_set(body: Mapping[str, Any], previous: TokenSet | None = None) -> TokenSet:
    access = body.get("access_token")
    if not access:
        raise Rejected("Tumblr's token endpoint returned no access token")
    expires_at: datetime | None = None
    if body.get("expires_in") is not None:
        try:
            lifetime = timedelta(seconds=int(float(body["expires_in"])))
        except (TypeError, ValueError, OverflowError):
            raise Rejected("Tumblr's token endpoint gave an unreadable expires_in") from None
        expires_at = datetime.now(UTC) + lifetime
    refresh = body.get("refresh_token") or (previous.refresh_token if previous else None)
    scope = body.get("scope") or (previous.scope if previous else None)
    return TokenSet(
        access_token=str(access),
        refresh_token=str(refresh) if refresh else None,
        expires_at=expires_at,
        scope=str(scope) if scope else None,
        extras=dict(previous.extras) if previous else {},
    )
