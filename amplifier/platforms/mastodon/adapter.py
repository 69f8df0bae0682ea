"""MastodonAdapter: one Mastodon server, through the OAuth app amplifier registered there.

- Consent: `GET /oauth/authorize?response_type=code&client_id&redirect_uri&scope&state`.
- Tokens: `POST /oauth/token` with `client_id`/`client_secret` in the form. Mastodon access
  tokens do not expire unless revoked, so `refresh` normally returns the tokens unchanged.
- Calls: `GET /api/v1/accounts/verify_credentials`, `POST /api/v1/statuses` with an
  `Idempotency-Key` header (Mastodon remembers a key for about an hour and answers a repeat with
  the status it already created).

Both faces, requests (`publish`, OAuth, profile) and aiohttp (`publish_async`), go through
bounded transports and `answers.MastodonAnswers`: one deadline, one cap, one translation.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote, urlencode, urlsplit

import aiohttp

from .._aio import async_network_error, bounded_session
from .._http import DEFAULT_TIMEOUT
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
from ..egress import PublicOnlyResolver
from ..logging_guard import silence_token_loggers
from ..ratewindows import mastodon_rate_windows, observe_rate_windows
from .answers import STATUSES_PATH, MastodonAnswers
from .instance import SCOPES, json_call, session
from .text import DEFAULT_MAX_CHARACTERS as MASTODON_DEFAULT_MAX
from .text import DEFAULT_URL_LENGTH as MASTODON_URL_LENGTH
from .text import text_problems as mastodon_text_problems

silence_token_loggers()


class MastodonAdapter:
    """One Mastodon instance, through the OAuth app amplifier registered there."""

    name: ClassVar[str] = "mastodon"

    def __init__(
        self,
        *,
        instance_url: str,
        client_id: str,
        client_secret: str,
        max_characters: int = MASTODON_DEFAULT_MAX,
        timeout: float = DEFAULT_TIMEOUT,
        characters_reserved_per_url: int = MASTODON_URL_LENGTH,
        public_only: bool = True,
        account_domain: str | None = None,
    ) -> None:
        self.instance_url = instance_url.rstrip("/")
        self.domain = urlsplit(self.instance_url).netloc
        # the server's own `domain` names its accounts; the host is only a fallback
        self.account_domain = account_domain or self.domain
        self.client_id = client_id
        self._client_secret = client_secret
        self.max_characters = max_characters
        self.characters_reserved_per_url = characters_reserved_per_url
        self.timeout = timeout
        self.public_only = public_only  # supporters name the host: see egress.py
        self._session = session(self.instance_url, timeout, public_only=public_only)
        self._answers = MastodonAnswers(self.domain)

    def __repr__(self) -> str:  # never show the secret
        return f"MastodonAdapter(instance_url={self.instance_url!r})"

    # ------------------------------------------------------------------ plumbing

    def _request(
        self,
        method: str,
        path: str,
        *,
        write: bool,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        return json_call(
            self._session,
            method,
            f"{self.instance_url}{path}",
            write=write,
            host=self.domain,
            headers=all_headers,
            data=data,
        )

    # ------------------------------------------------------------------ OAuth

    def authorization_request(self, *, redirect_uri: str, state: str) -> AuthorizationRequest:
        """No PKCE: Mastodon only supports it from 4.3, and the confidential client suffices."""
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(SCOPES),
                "state": state,
            }
        )
        return AuthorizationRequest(url=f"{self.instance_url}/oauth/authorize?{query}", state=state)

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None) -> TokenSet:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            "redirect_uri": redirect_uri,
            "scope": " ".join(SCOPES),
        }
        if code_verifier:
            form["code_verifier"] = code_verifier
        try:
            body = self._request("POST", "/oauth/token", write=False, data=form)
        except (Rejected, AuthExpired) as exc:
            raise Rejected(
                f"{self.domain} did not accept the sign-in (the link may have expired or been "
                f"used already): please connect your Mastodon account again. ({exc.message})",
                status=exc.status,
            ) from None
        return _token_set(body)

    def refresh(self, tokens: TokenSet) -> TokenSet:
        """Mastodon tokens do not expire: unchanged, unless the server gave an expiry and a
        refresh token (then the refresh_token grant is used; a refusal raises AuthExpired)."""
        if tokens.expires_at is None or not tokens.refresh_token:
            return tokens
        form = {
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
            "client_id": self.client_id,
            "client_secret": self._client_secret,
        }
        try:
            body = self._request("POST", "/oauth/token", write=False, data=form)
        except Rejected as exc:
            raise AuthExpired(
                f"{self.domain} refused the refresh token ({exc.message}): reconnect",
                status=exc.status,
            ) from None
        return _token_set(body, previous=tokens)

    # ------------------------------------------------------------------ API

    def profile(self, tokens: TokenSet) -> Profile:
        account = self._request(
            "GET", "/api/v1/accounts/verify_credentials", write=False, token=tokens.access_token
        )
        username = account.get("username")
        if not isinstance(username, str) or not username or account.get("id") is None:
            raise Transient(f"{self.domain} returned no account for this token")
        followers = account.get("followers_count")
        return Profile(
            account_id=str(account["id"]),
            handle=f"@{username}@{self.account_domain}",
            display_name=str(account.get("display_name") or username),
            followers=followers if isinstance(followers, int) and followers >= 0 else 0,
            profile_url=str(account.get("url") or f"{self.instance_url}/@{username}"),
        )

    def text_problems(self, text: str) -> list[str]:
        return mastodon_text_problems(
            text, self.max_characters, url_length=self.characters_reserved_per_url
        )

    def text_limit(self) -> TextLimit:
        return TextLimit(self.max_characters, self.characters_reserved_per_url)

    def publish(self, tokens: TokenSet, text: str, *, idempotency_key: str) -> PublishedPost:
        """Post a public status with `Idempotency-Key: idempotency_key`.

        Mastodon keeps the key for about an hour: after an OutcomeUnknown, calling `publish`
        again with the same key is safe and returns the status if the first call created it.
        """
        status = self._request(
            "POST",
            STATUSES_PATH,
            write=True,
            token=tokens.access_token,
            headers={"Idempotency-Key": idempotency_key},
            data={"status": text, "visibility": "public"},
        )
        return self._published(status)

    def delete_post(self, tokens: TokenSet, remote_id: str) -> None:
        """`DELETE /api/v1/statuses/:id` (docs.joinmastodon.org/methods/statuses/#delete):
        scope write:statuses; answers the deleted Status. 404 "Record not found" is a status
        already gone (or never this account's, which the pledge's own id rules out)."""
        try:
            self._request(
                "DELETE", f"{STATUSES_PATH}/{quote(remote_id, safe='')}", write=True,
                token=tokens.access_token,
            )  # fmt: skip
        except Rejected as exc:
            if exc.status != 404:
                raise

    def publish_origin(self) -> str:
        """Where `publish_async` connects: the instance itself."""
        return self.instance_url

    def async_session(self, *, limit: int = 1000) -> aiohttp.ClientSession:
        """An aiohttp session for `publish_async` against this instance: every call bounded
        by `timeout` in total, its answer capped and translated like the sync ones."""
        return bounded_session(
            policy=self._answers,
            seconds=self.timeout,
            limit=limit,
            resolver=PublicOnlyResolver() if self.public_only else None,
            # read by the release's limiter: every answer's windows, 429s included
            observe=observe_rate_windows(mastodon_rate_windows),
        )

    async def publish_async(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenSet,
        text: str,
        *,
        idempotency_key: str,
    ) -> PublishedPost:
        """`publish` for the release fan-out: the same request and the same translation, on a
        shared aiohttp session (the release engine sends thousands of these at once)."""
        fields = [("status", text), ("visibility", "public")]
        return await self.post_status_async(session, tokens, fields, idempotency_key)

    async def post_status_async(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenSet,
        fields: list[tuple[str, str]],
        idempotency_key: str,
    ) -> PublishedPost:
        """`POST /api/v1/statuses` with these form fields (media.py adds `media_ids[]`).

        The form is encoded here, not by aiohttp's FormData: that builds a multipart writer (and
        a uuid4 boundary) for every post even when it sends a urlencoded form, which showed in
        the release's profile; the bytes on the wire are the same."""
        try:
            async with session.post(
                f"{self.instance_url}{STATUSES_PATH}",
                data=urlencode(fields).encode("ascii"),
                headers={
                    "Authorization": f"Bearer {tokens.access_token}",
                    "Idempotency-Key": idempotency_key,
                    "Accept": "application/json",
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            ) as response:
                body = await response.json(content_type=None)
        except PlatformError:
            raise
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise async_network_error(exc, write=True, platform=self.domain) from None
        return self._published(body if isinstance(body, dict) else {})

    def _published(self, status: Mapping[str, Any]) -> PublishedPost:
        status_id = status.get("id")
        if status_id is None:
            raise OutcomeUnknown(f"{self.domain} accepted the post but returned no id")
        url = status.get("url") or status.get("uri")
        # only the server's own http(s) address becomes a link (PublishedPost checks it): a
        # made-up one could point nowhere, and a hostile one must not reach a report
        return PublishedPost(remote_id=str(status_id), url=url if isinstance(url, str) else None)


def _token_set(body: Mapping[str, Any], previous: TokenSet | None = None) -> TokenSet:
    access = body.get("access_token")
    if not access:
        raise Rejected("the Mastodon server returned no access token")
    expires_at: datetime | None = None
    if body.get("expires_in") is not None:
        try:
            lifetime = timedelta(seconds=int(float(body["expires_in"])))
        except (TypeError, ValueError, OverflowError):
            raise Rejected("the Mastodon server gave an unreadable expires_in") from None
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
