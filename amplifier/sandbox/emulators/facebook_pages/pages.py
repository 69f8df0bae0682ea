"""Who manages which Page: the emulator's own record, set through ``POST /_sandbox/pages``.

A person who was given no Pages manages one by default (named after them, with their
followers), so a pledge through the consent page works without setup; ``{"username": …,
"pages": []}`` leaves them none, and a Page left out of a new list is lost (its tokens stop
working, as a Page token does when its person loses their task on the Page).

``POST /_sandbox/page-tokens`` ``{"users": [{"username", "followers"?}, ...]}`` signs people in
in bulk (what a consent and ``/me/accounts`` would give, without either, for the benchmark):
each person's first Page and a Page token of it, ``{"tokens": [{"username", "user_id" (the
Page's id), "page_username", "access_token"}]}``.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from amplifier.sandbox.kit.state import HostState, User
from amplifier.sandbox.kit.web_util import host_state, json_response, read_params

ALL_TASKS = ("ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE")


@dataclass(frozen=True)
class Page:
    user: User  # the Page as the kit's account: its posts are stored under it
    tasks: tuple[str, ...]


class PageBook:
    """Pages by person (the kit user's id: a reset makes new ids, so nothing stale matches) and
    the Page each Page token was issued for."""

    def __init__(self) -> None:
        self._chosen: dict[str, list[tuple[str, tuple[str, ...]]]] = {}  # person id -> pages
        self.page_tokens: dict[str, str] = {}  # Page token -> Page (kit user) id

    def pages_of(self, state: HostState, person: User) -> list[Page]:
        listed = self._chosen.get(person.id)
        if listed is None:
            page = state.get_or_create_user(f"{person.username}.page", person.followers)
            page.name = f"{person.name} Page"
            return [Page(page, ALL_TASKS)]
        pages = []
        for page_id, tasks in listed:
            user = state.users.get(page_id)
            if user is not None:
                pages.append(Page(user, tasks))
        return pages

    def page_for_token(self, token: str) -> str | None:
        return self.page_tokens.get(token)

    async def mint_page_tokens(self, request: web.Request) -> web.StreamResponse:
        state = host_state(request)
        params = await read_params(request)
        users = params.get("users")
        if not isinstance(users, list) or not all(
            isinstance(u, dict) and u.get("username") for u in users
        ):
            return json_response({"error": "give users: [{username, followers?}]"}, 400)
        grant = state.dialect.oauth.mint_grant(state, None, None)
        if not isinstance(grant, tuple):
            return json_response({"error": "no client to issue tokens for"}, 400)
        client_id, scopes = grant
        minted = []
        for item in users:
            followers = item.get("followers")
            person = state.get_or_create_user(
                str(item["username"]), int(followers) if followers is not None else None
            )
            pages = self.pages_of(state, person)
            if not pages:
                return json_response({"error": f"{person.username} manages no Page"}, 400)
            page = pages[0].user
            token = state.issue_access_token(person.id, client_id, scopes, None)
            self.page_tokens[token.token] = page.id
            minted.append(
                {
                    "username": person.username,
                    "user_id": page.id,
                    "page_username": page.username,
                    "access_token": token.token,
                }
            )
        return json_response({"tokens": minted})

    async def set_pages(self, request: web.Request) -> web.StreamResponse:
        """``{"username": "alice", "pages": [{"username", "name", "followers", "tasks"}]}``."""
        state = host_state(request)
        params = await read_params(request)
        username = str(params.get("username", "")).strip().lstrip("@")
        raw = params.get("pages")
        if not username or not isinstance(raw, list):
            return json_response({"error": "give username and a list of pages"}, 400)
        person = state.get_or_create_user(username)
        listed: list[tuple[str, tuple[str, ...]]] = []
        for item in raw:
            if not isinstance(item, dict) or not item.get("username"):
                return json_response({"error": "each page needs a username"}, 400)
            page = state.get_or_create_user(str(item["username"]), int(item.get("followers", 0)))
            page.name = str(item.get("name") or page.name)
            tasks = item.get("tasks", list(ALL_TASKS))
            listed.append((page.id, tuple(str(t) for t in tasks)))
        self._chosen[person.id] = listed
        return json_response(
            {"username": person.username, "pages": [self._public(state, p) for p in listed]}
        )

    @staticmethod
    def _public(state: HostState, listed: tuple[str, tuple[str, ...]]) -> dict[str, object]:
        page = state.users[listed[0]]
        return {"id": page.id, "username": page.username, "name": page.name, "tasks": listed[1]}
