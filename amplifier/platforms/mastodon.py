"""Mastodon through plain `requests`: one adapter per instance (each has its own OAuth app).

- App: `POST /api/v1/apps` (`register_app`) once per instance, giving a client id and secret.
- Consent: `GET /oauth/authorize?response_type=code&client_id&redirect_uri&scope&state`.
- Tokens: `POST /oauth/token` with `client_id`/`client_secret` in the form. Mastodon access
  tokens do not expire unless revoked, so `refresh` normally returns the tokens unchanged.
- Calls: `GET /api/v1/accounts/verify_credentials`, `POST /api/v1/statuses` with an
  `Idempotency-Key` header (Mastodon remembers a key for about an hour and answers a repeat with
  the status it already created).
- Errors come as `{"error": "…"}`; rate limits as 429 with `X-RateLimit-Reset` in ISO 8601.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

import aiohttp
import requests

from ._http import (
    DEFAULT_TIMEOUT,
    RoutingAdapter,
    async_network_error,
    iso_time,
    json_or_empty,
    network_error,
)
from ._http import (
    call_timeout as _call_timeout,
)
from .base import (
    AuthExpired,
    AuthorizationRequest,
    ClientCredentials,
    OutcomeUnknown,
    Profile,
    PublishedPost,
    RateLimited,
    Rejected,
    TokenSet,
    Transient,
)
from .egress import PublicOnlyResolver, is_public_address
from .logging_guard import silence_token_loggers
from .text import MASTODON_DEFAULT_MAX, MASTODON_URL_LENGTH, mastodon_text_problems

silence_token_loggers()

# Granular scopes (Mastodon 2.4.3+): reading one's own account, writing statuses.
SCOPES = ("read:accounts", "write:statuses")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalise_instance(raw: str, *, allow_http: bool = False) -> str:
    """Turn what a supporter typed into an instance base URL, e.g. `https://mastodon.social`.

    Accepts `mastodon.social`, `https://mastodon.social/`, `https://mastodon.social/@me`,
    `@me@mastodon.social` and `me@mastodon.social`. `http://` only with `allow_http` (tests,
    local development). Raises ValueError with a sentence fit to show the supporter.
    """
    value = raw.strip()
    if not value:
        raise ValueError("Enter the address of your Mastodon server, e.g. mastodon.social.")
    if "://" not in value and "@" in value:
        value = value.rsplit("@", 1)[1]  # a handle: @me@server or me@server
    if "://" not in value:
        value = "https://" + value
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ValueError(f"“{raw.strip()}” is not a server address.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or (scheme == "http" and not allow_http):
        raise ValueError(
            f"“{raw.strip()}”: Mastodon servers are reached over https://, e.g. mastodon.social."
        )
    host = (parts.hostname or "").rstrip(".")
    if not host or parts.username is not None or any(c.isspace() for c in value):
        raise ValueError(f"“{raw.strip()}” is not a server address, e.g. mastodon.social.")
    if not _host_ok(host, allow_local=allow_http):
        raise ValueError(f"“{raw.strip()}” is not a server address, e.g. mastodon.social.")
    try:
        ascii_host = host.encode("idna").decode("ascii") if not _is_ip(host) else host
    except UnicodeError:
        raise ValueError(f"“{raw.strip()}” is not a valid server name.") from None
    if ":" in ascii_host:  # IPv6 literal
        ascii_host = f"[{ascii_host}]"
    netloc = ascii_host if port is None else f"{ascii_host}:{port}"
    return f"{scheme}://{netloc}"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _host_ok(host: str, *, allow_local: bool) -> bool:
    if _is_ip(host):
        return allow_local or is_public_address(host)
    if allow_local and host == "localhost":
        return True
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_host.split(".")
    return (
        len(labels) >= 2
        and all(_LABEL.match(label) for label in labels)
        and not labels[-1].isdigit()
    )


def _session(timeout: float, *, public_only: bool) -> requests.Session:
    session = requests.Session()
    adapter = RoutingAdapter(timeout=timeout, public_only=public_only)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["Accept"] = "application/json"
    return session


def _error_text(response: requests.Response) -> str:
    body = json_or_empty(response)
    for key in ("error", "error_description"):
        if isinstance(body.get(key), str) and body[key]:
            return str(body[key])
    return f"HTTP {response.status_code}"


def _raise_for(response: requests.Response, *, write: bool, host: str) -> None:
    """Translate a non-2xx answer into the PlatformError hierarchy."""
    if response.status_code < 400:
        return
    _raise_for_answer(
        response.status_code, response.headers, _error_text(response), write=write, host=host
    )


def _raise_for_answer(
    status: int, headers: Mapping[str, str], text: str, *, write: bool, host: str
) -> None:
    """The translation itself, for any HTTP client's answer (requests or aiohttp)."""
    if status < 400:
        return
    if status == 401:
        raise AuthExpired(f"{host} no longer accepts this token ({text}): reconnect", status=status)
    if status == 429:
        reset = iso_time(headers.get("X-RateLimit-Reset"))
        raise RateLimited(f"{host} rate limit reached: {text}", status=status, retry_at=reset)
    if status == 503:
        raise Transient(f"{host} is unavailable (503): {text}", status=status)
    if status >= 500:
        if write:
            raise OutcomeUnknown(
                f"{host} failed with {status} after receiving the post; it may have been "
                "published (retrying with the same Idempotency-Key is safe for about an hour)",
                status=status,
            )
        raise Transient(f"{host} failed with {status}: {text}", status=status)
    raise Rejected(f"{host} refused the request ({status}): {text}", status=status)


