"""ThreadsAdapter: a post from the supporter's own Threads profile.

Documentation followed (https://developers.facebook.com/docs/threads):

- OAuth: `{authorize_url}?client_id&redirect_uri&scope=threads_basic,threads_content_publish
  &response_type=code&state`; the code exchanged at `POST /oauth/access_token` for a short-lived
  token (and the profile's `user_id`), then `GET /access_token?grant_type=th_exchange_token`
  for a long-lived one: 60 days, refreshable with `GET /refresh_access_token?grant_type=
  th_refresh_token` once at least 24 hours old and before it lapses (a lapsed token cannot be
  refreshed: the supporter must reconnect).
- Publishing is two steps: `POST /{user}/threads` (`media_type=TEXT`, `text`) creates a media
  container; `POST /{user}/threads_publish` (`creation_id`) publishes it. A container never
  published is harmless. The post's address is its `permalink` (`GET /{media-id}`).
- Staged (the `Staging` seam, staging.py): the container is made during preparation and its
  status checked (`GET /{container}?fields=status`); it keeps 24 hours unpublished; at T only
  `threads_publish` is sent, naming the container kept on the delivery row, so a repeat after
  an unknown outcome publishes the same container, or finds it PUBLISHED (then Duplicate: the
  engine looks for the post instead of making another).
- No idempotency key: an unknown outcome is settled by reading `GET /{user}/threads`.
- Before T, each pledge's publishing quota (250 posts a day) is checked: preparing.py.
- Followers: `GET /{user}/threads_insights?metric=followers_count` (threads_manage_insights).
- Images: media.py (an IMAGE container with the picture's public address and alt text).
- Errors and usage headers: meta/answers.py (Graph's error object).
"""

from __future__ import annotations

from collections.abc import Coroutine, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode

import aiohttp

from .._aio import bearer_json_async, bounded_session, origin_of
from .._http import DEFAULT_TIMEOUT
from ..base import (
    AuthExpired,
    AuthorizationRequest,
    Draft,
    Duplicate,
    OutcomeUnknown,
    PlatformError,
    Profile,
    PublishedPost,
    Rejected,
    Staged,
    TextLimit,
    TokenSet,
    Transient,
)
from ..logging_guard import silence_token_loggers
from ..meta.answers import GraphAnswers
from ..meta.oauth import graph_call, graph_session, token_set
from ..meta.usage import app_usage_windows
from ..ratewindows import observe_rate_windows
from .insights import followers
from .media import container_fields
from .preparing import check_publishing_quota, wait_until_finished
from .text import MAX_CHARACTERS, text_problems

silence_token_loggers()

SCOPES = ("threads_basic", "threads_content_publish", "threads_manage_insights")
LABEL = "Threads"
USER_ID = "threads_user_id"  # in TokenSet.extras
LONG_LIVED = timedelta(days=60)
CONTAINER_LIFE = timedelta(hours=24)  # an unpublished container expires after a day
REFRESHABLE_AFTER = timedelta(hours=24)


