"""A Mastodon server as a supporter names it, and amplifier's app on it.

- `normalise_instance`: what a supporter typed → the server's base URL.
- `register_app`: `POST /api/v1/apps` once per server, giving a client id and secret.
- `fetch_instance_facts`: the status limits and domain from `/api/v2/instance` (else `/api/v1`).

These calls are made while a visitor waits (a pledge start): they go through the bounded
transport (`_http.RoutingAdapter`: total deadline, capped answers, the web app's share).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

import requests

from .._http import DEFAULT_TIMEOUT, MAX_REDIRECTS, RoutingAdapter, network_error
from ..base import ClientCredentials, PlatformError, Rejected
from ..egress import is_public_address
from .answers import MastodonAnswers
from .facts import InstanceFacts, parse_instance

# Granular scopes (Mastodon 2.4.3+): reading one's own account, writing statuses.
SCOPES = ("read:accounts", "write:statuses", "write:media")
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


def session(instance_url: str, timeout: float, *, public_only: bool) -> requests.Session:
    """A requests session whose every call to this server is bounded and translated."""
    host = urlsplit(instance_url).netloc
    http = requests.Session()
    adapter = RoutingAdapter(timeout=timeout, public_only=public_only, policy=MastodonAnswers(host))
    http.mount("https://", adapter)
    http.mount("http://", adapter)
    http.headers["Accept"] = "application/json"
    http.max_redirects = MAX_REDIRECTS
    return http


def json_call(
    http: requests.Session, method: str, url: str, *, write: bool, host: str, **kwargs: Any
) -> dict[str, Any]:
    """One call; the answer was checked by the transport, so it is a JSON object here."""
    try:
        response = http.request(method, url, **kwargs)
    except requests.RequestException as exc:
        raise network_error(exc, write=write, platform=host) from None
    body = response.json()
    return body if isinstance(body, dict) else {}


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
    with session(base, timeout, public_only=public_only) as http:
        body = json_call(http, "POST", f"{base}/api/v1/apps", write=False, host=host, json=payload)
    client_id = body.get("client_id")
    if not client_id or not isinstance(client_id, str | int):
        raise Rejected(f"{host} did not return a client id: is it a Mastodon server?")
    secret = body.get("client_secret")
    return ClientCredentials(
        client_id=str(client_id), client_secret=str(secret) if secret else None
    )


def fetch_instance_facts(
    instance_url: str, *, timeout: float = DEFAULT_TIMEOUT, public_only: bool = True
) -> InstanceFacts:
    """The server's limits and domain from `/api/v2/instance`, else `/api/v1` (parse_instance).

    Falls back to the defaults (500, 23, no domain) when the server answers without saying (an
    error, or an answer that is not the documented JSON, too large included); raises Transient
    when it cannot be reached or does not answer within the deadline.
    """
    base = instance_url.rstrip("/")
    host = urlsplit(base).netloc
    with session(base, timeout, public_only=public_only) as http:
        for path in ("/api/v2/instance", "/api/v1/instance"):
            try:
                body = json_call(http, "GET", f"{base}{path}", write=False, host=host)
            except PlatformError as exc:
                if exc.status is None:  # not an answer: unreachable, or out of time
                    raise
                continue
            facts = parse_instance(body)
            if facts is not None:
                return facts
    return InstanceFacts()


def fetch_max_characters(
    instance_url: str, *, timeout: float = DEFAULT_TIMEOUT, public_only: bool = True
) -> int:
    """The instance's status length limit (`configuration.statuses.max_characters`), or 500."""
    return fetch_instance_facts(
        instance_url, timeout=timeout, public_only=public_only
    ).max_characters