def register_app(
    instance_url: str,
    *,
    client_name: str,
    redirect_uri: str,
    website: str | None,
    timeout: float = DEFAULT_TIMEOUT,
    public_only: bool = True,
) -> ClientCredentials:
    """Register amplifier as an OAuth app on one instance (`POST /api/v1/apps`)."""
    base = instance_url.rstrip("/")
    payload: dict[str, Any] = {
        "client_name": client_name,
        "redirect_uris": redirect_uri,
        "scopes": " ".join(SCOPES),
    }
    if website:
        payload["website"] = website
    host = urlsplit(base).netloc
    with _session(timeout, public_only=public_only) as session:
        try:
            response = session.post(f"{base}/api/v1/apps", json=payload, timeout=timeout)
        except requests.RequestException as exc:
            raise network_error(exc, write=False, platform=host) from None
        _raise_for(response, write=False, host=host)
        body = json_or_empty(response)
    client_id = body.get("client_id")
    if not client_id:
        raise Rejected(f"{host} did not return a client id: is it a Mastodon server?")
    secret = body.get("client_secret")
    return ClientCredentials(
        client_id=str(client_id), client_secret=str(secret) if secret else None
    )


def fetch_instance_limits(
    instance_url: str, *, timeout: float = DEFAULT_TIMEOUT, public_only: bool = True
) -> tuple[int, int]:
    """(max_characters, characters_reserved_per_url) from `/api/v2/instance`, else `/api/v1`.

    Falls back to (500, 23) when the server answers without saying; raises Transient when it
    cannot be reached at all.
    """
    base = instance_url.rstrip("/")
    host = urlsplit(base).netloc
    with _session(timeout, public_only=public_only) as session:
        for path in ("/api/v2/instance", "/api/v1/instance"):
            try:
                response = session.get(f"{base}{path}", timeout=timeout)
            except requests.RequestException as exc:
                raise network_error(exc, write=False, platform=host) from None
            if response.status_code != 200:
                continue
            body = json_or_empty(response)
            statuses = (body.get("configuration") or {}).get("statuses") or {}
            max_chars = statuses.get("max_characters", body.get("max_toot_chars"))
            if isinstance(max_chars, int) and max_chars > 0:
                per_url = statuses.get("characters_reserved_per_url", MASTODON_URL_LENGTH)
                return max_chars, per_url if isinstance(per_url, int) else MASTODON_URL_LENGTH
    return MASTODON_DEFAULT_MAX, MASTODON_URL_LENGTH