class ThreadsAdapter:
    name: ClassVar[str] = "threads"

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        graph_base: str,
        api_version: str,
        authorize_url: str,
        web_base: str,
        timeout: float = DEFAULT_TIMEOUT,
        public_url: str = "",
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self.root = graph_base.rstrip("/")
        self.graph = f"{self.root}/{api_version}"
        self.authorize_url = authorize_url
        self.web_base = web_base.rstrip("/")
        self.timeout = timeout
        self._usage = app_usage_windows()  # X-App-Usage paces (meta/usage.py)
        self.public_url = public_url  # where Threads fetches a post's image (media.py)
        self._answers = GraphAnswers(LABEL, write_suffix="/threads_publish")
        self._session = graph_session(self._answers, timeout)

    def __repr__(self) -> str:  # never show the secret
        return f"ThreadsAdapter(graph={self.graph!r})"

    def call(self, method: str, url: str, token: str | None = None, **kw: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return graph_call(
            self._session, method, url, write=False, label=LABEL, headers=headers, **kw
        )

    # ------------------------------------------------------------------ connecting

    def authorization_request(self, *, redirect_uri: str, state: str) -> AuthorizationRequest:
        query = urlencode(
            {
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": ",".join(SCOPES),
                "response_type": "code",
                "state": state,
            }
        )
        return AuthorizationRequest(url=f"{self.authorize_url}?{query}", state=state)

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None) -> TokenSet:
        try:
            short = self.call(
                "POST",
                f"{self.root}/oauth/access_token",
                data={
                    "client_id": self.client_id,
                    "client_secret": self._client_secret,
                    "grant_type": "authorization_code",
                    "redirect_uri": redirect_uri,
                    "code": code,
                },
            )
            long = self.call(
                "GET",
                f"{self.root}/access_token",
                params={
                    "grant_type": "th_exchange_token",
                    "client_secret": self._client_secret,
                    "access_token": token_set(short, label=LABEL).access_token,
                },
            )
        except (Rejected, AuthExpired) as exc:
            raise Rejected(
                f"Threads did not accept the sign-in (the link may have expired or been used "
                f"already): please connect again. ({exc.message})",
                status=exc.status,
            ) from None
        tokens = token_set(long, label=LABEL, scope=",".join(SCOPES))
        user_id = short.get("user_id")
        extras = {USER_ID: str(user_id)} if user_id is not None else {}
        return TokenSet(tokens.access_token, None, tokens.expires_at, tokens.scope, extras)

    def refresh(self, tokens: TokenSet, *, now: datetime | None = None) -> TokenSet:
        """A new 60-day token, when this one is at least 24 hours old (Threads refuses younger
        ones; a token that young is valid for about 59 days more and is returned as it is).
        A lapsed token cannot be refreshed at all: AuthExpired, the supporter reconnects."""
        if tokens.expires_at is None:
            return tokens
        now = now or datetime.now(UTC)
        if tokens.expires_at <= now:
            raise AuthExpired("the Threads token lapsed and cannot be refreshed: reconnect")
        if now - (tokens.expires_at - LONG_LIVED) < REFRESHABLE_AFTER:
            return tokens
        try:
            body = self.call(
                "GET",
                f"{self.root}/refresh_access_token",
                params={"grant_type": "th_refresh_token", "access_token": tokens.access_token},
            )
        except Rejected as exc:
            raise AuthExpired(
                f"Threads refused to refresh the token ({exc.message}): reconnect"
            ) from None
        fresh = token_set(body, label=LABEL, scope=tokens.scope)
        return TokenSet(
            fresh.access_token, None, fresh.expires_at, fresh.scope, dict(tokens.extras)
        )

    def profile(self, tokens: TokenSet) -> Profile:
        me = self.call(
            "GET", f"{self.graph}/me", tokens.access_token, params={"fields": "id,username,name"}
        )
        username = me.get("username")
        if me.get("id") is None or not isinstance(username, str) or not username:
            raise Transient("Threads returned no profile for this token")
        return Profile(
            str(me["id"]),
            f"@{username}",
            str(me.get("name") or username),
            followers(self, tokens, str(me["id"])),
            f"{self.web_base}/@{username}",
        )

    # ------------------------------------------------------------------ text

    def text_problems(self, text: str) -> list[str]:
        return text_problems(text)

    def text_limit(self) -> TextLimit:
        return TextLimit(MAX_CHARACTERS, 0)

    # ------------------------------------------------------------------ publishing

    def publish_origin(self) -> str:
        """Where `publish_async` connects: the Threads Graph API host."""
        return origin_of(self.graph)

    def async_session(self, *, limit: int = 1000) -> aiohttp.ClientSession:
        return bounded_session(
            policy=self._answers,
            seconds=self.timeout,
            limit=limit,
            observe=observe_rate_windows(self._usage),
        )

    def get_json(
        self, session: aiohttp.ClientSession, url: str, token: str, params: dict[str, str]
    ) -> Coroutine[Any, Any, dict[str, Any]]:
        """A read on the async path; a network failure is Transient (nothing was posted).
        Not itself async: the shared call is awaited directly, with no frame of its own."""
        return bearer_json_async(
            session, "GET", url, token, platform=LABEL, write=False, params=params
        )

    def _post(
        self,
        session: aiohttp.ClientSession,
        url: str,
        token: str,
        data: dict[str, str],
        *,
        write: bool,
    ) -> Coroutine[Any, Any, dict[str, Any]]:
        return bearer_json_async(
            session, "POST", url, token, platform=LABEL, write=write, data=data
        )

    async def _container(
        self, session: aiohttp.ClientSession, tokens: TokenSet, draft: Draft
    ) -> str:
        """A media container holding `draft` (its text, and its image by address: media.py);
        nothing is published by it."""
        user = tokens.extras.get(USER_ID) or "me"
        try:
            fields = container_fields(draft, self.public_url)
        except ValueError as exc:
            raise Rejected(f"Threads cannot take this post's image: {exc}") from None
        container = await self._post(
            session, f"{self.graph}/{user}/threads", tokens.access_token, fields, write=False
        )
        creation_id = container.get("id")
        if not isinstance(creation_id, str | int) or not str(creation_id):
            raise Transient("Threads made no container for the post (no id): nothing was published")
        return str(creation_id)

    async def status(
        self, session: aiohttp.ClientSession, tokens: TokenSet, container_id: str
    ) -> str:
        """The container's status (FINISHED, IN_PROGRESS, PUBLISHED, EXPIRED); ERROR is
        Rejected with Meta's reason (an image it could not fetch or read, say)."""
        body = await self.get_json(
            session,
            f"{self.graph}/{container_id}",
            tokens.access_token,
            {"fields": "status,error_message"},
        )
        status = body.get("status")
        if status == "ERROR":
            raise Rejected(f"Threads refused the post: {body.get('error_message') or 'no reason'}")
        return str(status or "")

    def needs_staging(self, draft: Draft) -> bool:
        return True  # every Threads post is a container first

    async def stage_async(
        self, session: aiohttp.ClientSession, tokens: TokenSet, draft: Draft
    ) -> Staged:
        """The profile's publishing quota checked (Rejected when none is left: the post would
        be refused at T), then the container, made and checked: a text one is ready at once,
        an image one once Meta fetched the picture (polled, IN_PROGRESS meanwhile)."""
        await check_publishing_quota(self, session, tokens)
        made_at = datetime.now(UTC)
        container_id = await self._container(session, tokens, draft)
        await wait_until_finished(self, session, tokens, container_id)
        return Staged((container_id,), made_at + CONTAINER_LIFE)

    async def publish_staged_async(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenSet,
        draft: Draft,
        staged: Staged,
        *,
        idempotency_key: str,
    ) -> PublishedPost:
        """Only `threads_publish` of the staged container. Refused because that container is
        already published (an earlier try of ours whose answer was lost): Duplicate."""
        (container_id,) = staged.remote_ids[:1]
        try:
            return await self._publish(session, tokens, container_id)
        except Rejected as refused:
            if await self.status(session, tokens, container_id) == "PUBLISHED":
                raise Duplicate(
                    f"Threads already published this post's container ({refused.message})"
                ) from None
            raise

    async def publish_async(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenSet,
        text: str,
        *,
        idempotency_key: str,
    ) -> PublishedPost:
        """Unstaged: the container, then its publication. A failure while making the container
        leaves nothing published (Transient, Rejected…); only `threads_publish` can end unknown."""
        container_id = await self._container(session, tokens, Draft(text))
        return await self._publish(session, tokens, container_id)

    async def _publish(
        self, session: aiohttp.ClientSession, tokens: TokenSet, creation_id: str
    ) -> PublishedPost:
        user = tokens.extras.get(USER_ID) or "me"
        published = await self._post(
            session,
            f"{self.graph}/{user}/threads_publish",
            tokens.access_token,
            {"creation_id": creation_id},
            write=True,
        )
        media_id = published.get("id")
        if not isinstance(media_id, str | int) or not str(media_id):
            raise OutcomeUnknown("Threads accepted the publication but returned no id")
        return PublishedPost(str(media_id), await self._permalink(session, tokens, str(media_id)))

    async def _permalink(
        self, session: aiohttp.ClientSession, tokens: TokenSet, media_id: str
    ) -> str | None:
        """The post's address; the post is out whatever this answers (None on any failure)."""
        try:
            body = await self.get_json(
                session, f"{self.graph}/{media_id}", tokens.access_token, {"fields": "permalink"}
            )
        except (PlatformError, ValueError):
            return None
        link = body.get("permalink")
        return link if isinstance(link, str) else None

    # ------------------------------------------------------------------ settling

    def find_recent_post(
        self, tokens: TokenSet, *, account_id: str, text: str
    ) -> PublishedPost | None:
        """The profile's latest 25 posts, looked through for `text` (`GET /{user}/threads`)."""
        user = tokens.extras.get(USER_ID) or account_id
        body = self.call(
            "GET",
            f"{self.graph}/{user}/threads",
            tokens.access_token,
            params={"fields": "id,text,permalink", "limit": "25"},
        )
        data = body.get("data")
        for post in data if isinstance(data, list) else []:
            if isinstance(post, Mapping) and post.get("text") == text and post.get("id"):
                link = post.get("permalink")
                return PublishedPost(str(post["id"]), link if isinstance(link, str) else None)
        return None
