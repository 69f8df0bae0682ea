"""From what a supporter typed to their PDS: handle → DID → DID document → PDS.

- Handle syntax and resolution (https://atproto.com/specs/handle): DNS TXT `_atproto.<handle>`
  holding `did=<DID>`, else `GET https://<handle>/.well-known/atproto-did` (the DID as text);
  or, where the deployment names one, an XRPC service's `com.atproto.identity.resolveHandle`.
- DIDs (https://atproto.com/specs/did): `did:plc` documents from the PLC directory
  (`GET <directory>/<did>`), `did:web` from `https://<host>/.well-known/did.json`. The document
  must name the handle back (`alsoKnownAs: at://<handle>`), and its `#atproto_pds` service of
  type `AtprotoPersonalDataServer` is the PDS.

Handles, `did:web` hosts and PDS hosts are supporter-named: every call goes through the bounded
transport with the egress guard (public addresses only) unless the sandbox switch is on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from .._http import MAX_REDIRECTS, RoutingAdapter, network_error
from ..base import PlatformError

_HANDLE = re.compile(
    r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$", re.IGNORECASE
)
_DID = re.compile(r"^did:(plc:[a-z2-7]{24}|web:[a-z0-9.-]+(%3[aA]\d+)?)$")


class Unresolved(ValueError):
    """The handle or DID does not lead to an account; the message is for the supporter."""


@dataclass(frozen=True)
class Identity:
    did: str
    handle: str
    pds: str  # the PDS base URL, without a trailing slash


def normalise_handle(raw: str) -> str:
    """`@alice.bsky.social ` → `alice.bsky.social`; ValueError with a sentence if not a handle."""
    value = raw.strip().lstrip("@").rstrip(".").lower()
    if value.startswith("at://"):
        value = value[5:]
    if not value:
        raise Unresolved("Type your Bluesky handle, for example alice.bsky.social.")
    if len(value) > 253 or not _HANDLE.match(value) or value.endswith((".local", ".arpa")):
        raise Unresolved(
            f"“{raw.strip()}” is not a Bluesky handle: a handle looks like alice.bsky.social "
            "or a domain name of your own."
        )
    return value


class Resolver:
    """Resolves handles and DIDs within one deadline per call, through the bounded transport."""

    def __init__(
        self,
        *,
        plc_directory: str,
        handle_resolver: str | None,
        timeout: float,
        public_only: bool,
    ) -> None:
        self.plc = plc_directory.rstrip("/")
        self.handle_resolver = handle_resolver.rstrip("/") if handle_resolver else None
        self.timeout = timeout
        self.public_only = public_only
        self.http = requests.Session()
        transport = RoutingAdapter(timeout=timeout, public_only=public_only)
        self.http.mount("https://", transport)
        self.http.mount("http://", transport)
        self.http.max_redirects = MAX_REDIRECTS

    def _get(self, url: str) -> requests.Response | None:
        try:
            return self.http.get(url, headers={"Accept": "application/json"})
        except requests.RequestException as exc:
            error = network_error(exc, write=False, platform=urlsplit(url).netloc)
            raise Unresolved(
                f"{urlsplit(url).netloc} could not be asked: {error.message}"
            ) from None

    def _json(self, url: str) -> dict[str, Any] | None:
        answer = self._get(url)
        if answer is None or answer.status_code != 200:
            return None
        try:
            body = json.loads(answer.content)
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def handle_did(self, handle: str) -> str | None:
        if self.handle_resolver:
            body = self._json(
                f"{self.handle_resolver}/xrpc/com.atproto.identity.resolveHandle"
                f"?handle={quote(handle)}"
            )
            did = body.get("did") if body else None
            return did if isinstance(did, str) and _DID.match(did) else None
        did = self._dns_did(handle)
        if did is not None:
            return did
        try:
            answer = self._get(f"https://{handle}/.well-known/atproto-did")
        except Unresolved:
            return None
        if answer is None or answer.status_code != 200:
            return None
        text = answer.content[:2048].decode("utf-8", "replace").strip()
        return text if _DID.match(text) else None

    def _dns_did(self, handle: str) -> str | None:
        import dns.exception
        import dns.resolver

        try:
            answers = dns.resolver.resolve(f"_atproto.{handle}", "TXT", lifetime=self.timeout)
        except (dns.exception.DNSException, OSError):
            return None
        found = set()
        for record in answers:
            text = b"".join(record.strings).decode("ascii", "replace")  # type: ignore[attr-defined]
            if text.startswith("did=") and _DID.match(text[4:]):
                found.add(text[4:])
        return found.pop() if len(found) == 1 else None

    def document(self, did: str) -> dict[str, Any] | None:
        if did.startswith("did:plc:"):
            return self._json(f"{self.plc}/{did}")
        host = did[len("did:web:") :].replace("%3A", ":").replace("%3a", ":")
        return self._json(f"https://{host}/.well-known/did.json")

    def identity(self, raw_handle: str) -> Identity:
        """The account a handle names; Unresolved (a ValueError) with words for the supporter."""
        handle = normalise_handle(raw_handle)
        did = self.handle_did(handle)
        if did is None:
            raise Unresolved(
                f"No Bluesky account answers to “{handle}”: check the spelling of your handle "
                "(it looks like alice.bsky.social)."
            )
        doc = self.document(did)
        if doc is None or doc.get("id") != did:
            raise Unresolved(f"The account “{handle}” ({did}) has no readable DID document.")
        if f"at://{handle}" not in [str(a).lower() for a in doc.get("alsoKnownAs") or []]:
            raise Unresolved(f"The account {did} does not confirm the handle “{handle}”.")
        pds = pds_of(doc, did)
        if pds is None:
            raise Unresolved(f"The account “{handle}” names no PDS (its home server).")
        return Identity(did=did, handle=handle, pds=pds)

    def pds_of_did(self, did: str) -> str | None:
        if not _DID.match(did):
            return None
        try:
            doc = self.document(did)
        except (Unresolved, PlatformError):
            return None
        return pds_of(doc, did) if doc is not None and doc.get("id") == did else None


def pds_of(doc: dict[str, Any], did: str) -> str | None:
    for service in doc.get("service") or []:
        if not isinstance(service, dict):
            continue
        if service.get("id") in ("#atproto_pds", f"{did}#atproto_pds") and (
            service.get("type") == "AtprotoPersonalDataServer"
        ):
            endpoint = service.get("serviceEndpoint")
            if isinstance(endpoint, str) and urlsplit(endpoint).scheme in ("https", "http"):
                return endpoint.rstrip("/")
    return None
