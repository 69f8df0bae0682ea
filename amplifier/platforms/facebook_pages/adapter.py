"""FacebookPagesAdapter: posting as a Facebook Page the supporter manages.

Documentation followed (Pages API, https://developers.facebook.com/docs/pages-api/getting-started):

- Facebook Login (meta/oauth.py) with `pages_show_list`, `pages_manage_posts`,
  `pages_read_engagement`; the short-lived user token is exchanged for a long-lived one.
- `GET /me/accounts` lists the Pages the person may act on, each with a Page access token and
  the person's `tasks` on it; posting needs `CREATE_CONTENT`. A Page token got from a
  long-lived user token does not expire. The chosen Page's token and id are what a pledge
  keeps (`extras["page_id"]`); the user token is dropped.
- `POST /{page-id}/feed` with `message` creates the post: `{"id": "{page-id}_{post-id}"}`.
  There is no idempotency key: an unknown outcome is settled by reading `GET /{page-id}/feed`.
- Errors and usage headers: meta/answers.py; a photo with the post: media.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import aiohttp

from .._aio import bearer_json_async, bounded_session, origin_of
from .._http import DEFAULT_TIMEOUT
from ..base import (
    Account,
    AuthExpired,
    AuthorizationRequest,
    ChosenAccount,
    OutcomeUnknown,
    Profile,
    PublishedPost,
    TextLimit,
    TokenSet,
    Transient,
)
from ..logging_guard import silence_token_loggers
from ..meta.answers import GraphAnswers
from ..meta.oauth import dialog_url, exchange_code_long_lived, graph_call, graph_session
from ..meta.usage import app_usage_windows
from ..ratewindows import observe_rate_windows
from .text import MAX_CHARACTERS, text_problems

silence_token_loggers()

SCOPES = ("pages_show_list", "pages_manage_posts", "pages_read_engagement")
PAGE_FIELDS = "id,name,username,link,followers_count"
PAGE_ID = "page_id"  # the chosen Page, in TokenSet.extras
POSTING_TASK = "CREATE_CONTENT"
LABEL = "Facebook"
MAX_PAGES = 100  # one page of /me/accounts; nobody posts for more Pages than that


class FacebookPagesAdapter:
    name: ClassVar[str] = "facebook_pages"

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        graph: str,
        dialog: str,
        web_base: str,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self.graph = graph.rstrip("/")
        self.dialog = dialog
        self.web_base = web_base.rstrip("/")
        self.timeout = timeout
        self._usage = app_usage_windows()  # X-App-Usage paces (meta/usage.py)
        self._answers = GraphAnswers(LABEL, write_suffix="/feed")
        self._session = graph_session(self._answers, timeout)

    def __repr__(self) -> str:  # never show the secret
        return f"FacebookPagesAdapter(graph={self.graph!r})"

    def _get(self, path: str, token: str, **params: Any) -> dict[str, Any]:
        return graph_call(
            self._session,
            "GET",
            f"{self.graph}{path}",
            write=False,
            label=LABEL,
            params=params,
            headers={"Authorization": f"Bearer {token}"},
        )

    # ------------------------------------------------------------------ connecting

    def authorization_request(self, *, redirect_uri: str, state: str) -> AuthorizationRequest:
        url = dialog_url(
            self.dialog,
            client_id=self.client_id,
            redirect_uri=redirect_uri,
            state=state,
            scopes=SCOPES,
        )
        return AuthorizationRequest(url=url, state=state)

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None) -> TokenSet:
        return exchange_code_long_lived(
            self._session,
            self.graph,
            client_id=self.client_id,
            client_secret=self._client_secret,
            code=code,
            redirect_uri=redirect_uri,
            label=LABEL,
            scope=",".join(SCOPES),
        )

    def refresh(self, tokens: TokenSet) -> TokenSet:
        """A Page token from a long-lived user token does not expire, and Facebook has no
        refresh grant: the tokens are returned as they are (a dead one fails as AuthExpired)."""
        return tokens

    def profile(self, tokens: TokenSet) -> Profile:
        """The chosen Page (`extras["page_id"]`), else the person the user token is for."""
        page_id = tokens.extras.get(PAGE_ID)
        if page_id:
            return _page_profile(self._get(f"/{page_id}", tokens.access_token, fields=PAGE_FIELDS))
        me = self._get("/me", tokens.access_token, fields="id,name")
        if me.get("id") is None:
            raise Transient("Facebook returned no account for this token")
        name = str(me.get("name") or me["id"])
        return Profile(str(me["id"]), name, name, 0, "")

    # ------------------------------------------------------------------ choosing the Page

    def _pages(self, tokens: TokenSet) -> list[dict[str, Any]]:
        body = self._get(
            "/me/accounts",
            tokens.access_token,
            fields=f"{PAGE_FIELDS},access_token,tasks",
            limit=str(MAX_PAGES),
        )
        data = body.get("data")
        pages = [p for p in data if isinstance(p, dict)] if isinstance(data, list) else []
        return [
            p
            for p in pages
            if p.get("id") is not None
            and isinstance(p.get("access_token"), str)
            and POSTING_TASK in (p.get("tasks") or [])
        ]

    def list_accounts(self, tokens: TokenSet) -> list[Account]:
        """The Pages where the person holds the CREATE_CONTENT task, most followers first."""
        accounts = [_account(p) for p in self._pages(tokens)]
        return sorted(accounts, key=lambda a: -a.followers)

    def choose_account(self, tokens: TokenSet, account_id: str) -> ChosenAccount:
        for page in self._pages(tokens):
            if str(page["id"]) == account_id:
                chosen = TokenSet(
                    access_token=str(page["access_token"]),
                    scope=tokens.scope,
                    extras={**tokens.extras, PAGE_ID: account_id},
                )
                return ChosenAccount(chosen, _page_profile(page))
        raise LookupError(f"the token does not reach Page {account_id} with {POSTING_TASK}")

    # ------------------------------------------------------------------ text

    def text_problems(self, text: str) -> list[str]:
        return text_problems(text)

    def text_limit(self) -> TextLimit:
        return TextLimit(MAX_CHARACTERS, 0)  # a link counts as the characters it has

    # ------------------------------------------------------------------ publishing

    def publish_origin(self) -> str:
        """Where `publish_async` connects: the Graph API host."""
        return origin_of(self.graph)

    def async_session(self, *, limit: int = 1000) -> aiohttp.ClientSession:
        return bounded_session(
            policy=self._answers,
            seconds=self.timeout,
            limit=limit,
            observe=observe_rate_windows(self._usage),
        )

    async def publish_async(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenSet,
        text: str,
        *,
        idempotency_key: str,
    ) -> PublishedPost:
        """`POST /{page-id}/feed`; Facebook takes no idempotency key (settle by `finder`)."""
        return await self.post_feed_async(session, tokens, {"message": text})

    async def post_feed_async(
        self, session: aiohttp.ClientSession, tokens: TokenSet, fields: Mapping[str, str]
    ) -> PublishedPost:
        """`POST /{page-id}/feed` with `fields` (`message`, and `attached_media[0]` for a photo
        staged unpublished: media.py); a network failure after sending is OutcomeUnknown."""
        body = await bearer_json_async(
            session,
            "POST",
            f"{self.graph}/{page_id_of(tokens)}/feed",
            tokens.access_token,
            platform=LABEL,
            write=True,
            data=dict(fields),
        )
        return self._published(body)

    def _published(self, body: Mapping[str, Any]) -> PublishedPost:
        post_id = body.get("id")
        if not isinstance(post_id, str) or not post_id:
            raise OutcomeUnknown("Facebook accepted the post but returned no id")
        return PublishedPost(remote_id=post_id, url=f"{self.web_base}/{post_id}")

    # ------------------------------------------------------------------ settling

    def find_recent_post(
        self, tokens: TokenSet, *, account_id: str, text: str
    ) -> PublishedPost | None:
        """The Page's latest 25 posts, looked through for `text` (`GET /{page-id}/feed`)."""
        body = self._get(
            f"/{page_id_of(tokens)}/feed", tokens.access_token, fields="id,message", limit="25"
        )
        data = body.get("data")
        for post in data if isinstance(data, list) else []:
            if isinstance(post, dict) and post.get("message") == text and post.get("id"):
                return self._published(post)
        return None


def page_id_of(tokens: TokenSet) -> str:
    page_id = tokens.extras.get(PAGE_ID)
    if not page_id:
        raise AuthExpired("this Facebook connection names no Page: the supporter must reconnect")
    return page_id


def _followers(page: Mapping[str, Any]) -> int:
    value = page.get("followers_count")
    return value if isinstance(value, int) and value >= 0 else 0


def _account(page: Mapping[str, Any]) -> Account:
    name = str(page.get("name") or page["id"])
    return Account(str(page["id"]), name, str(page.get("link") or ""), _followers(page))


def _page_profile(page: Mapping[str, Any]) -> Profile:
    if page.get("id") is None:
        raise Transient("Facebook returned no Page for this token")
    name = str(page.get("name") or page["id"])
    handle = str(page.get("username") or name)
    return Profile(str(page["id"]), handle, name, _followers(page), str(page.get("link") or ""))
