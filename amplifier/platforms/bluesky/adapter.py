"""BlueskyAdapter: one PDS (and its authorization server), as a confidential OAuth client.

- Sign-in: PAR + PKCE S256 + DPoP + `private_key_jwt` (oauth.py); the session's ES256 key is
  kept in `TokenSet.extras["dpop_key"]` (stored encrypted beside the tokens), the account's DID
  in `extras["did"]`. Between the PAR and the callback the key travels with the PKCE verifier
  (`code_verifier` = "<verifier> <key JWK>", stored encrypted by the pledge's attempt).
- Profile: `app.bsky.actor.getProfile` (handle, displayName, followersCount).
- Post: `com.atproto.repo.createRecord` of an `app.bsky.feed.post` with `facets` (text.py) and
  a record key derived from the delivery's idempotency key (`text.tid_for_key`): a repeat can
  never make a second post; when the PDS refuses the key as taken, `getRecord` finds ours.
- Report link: `https://bsky.app/profile/<handle>/post/<rkey>` (the app's address, as the
  issue asks), with the handle the account had when it signed in (`extras["handle"]`, from
  `getProfile`); the DID where none was kept (it names the account too, and never changes).
- Images and the link's card: media.py (`Declaration.stager`).

Docs: https://atproto.com/specs/oauth, https://docs.bsky.app/docs/advanced-guides/posts,
lexicons `com.atproto.repo.createRecord`, `getRecord`, `listRecords`, `app.bsky.actor.getProfile`.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote, urlencode, urlsplit

import aiohttp
import requests
from joserfc.jwk import ECKey

from .._aio import bounded_session
from .._http import MAX_REDIRECTS, RoutingAdapter
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
from ..ratewindows import observe_rate_windows
from . import dpop, text
from .aio import call_async
from .answers import CREATE_PATH, BlueskyAnswers, bluesky_rate_windows
from .identity import Resolver
from .oauth import AuthServer, DpopClient, discover, token_set

silence_token_loggers()

POST = "app.bsky.feed.post"
SCOPE = "atproto transition:generic"


class BlueskyAdapter:
    """One PDS host, through amplifier's confidential client (`client_id`: its metadata URL)."""

    name: ClassVar[str] = "bluesky"

    def __init__(
        self,
        *,
        pds_url: str,
        client_id: str,
        client_key: ECKey,
        resolver: Resolver,
        timeout: float,
        public_only: bool = True,
        web_base: str = "https://bsky.app",
    ) -> None:
        self.pds = pds_url.rstrip("/")
        self.host = urlsplit(self.pds).netloc
        self.client_id = client_id
        self._client_key = client_key
        self.resolver = resolver
        self.timeout = timeout
        self.public_only = public_only
        self.web_base = web_base.rstrip("/")
        self._answers = BlueskyAnswers(self.host)
        http = requests.Session()
        transport = RoutingAdapter(timeout=timeout, public_only=public_only, policy=self._answers)
        http.mount("https://", transport)
        http.mount("http://", transport)
        http.max_redirects = MAX_REDIRECTS
        self._client = DpopClient(http, self.host)
        self._auth: AuthServer | None = None
        self._mentions: dict[str, str | None] = {}

    def __repr__(self) -> str:  # never show the key
        return f"BlueskyAdapter(pds_url={self.pds!r})"

    def auth_server(self) -> AuthServer:
        if self._auth is None:
            self._auth = discover(self._client, self.pds)
        return self._auth

    def _assertion(self) -> dict[str, str]:
        return dpop.client_assertion(
            self._client_key, client_id=self.client_id, issuer=self.auth_server().issuer
        )

    # ------------------------------------------------------------------ OAuth

    def authorization_request(self, *, redirect_uri: str, state: str) -> AuthorizationRequest:
        auth, key = self.auth_server(), dpop.new_key()
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        fields = {
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "scope": SCOPE,
            "state": state,
            "code_challenge": challenge.rstrip(b"=").decode("ascii"),
            "code_challenge_method": "S256",
        }
        body = self._client.call(
            "POST", auth.par, key, write=False, form=lambda: {**fields, **self._assertion()}
        )
        request_uri = body.get("request_uri")
        if not isinstance(request_uri, str) or not request_uri:
            raise Rejected(f"{self.host} did not accept the sign-in request (no request_uri)")
        query = urlencode({"client_id": self.client_id, "request_uri": request_uri})
        return AuthorizationRequest(
            url=f"{auth.authorize}?{query}",
            state=state,
            code_verifier=f"{verifier} {dpop.key_to_json(key)}",
        )

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None) -> TokenSet:
        verifier, _, key_json = (code_verifier or "").partition(" ")
        if not verifier or not key_json:
            raise Rejected("this sign-in lost its proof key: please connect your account again")
        key = dpop.key_from_json(key_json)
        fields = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        try:
            body = self._client.call(
                "POST",
                self.auth_server().token,
                key,
                write=False,
                form=lambda: {**fields, **self._assertion()},
            )
        except (Rejected, AuthExpired) as exc:
            raise Rejected(
                f"{self.host} did not accept the sign-in (the link may have expired or been used "
                f"already): please connect your Bluesky account again. ({exc.message})",
                status=exc.status,
            ) from None
        tokens = token_set(body, key_json, {}, self.host)
        # The token's account must live on this PDS, whose server issued it (atproto OAuth,
        # "Identity Authentication"): else another server could speak for any account.
        if self.resolver.pds_of_did(tokens.extras["did"]) != self.pds:
            raise Rejected(
                f"{self.host} issued a token for {tokens.extras['did']}, an account that does "
                "not live there: nothing was recorded"
            )
        try:  # the report's links name the account by the handle it signed in with
            handle = self._xrpc(
                tokens, "GET", "app.bsky.actor.getProfile", actor=tokens.extras["did"]
            ).get("handle")
        except PlatformError:
            handle = None
        if isinstance(handle, str) and handle and "/" not in handle:
            tokens.extras["handle"] = handle
        return tokens

    def refresh(self, tokens: TokenSet) -> TokenSet:
        """Rotate the pair (Bluesky's refresh tokens are single-use); AuthExpired when refused."""
        key_json = tokens.extras.get("dpop_key")
        if not key_json or not tokens.refresh_token:
            raise AuthExpired("this Bluesky session cannot be renewed: reconnect")
        fields = {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}
        try:
            body = self._client.call(
                "POST",
                self.auth_server().token,
                dpop.key_from_json(key_json),
                write=False,
                form=lambda: {**fields, **self._assertion()},
            )
        except Rejected as exc:
            raise AuthExpired(
                f"{self.host} refused the refresh token ({exc.message}): reconnect",
                status=exc.status,
            ) from None
        fresh = token_set(body, key_json, tokens.extras, self.host)
        if tokens.extras.get("did") not in (None, fresh.extras["did"]):
            raise AuthExpired(f"{self.host} renewed the session for another account: reconnect")
        return fresh

    # ------------------------------------------------------------------ API

    def _session_key(self, tokens: TokenSet) -> tuple[ECKey, str]:
        key_json, did = tokens.extras.get("dpop_key"), tokens.extras.get("did")
        if not key_json or not did:
            raise AuthExpired("this Bluesky session has lost its key: reconnect")
        return dpop.key_from_json(key_json), did

    def _xrpc(self, tokens: TokenSet, method: str, nsid: str, **query: str) -> dict[str, Any]:
        key, _ = self._session_key(tokens)
        url = f"{self.pds}/xrpc/{nsid}"
        if query:
            url += "?" + urlencode(query)
        return self._client.call(method, url, key, write=False, access_token=tokens.access_token)

    def profile(self, tokens: TokenSet) -> Profile:
        _, did = self._session_key(tokens)
        body = self._xrpc(tokens, "GET", "app.bsky.actor.getProfile", actor=did)
        handle = body.get("handle")
        if not isinstance(handle, str) or body.get("did") != did:
            raise Transient(f"{self.host} returned no profile for this account")
        followers = body.get("followersCount")
        return Profile(
            account_id=did,
            handle=f"@{handle}",
            display_name=str(body.get("displayName") or handle),
            followers=followers if isinstance(followers, int) and followers >= 0 else 0,
            profile_url=f"{self.web_base}/profile/{quote(handle)}",
        )

    def text_problems(self, text_: str) -> list[str]:
        return text.text_problems(text_)

    def text_limit(self) -> TextLimit:
        return TextLimit(text.MAX_GRAPHEMES, 0)

    def _record(
        self,
        tokens: TokenSet,
        text_: str,
        key: str,
        mentions: Mapping[str, str | None],
        embed: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        _, did = self._session_key(tokens)
        record: dict[str, Any] = {
            "$type": POST,
            "text": text_,
            "createdAt": datetime.now(UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
        }
        found = text.facets(text_, mentions.get)
        if found:
            record["facets"] = found
        if embed is not None:
            record["embed"] = dict(embed)
        return {"repo": did, "collection": POST, "rkey": text.tid_for_key(key), "record": record}

    def _published(
        self, did: str, rkey: str, body: Mapping[str, Any], handle: str | None = None
    ) -> PublishedPost:
        uri = body.get("uri")
        if not isinstance(uri, str) or not uri.startswith("at://"):
            raise OutcomeUnknown(f"{self.host} accepted the post but returned no record address")
        who = quote(handle or did, safe=":")
        return PublishedPost(remote_id=uri, url=f"{self.web_base}/profile/{who}/post/{rkey}")

    def _mention_dids(self, text_: str) -> dict[str, str | None]:
        for handle in text.mentioned_handles(text_):
            if handle not in self._mentions:
                self._mentions[handle] = self.resolver.handle_did(handle)
        return self._mentions

    def publish(self, tokens: TokenSet, text_: str, *, idempotency_key: str) -> PublishedPost:
        """Create the post under the delivery's record key; a key already taken by our post
        (an earlier try whose answer was lost) returns that post."""
        key, did = self._session_key(tokens)
        payload = self._record(tokens, text_, idempotency_key, self._mention_dids(text_))
        try:
            body = self._client.call(
                "POST", f"{self.pds}{CREATE_PATH}", key, write=True,
                access_token=tokens.access_token, body=payload,
            )  # fmt: skip
        except Rejected as exc:
            found = self.record(tokens, payload["rkey"])
            if found is not None and found[1] == text_:
                return found[0]
            raise exc from None
        return self._published(did, payload["rkey"], body, tokens.extras.get("handle"))

    def record(self, tokens: TokenSet, rkey: str) -> tuple[PublishedPost, str] | None:
        """Our post under `rkey` and its text, or None when there is none."""
        _, did = self._session_key(tokens)
        try:
            body = self._xrpc(
                tokens, "GET", "com.atproto.repo.getRecord", repo=did, collection=POST, rkey=rkey
            )
        except Rejected:
            return None
        value = body.get("value")
        posted = value.get("text") if isinstance(value, dict) else None
        return self._published(did, rkey, body, tokens.extras.get("handle")), str(posted)

    def find_recent_post(
        self, tokens: TokenSet, *, account_id: str, text: str
    ) -> PublishedPost | None:
        """The account's newest post (of its latest 50) with exactly `text`, or None."""
        body = self._xrpc(
            tokens, "GET", "com.atproto.repo.listRecords", repo=account_id, collection=POST,
            limit="50",
        )  # fmt: skip
        for item in body.get("records") or []:
            value = item.get("value") if isinstance(item, dict) else None
            if isinstance(value, dict) and value.get("text") == text:
                uri = str(item.get("uri", ""))
                rkey, handle = uri.rsplit("/", 1)[-1], tokens.extras.get("handle")
                return self._published(account_id, rkey, item, handle)
        return None

    # ------------------------------------------------------------------ the release

    def publish_origin(self) -> str:
        """Where `publish_async` connects: the account's PDS, where `createRecord` goes."""
        return self.pds

    def async_session(self, *, limit: int = 1000) -> aiohttp.ClientSession:
        """An aiohttp session for `publish_async`: bounded and translated like the sync calls."""
        return bounded_session(
            policy=self._answers,
            seconds=self.timeout,
            limit=limit,
            resolver=PublicOnlyResolver() if self.public_only else None,
            # read by the release's limiter: every answer's window, 429s included
            observe=observe_rate_windows(bluesky_rate_windows),
        )

    async def _call_async(
        self, session: aiohttp.ClientSession, method: str, url: str, tokens: TokenSet, *,
        write: bool, body: Mapping[str, Any] | None = None, data: bytes | None = None,
        content_type: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        key, _ = self._session_key(tokens)
        return await call_async(
            session, self._client.nonces, method, url, key=key, access_token=tokens.access_token,
            write=write, host=self.host, body=body, data=data, content_type=content_type,
        )  # fmt: skip

    async def _mention_dids_async(
        self, session: aiohttp.ClientSession, tokens: TokenSet, text_: str
    ) -> dict[str, str | None]:
        for handle in text.mentioned_handles(text_):
            if handle not in self._mentions:
                url = f"{self.pds}/xrpc/com.atproto.identity.resolveHandle?handle={quote(handle)}"
                try:
                    found = await self._call_async(session, "GET", url, tokens, write=False)
                except PlatformError:
                    found = {}
                did = found.get("did")
                self._mentions[handle] = did if isinstance(did, str) else None
        return self._mentions

    async def publish_async(
        self, session: aiohttp.ClientSession, tokens: TokenSet, text: str, *, idempotency_key: str
    ) -> PublishedPost:
        """`publish` for the release fan-out, on a shared aiohttp session."""
        return await self.create_async(session, tokens, text, idempotency_key=idempotency_key)

    async def create_async(
        self, session: aiohttp.ClientSession, tokens: TokenSet, text_: str, *,
        idempotency_key: str, embed: Mapping[str, Any] | None = None,
    ) -> PublishedPost:  # fmt: skip
        """The post under the delivery's record key, with `embed` (images or a card); a key
        already taken by our post with this text (an earlier try) returns that post."""
        _, did = self._session_key(tokens)
        handle = tokens.extras.get("handle")
        mentions = await self._mention_dids_async(session, tokens, text_)
        payload = self._record(tokens, text_, idempotency_key, mentions, embed)
        try:
            body = await self._call_async(
                session, "POST", f"{self.pds}{CREATE_PATH}", tokens, write=True, body=payload
            )
        except Rejected as exc:
            rkey = payload["rkey"]
            url = f"{self.pds}/xrpc/com.atproto.repo.getRecord?" + urlencode(
                {"repo": did, "collection": POST, "rkey": rkey}
            )
            try:
                found = await self._call_async(session, "GET", url, tokens, write=False)
            except Rejected:
                raise exc from None
            value = found.get("value")
            if isinstance(value, dict) and value.get("text") == text_:
                return self._published(did, rkey, found, handle)
            raise exc from None
        return self._published(did, payload["rkey"], body, handle)
