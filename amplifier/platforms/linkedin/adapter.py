"""LinkedInAdapter: one LinkedIn app posting as the members who authorised it.

Facts, from Microsoft's LinkedIn documentation:

- Consent: `GET {oauth_base}/oauth/v2/authorization?response_type=code&client_id&redirect_uri
  &state&scope`, scopes `openid profile w_member_social` ("Sign In with LinkedIn using OpenID
  Connect", https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2;
  "Share on LinkedIn", .../consumer/integrations/self-serve/share-on-linkedin).
- Tokens: `POST {oauth_base}/oauth/v2/accessToken` (form, client id and secret in the body;
  "Authorization Code Flow", https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow).
  Access tokens last 60 days; refresh tokens are given to approved partners only, so a
  self-serve connection cannot be renewed: the member connects again.
- The member: `GET {api_base}/v2/userinfo` → `sub` (the member id, author
  `urn:li:person:{sub}`), `name`, `picture`. The id is kept in the tokens' extras.
- A post: `POST {api_base}/rest/posts` with `LinkedIn-Version: YYYYMM` and
  `X-Restli-Protocol-Version: 2.0.0`, JSON `{author, commentary, visibility, distribution,
  lifecycleState, isReshareDisabledByAuthor}`; 201 with the post's URN in `x-restli-id`
  ("Posts API", https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api).
  The commentary is little text, every reserved character escaped (`text.escape_little`).
  There is no idempotency key: an unknown outcome is settled by `find_recent_post`
  (`GET /rest/posts?q=author`, which needs `r_member_social`) or reported unconfirmed.

Every call goes through the bounded transports and `answers.ANSWERS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode

import aiohttp
import requests

from .._aio import async_network_error, bounded_session, origin_of
from .._http import DEFAULT_TIMEOUT, MAX_REDIRECTS, RoutingAdapter, network_error
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
from .answers import ANSWERS, POSTS_PATH, TOKEN_PATH, TokenRefused
from .text import MAX_CHARACTERS, escape_little, linkedin_text_problems, unescape_little

silence_token_loggers()

SCOPES = ("openid", "profile", "w_member_social")
READ_SCOPE = "r_member_social"
MEMBER = "member_id"  # the extras key of the member's id (userinfo's `sub`)
# A token that ends within this is not worth sending: it may die on the way.
EXPIRY_MARGIN = timedelta(hours=1)


def member_urn(member_id: str) -> str:
    return f"urn:li:person:{member_id}"


class LinkedInAdapter:
    """One LinkedIn app (client id and secret) acting for the members who authorised it."""

    name: ClassVar[str] = "linkedin"

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        version: str,
        api_base: str = "https://api.linkedin.com",
        oauth_base: str = "https://www.linkedin.com",
        web_base: str = "https://www.linkedin.com",
        read_posts: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self.version = version
        self.api_base = api_base.rstrip("/")
        self.oauth_base = oauth_base.rstrip("/")
        self.web_base = web_base.rstrip("/")
        self.read_posts = read_posts
        self.timeout = timeout
        self.scopes = (*SCOPES, READ_SCOPE) if read_posts else SCOPES
        self._session = requests.Session()
        transport = RoutingAdapter(timeout=timeout, policy=ANSWERS)
        self._session.mount("https://", transport)
        self._session.mount("http://", transport)
        self._session.max_redirects = MAX_REDIRECTS

    def __repr__(self) -> str:  # never show the secret
        return f"LinkedInAdapter(client_id={self.client_id!r}, api_base={self.api_base!r})"

    # ------------------------------------------------------------------ plumbing

    def rest_headers(self, token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "LinkedIn-Version": self.version,
            "X-Restli-Protocol-Version": "2.0.0",
            "Accept": "application/json",
        }

    def _call(self, method: str, url: str, *, write: bool, **kwargs: Any) -> requests.Response:
        try:
            return self._session.request(method, url, **kwargs)
        except requests.RequestException as exc:
            raise network_error(exc, write=write, platform="LinkedIn") from None

    def _json(self, response: requests.Response) -> dict[str, Any]:
        body = response.json() if response.content else {}
        return body if isinstance(body, dict) else {}

    # ------------------------------------------------------------------ OAuth

    def authorization_request(self, *, redirect_uri: str, state: str) -> AuthorizationRequest:
        """No PKCE: LinkedIn's web flow authenticates the app by its client secret."""
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "state": state,
                "scope": " ".join(self.scopes),
            }
        )
        return AuthorizationRequest(
            url=f"{self.oauth_base}/oauth/v2/authorization?{query}", state=state
        )

    def _token(self, form: Mapping[str, str]) -> dict[str, Any]:
        response = self._call(
            "POST",
            f"{self.oauth_base}{TOKEN_PATH}",
            write=False,
            data={**form, "client_id": self.client_id, "client_secret": self._client_secret},
            headers={"Accept": "application/json"},
        )
        return self._json(response)

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None) -> TokenSet:
        """Trade the code, then read the member's id (kept in the extras: every post names it)."""
        try:
            body = self._token(
                {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
            )
        except TokenRefused as exc:
            raise Rejected(
                "LinkedIn did not accept the sign-in (the link may have expired or been used "
                f"already): please connect your LinkedIn account again. LinkedIn said: "
                f"{exc.message}",
                status=exc.status,
            ) from None
        tokens = _token_set(body)
        member = self._userinfo(tokens.access_token).get("sub")
        if not isinstance(member, str) or not member:
            raise Rejected("LinkedIn's userinfo gave no member id (sub)")
        return TokenSet(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
            scope=tokens.scope,
            extras={**tokens.extras, MEMBER: member},
        )

    def refresh(self, tokens: TokenSet) -> TokenSet:
        """A self-serve LinkedIn token cannot be refreshed: unchanged while it lives, else
        AuthExpired (the member connects again). A partner app's refresh token is used."""
        if tokens.refresh_token:
            try:
                body = self._token(
                    {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}
                )
            except TokenRefused as exc:
                raise AuthExpired(
                    f"LinkedIn refused the refresh token ({exc.message}): reconnect",
                    status=exc.status,
                ) from None
            return _token_set(body, previous=tokens)
        if tokens.expires_at is not None and tokens.expires_at <= datetime.now(UTC) + (
            EXPIRY_MARGIN
        ):
            raise AuthExpired(
                "this LinkedIn connection has ended or is about to (LinkedIn connections last "
                "60 days and cannot be renewed): connect the account again"
            )
        return tokens

    # ------------------------------------------------------------------ API

    def _userinfo(self, access_token: str) -> dict[str, Any]:
        response = self._call(
            "GET",
            f"{self.api_base}/v2/userinfo",
            write=False,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        )
        return self._json(response)

    def profile(self, tokens: TokenSet) -> Profile:
        info = self._userinfo(tokens.access_token)
        member = info.get("sub")
        if not isinstance(member, str) or not member:
            raise Transient("LinkedIn returned no member for this token")
        name = info.get("name")
        if not isinstance(name, str) or not name.strip():
            given, family = info.get("given_name"), info.get("family_name")
            name = " ".join(str(p) for p in (given, family) if isinstance(p, str)) or member
        return Profile(
            account_id=member,
            handle=name,
            display_name=name,
            followers=0,  # LinkedIn's member APIs give no follower count to this app
            profile_url="",  # userinfo has no public profile address
        )

    def text_problems(self, text: str) -> list[str]:
        return linkedin_text_problems(text)

    def text_limit(self) -> TextLimit:
        return TextLimit(MAX_CHARACTERS, 0)  # a link counts as the characters it has

    def post_body(
        self, member_id: str, text: str, content: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The Posts API body; `content` (an image: media.py) goes along when given."""
        body: dict[str, Any] = {
            "author": member_urn(member_id),
            "commentary": escape_little(text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if content is not None:
            body["content"] = content
        return body

    def author_urn(self, tokens: TokenSet) -> str:
        """The member's URN from the tokens' extras (stored at connection); Rejected without."""
        member = tokens.extras.get(MEMBER)
        if not member:
            raise Rejected("this LinkedIn connection has no member id: connect the account again")
        return member_urn(member)

    def _member(self, tokens: TokenSet) -> str:
        member = tokens.extras.get(MEMBER)
        if member:
            return member
        found = self._userinfo(tokens.access_token).get("sub")
        if not isinstance(found, str) or not found:
            raise Transient("LinkedIn returned no member for this token")
        return found

    def publish(self, tokens: TokenSet, text: str, *, idempotency_key: str) -> PublishedPost:
        """Post `text` as the member. LinkedIn has no idempotency key (`idempotency_key` is
        unused): an OutcomeUnknown is settled by `find_recent_post`, never by resending."""
        del idempotency_key
        response = self._call(
            "POST",
            f"{self.api_base}{POSTS_PATH}",
            write=True,
            json=self.post_body(self._member(tokens), text),
            headers=self.rest_headers(tokens.access_token),
        )
        return self._published(response.headers.get("x-restli-id"))

    def publish_origin(self) -> str:
        """Where `publish_async` connects: the API host."""
        return origin_of(self.api_base)

    def async_session(self, *, limit: int = 1000) -> aiohttp.ClientSession:
        """An aiohttp session for `publish_async`: each call bounded by `timeout` in total, its
        answer capped and translated like the sync ones."""
        return bounded_session(policy=ANSWERS, seconds=self.timeout, limit=limit)

    async def publish_async(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenSet,
        text: str,
        *,
        idempotency_key: str,
        content: dict[str, Any] | None = None,
    ) -> PublishedPost:
        """`publish` on the release's shared session. The member id comes from the extras
        (stored at connection), so a post is one call; `content` names a staged image."""
        del idempotency_key
        member = self.author_urn(tokens).removeprefix("urn:li:person:")
        try:
            async with session.post(
                f"{self.api_base}{POSTS_PATH}",
                json=self.post_body(member, text, content),
                headers=self.rest_headers(tokens.access_token),
            ) as response:
                urn = response.headers.get("x-restli-id")
        except PlatformError:
            raise
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise async_network_error(exc, write=True, platform="LinkedIn") from None
        return self._published(urn)

    def _published(self, urn: str | None) -> PublishedPost:
        if not urn or not urn.startswith("urn:li:"):
            raise OutcomeUnknown("LinkedIn accepted the post but gave no post id (x-restli-id)")
        return PublishedPost(remote_id=urn, url=self.post_url(urn))

    def post_url(self, urn: str) -> str:
        return f"{self.web_base}/feed/update/{urn}/"

    def find_recent_post(
        self, tokens: TokenSet, *, account_id: str, text: str, count: int = 20
    ) -> PublishedPost | None:
        """The member's latest post reading `text` (settles an OutcomeUnknown); needs the
        `r_member_social` permission (AMPLIFIER_LINKEDIN_READ_POSTS)."""
        response = self._call(
            "GET",
            f"{self.api_base}{POSTS_PATH}",
            write=False,
            params={
                "q": "author",
                "author": member_urn(account_id),
                "count": str(count),
                "sortBy": "LAST_MODIFIED",
            },
            headers=self.rest_headers(tokens.access_token),
        )
        elements = self._json(response).get("elements")
        for post in elements if isinstance(elements, list) else []:
            if not isinstance(post, dict):
                continue
            commentary, urn = post.get("commentary"), post.get("id")
            readable = isinstance(commentary, str) and isinstance(urn, str)
            if readable and unescape_little(str(commentary)) == text:
                return PublishedPost(remote_id=str(urn), url=self.post_url(str(urn)))
        return None


def _token_set(body: Mapping[str, Any], previous: TokenSet | None = None) -> TokenSet:
    access = body.get("access_token")
    if not access:
        raise Rejected("LinkedIn's token endpoint returned no access token")
    expires_at: datetime | None = None
    if body.get("expires_in") is not None:
        try:
            lifetime = timedelta(seconds=int(float(body["expires_in"])))
        except (TypeError, ValueError, OverflowError):
            raise Rejected("LinkedIn's token endpoint gave an unreadable expires_in") from None
        expires_at = datetime.now(UTC) + lifetime
    refresh = body.get("refresh_token") or (previous.refresh_token if previous else None)
    scope = body.get("scope")
    if isinstance(scope, str):
        scope = " ".join(scope.replace(",", " ").split())  # LinkedIn separates with commas
    else:
        scope = previous.scope if previous else None
    return TokenSet(
        access_token=str(access),
        refresh_token=str(refresh) if refresh else None,
        expires_at=expires_at,
        scope=scope or None,
        extras=dict(previous.extras) if previous else {},
    )