def fetch_max_characters(
    instance_url: str, *, timeout: float = DEFAULT_TIMEOUT, public_only: bool = True
) -> int:
    """The instance's status length limit (`configuration.statuses.max_characters`), or 500."""
    return fetch_instance_limits(instance_url, timeout=timeout, public_only=public_only)[0]


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
    ) -> None:
        self.instance_url = instance_url.rstrip("/")
        self.domain = urlsplit(self.instance_url).netloc
        self.client_id = client_id
        self._client_secret = client_secret
        self.max_characters = max_characters
        self.characters_reserved_per_url = characters_reserved_per_url
        self.timeout = timeout
        self.public_only = public_only  # supporters name the host: see egress.py
        self._session = _session(timeout, public_only=public_only)

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
    ) -> Mapping[str, Any]:
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        try:
            response = self._session.request(
                method,
                f"{self.instance_url}{path}",
                headers=all_headers,
                data=data,
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise network_error(exc, write=write, platform=self.domain) from None
        _raise_for(response, write=write, host=self.domain)
        return json_or_empty(response)

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
        username = str(account.get("username") or "")
        if not username or account.get("id") is None:
            raise Transient(f"{self.domain} returned no account for this token")
        return Profile(
            account_id=str(account["id"]),
            handle=f"@{username}@{self.domain}",
            display_name=str(account.get("display_name") or username),
            followers=int(account.get("followers_count") or 0),
            profile_url=str(account.get("url") or f"{self.instance_url}/@{username}"),
        )

    def text_problems(self, text: str) -> list[str]:
        return mastodon_text_problems(
            text, self.max_characters, url_length=self.characters_reserved_per_url
        )

    def publish(self, tokens: TokenSet, text: str, *, idempotency_key: str) -> PublishedPost:
        """Post a public status with `Idempotency-Key: idempotency_key`.

        Mastodon keeps the key for about an hour: after an OutcomeUnknown, calling `publish`
        again with the same key is safe and returns the status if the first call created it.
        """
        status = self._request(
            "POST",
            "/api/v1/statuses",
            write=True,
            token=tokens.access_token,
            headers={"Idempotency-Key": idempotency_key},
            data={"status": text, "visibility": "public"},
        )
        return self._published(status)

    def async_session(self, *, limit: int = 1000) -> aiohttp.ClientSession:
        """An aiohttp session for `publish_async` against this instance."""
        connector = aiohttp.TCPConnector(
            limit=limit,
            limit_per_host=limit,
            resolver=PublicOnlyResolver() if self.public_only else None,
        )
        return aiohttp.ClientSession(connector=connector, timeout=_call_timeout(self.timeout))

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
        try:
            async with session.post(
                f"{self.instance_url}/api/v1/statuses",
                data={"status": text, "visibility": "public"},
                headers={
                    "Authorization": f"Bearer {tokens.access_token}",
                    "Idempotency-Key": idempotency_key,
                    "Accept": "application/json",
                },
                timeout=_call_timeout(self.timeout),
            ) as response:
                raw = await response.read()
                status, headers = response.status, response.headers
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise async_network_error(exc, write=True, platform=self.domain) from None
        body = _json_body(raw)
        if status >= 400:
            error = body.get("error") or body.get("error_description") or f"HTTP {status}"
            _raise_for_answer(status, headers, str(error), write=True, host=self.domain)
        return self._published(body)

    def _published(self, status: Mapping[str, Any]) -> PublishedPost:
        status_id = status.get("id")
        if status_id is None:
            raise OutcomeUnknown(f"{self.domain} accepted the post but returned no id")
        url = status.get("url") or status.get("uri") or f"{self.instance_url}/statuses/{status_id}"
        return PublishedPost(remote_id=str(status_id), url=str(url))


def _json_body(raw: bytes) -> Mapping[str, Any]:
    try:
        body = json.loads(raw)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _token_set(body: Mapping[str, Any], previous: TokenSet | None = None) -> TokenSet:
    access = body.get("access_token")
    if not access:
        raise Rejected("the Mastodon server returned no access token")
    expires_at: datetime | None = None
    if body.get("expires_in") is not None:
        expires_at = datetime.now(UTC) + timedelta(seconds=int(float(body["expires_in"])))
    refresh = body.get("refresh_token") or (previous.refresh_token if previous else None)
    scope = body.get("scope") or (previous.scope if previous else None)
    return TokenSet(
        access_token=str(access),
        refresh_token=str(refresh) if refresh else None,
        expires_at=expires_at,
        scope=str(scope) if scope else None,
    )


__all__ = [
    "SCOPES",
    "MastodonAdapter",
    "fetch_instance_limits",
    "fetch_max_characters",
    "normalise_instance",
    "register_app",
]
