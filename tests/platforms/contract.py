"""The contract every platform adapter passes against its emulator, over real HTTP.

A platform's test module subclasses `PlatformContract` (as social-core's `OAuth2Test` or
apprise's plugin tester do for their providers) and says how to build its adapter, connect an
account and settle an unknown outcome; the battery below then holds it to the same meaning of
every answer. Each case runs on the release's path (`publish_async` on the adapter's own
`async_session`) and on the synchronous `publish`, which share one translation.

The battery: connect → profile → publish; 401 → AuthExpired; 429 with the platform's reset →
RateLimited with an aware `retry_at`; 503 before processing → Transient; 500/502/504 on a write
→ OutcomeUnknown; a timeout after sending and a dropped connection → OutcomeUnknown; connection
refused → Transient; a trickling answer → cut at the total deadline; a huge answer → capped;
and answers that are not what the documentation promises (an HTML error page, a plain-text 429,
HTML 401/403, a 503 typed JSON whose body is HTML, a success whose JSON is cut short).
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlsplit

import pytest
import requests

from amplifier.platforms.base import (
    AuthExpired,
    OutcomeUnknown,
    PlatformError,
    Profile,
    PublishedPost,
    RateLimited,
    TokenSet,
    Transient,
)
from amplifier.platforms.declaration import (
    AccountHome,
    ConnectAsks,
    Declaration,
    LimitWindow,
    WindowScope,
)
from amplifier.platforms.registry import declaration
from amplifier.release.limits import LimitKey, policy_for
from config.settings import Settings

from .helpers import admin, posts

# The adapters' total deadline in this battery, in seconds: short, so a trickle is cut quickly.
DEADLINE_S = 2.0
# A call bounded by DEADLINE_S that is still running this long after it started hangs: a guard
# against a hang (the machine may be loaded), not a timing target.
HANG_GUARD_S = 30.0
# A "huge" answer: far beyond any cap, so reading it whole would show in memory.
HUGE_BYTES = 64 * 1024 * 1024
# Traced allocations a capped call may make (the caps are at most 2 MiB).
MEMORY_BOUND = 16 * 1024 * 1024


class PlatformContract:
    """Subclass it, set `platform`, define the `base` fixture and the three hooks."""

    platform: ClassVar[str]
    path_ids: ClassVar[tuple[str, ...]] = ("async", "sync")
    # True where the platform's own 503 to a write has come after the write was done (X), so
    # the adapter must say "outcome unknown" (look before resending) rather than "transient"
    write_503_is_ambiguous: ClassVar[bool] = False

    # ---- what a subclass provides -------------------------------------------------------

    @pytest.fixture
    def base(self) -> str:
        raise NotImplementedError("a subclass gives the emulator's base URL")

    def make_adapter(self, base: str, *, timeout: float) -> Any:
        raise NotImplementedError

    def connect(self, adapter: Any, username: str) -> TokenSet:
        raise NotImplementedError

    def settle(self, adapter: Any, tokens: TokenSet, profile: Profile, text: str, key: str) -> (
        PublishedPost | None
    ):  # fmt: skip
        """How the platform settles an unknown outcome (a look-up, or the idempotency key)."""
        raise NotImplementedError

    # ---- the battery's tools --------------------------------------------------------------

    @pytest.fixture(params=path_ids)
    def path(self, request: pytest.FixtureRequest) -> str:
        return str(request.param)

    @pytest.fixture
    def adapter(self, base: str) -> Any:
        return self.make_adapter(base, timeout=DEADLINE_S)

    @pytest.fixture
    def tokens(self, adapter: Any) -> TokenSet:
        return self.connect(adapter, "alice")

    def publish(self, adapter: Any, tokens: TokenSet, text: str, path: str, key: str = "k1") -> (
        PublishedPost
    ):  # fmt: skip
        if path == "sync":
            post: PublishedPost = adapter.publish(tokens, text, idempotency_key=key)
            return post

        async def release() -> PublishedPost:
            async with adapter.async_session(limit=10) as session:
                done: PublishedPost = await adapter.publish_async(
                    session, tokens, text, idempotency_key=key
                )
                return done

        return asyncio.run(release())

    def fails(
        self, adapter: Any, tokens: TokenSet, text: str, path: str, key: str = "k1"
    ) -> PlatformError:
        with pytest.raises(PlatformError) as caught:
            self.publish(adapter, tokens, text, path, key)
        return caught.value

    def stored(self, base: str, text: str) -> list[dict[str, Any]]:
        return [p for p in posts(base) if p.get("text") == text]

    def spoil(self, base: str, kind: str, **more: Any) -> None:
        admin(base, "faults", {"answer_fault": kind, "answer_fault_next": 1, **more})

    # ---- the declaration: what the rest of amplifier asks instead of naming the platform ----

    @pytest.fixture
    def declared(self) -> Declaration[Any]:
        return declaration(self.platform)

    @pytest.fixture
    def settings(self) -> Settings:
        return Settings(_env_file=None)  # type: ignore[call-arg]

    def test_declaration_says_who_it_is(self, declared: Declaration[Any]) -> None:
        assert declared.name == self.platform
        for words in (declared.label, declared.max_text, declared.rules):
            assert words.strip() and words == words.strip()

    def test_declared_windows_pace_the_release(
        self, declared: Declaration[Any], settings: Settings
    ) -> None:
        windows = declared.rate_windows(declared.settings_of(settings))
        assert windows and all(isinstance(w, LimitWindow) for w in windows)
        shared = [w for w in windows if w.scope is not WindowScope.USER]
        assert shared, "no window is shared by our calls: nothing would pace a release"
        scope = "https://host.example" if declared.home is AccountHome.SUPPORTER_HOST else "app"
        policy = policy_for(LimitKey(self.platform, scope), settings)
        assert policy.per_second == min(w.requests / w.per_s for w in shared)
        assert policy.capacity == min(w.requests for w in shared)
        assert policy.concurrency == declared.concurrency(declared.settings_of(settings))

    def test_declared_text_rule_counts_to_the_default_limit(
        self, declared: Declaration[Any], adapter: Any
    ) -> None:
        limit = declared.default_text_limit
        assert declared.text_problems("a" * limit.characters) == []
        assert declared.text_problems("a" * (limit.characters + 1))
        assert declared.text_problems("   ")
        assert adapter.text_limit().characters >= 1 and adapter.text_limit().url >= 0

    def test_declared_connect_step(self, declared: Declaration[Any], settings: Settings) -> None:
        step, sub = declared.connect, declared.settings_of(settings)
        if declared.home is AccountHome.SUPPORTER_HOST:
            assert step.asks is not ConnectAsks.NOTHING
            assert step.prompt and step.question and step.missing
            with pytest.raises(ValueError):
                declared.normalise_host("   ", sub)
        else:
            assert step.asks is not ConnectAsks.SERVER
            with pytest.raises(ValueError):
                declared.normalise_host("host.example", sub)

    def test_an_unknown_outcome_is_settled_the_declared_way(
        self, base: str, declared: Declaration[Any], adapter: Any, tokens: TokenSet
    ) -> None:
        """As the release does (send.py, settle.py): resend under the idempotency key while the
        platform remembers it, else look the post up with the declared finder."""
        text = "Contract: declared settling"
        self.spoil(base, "truncated_json")
        error = self.fails(adapter, tokens, text, "async", "declared-key")
        assert isinstance(error, OutcomeUnknown), error
        [created] = self.stored(base, text)
        memory, finder = declared.idempotency_memory, declared.finder(adapter)
        if memory is None:
            assert finder is not None, "no idempotency key and no look-up: doubts never settle"
            profile = adapter.profile(tokens)
            found = finder.find_recent_post(tokens, account_id=profile.account_id, text=text)
        else:
            assert timedelta(0) < memory <= timedelta(hours=24)
            found = self.publish(adapter, tokens, text, "async", "declared-key")
        assert found is not None and found.remote_id == str(created["id"])
        assert len(self.stored(base, text)) == 1

    def test_refresh_keeps_the_extras(self, adapter: Any, tokens: TokenSet) -> None:
        """Extras (a DPoP key, a chosen page) belong to the account, not to one token pair."""
        extras = {"page_id": "42"}
        assert adapter.refresh(dataclasses.replace(tokens, extras=extras)).extras == extras

    def test_a_post_is_deleted_where_the_platform_allows_it(
        self, base: str, adapter: Any, declared: Declaration[Any]
    ) -> None:
        """Optional: the declaration says whether a supporter can take a post back."""
        deleter = declared.deleter(adapter)
        if deleter is None:
            pytest.skip(f"{declared.label} declares no way to delete a post")
        tokens = self.connect(adapter, "dora")
        post = self.publish(adapter, tokens, "Contract: to be taken back", "sync")
        page = f"{base}{urlsplit(post.url).path}"  # the emulator serves the post's own page
        assert requests.get(page, timeout=5).status_code == 200
        deleter.delete_post(tokens, post.remote_id)
        assert [p["deleted"] for p in self.stored(base, "Contract: to be taken back")] == [True]
        assert requests.get(page, timeout=5).status_code == 404  # gone
        deleter.delete_post(tokens, post.remote_id)  # already gone: deleted, not an error
        admin(base, "revoke", {"username": "dora"})
        other = self.publish(adapter, self.connect(adapter, "dora"), "Contract: kept", "sync")
        with pytest.raises(AuthExpired):
            deleter.delete_post(tokens, other.remote_id)  # the revoked token cannot
        assert [p["deleted"] for p in self.stored(base, "Contract: kept")] == [False]

    # ---- the contract ---------------------------------------------------------------------

    def test_connect_profile_publish(self, base: str, adapter: Any, path: str) -> None:
        tokens = self.connect(adapter, "carol")
        profile = adapter.profile(tokens)
        assert "carol" in profile.handle.lower()  # a handle, or a name (LinkedIn)
        post = self.publish(adapter, tokens, "Contract: hello", path)
        assert post.remote_id and post.url.startswith(("http://", "https://"))
        assert [str(p["id"]) for p in self.stored(base, "Contract: hello")] == [post.remote_id]

    def test_401_is_auth_expired(self, base: str, adapter: Any, tokens: TokenSet, path: str) -> (
        None
    ):  # fmt: skip
        admin(base, "revoke", {"username": "alice"})
        assert isinstance(self.fails(adapter, tokens, "Contract: revoked", path), AuthExpired)

    def test_429_is_rate_limited_until_the_platforms_reset(
        self, base: str, adapter: Any, tokens: TokenSet, path: str
    ) -> None:
        admin(base, "faults", {"rate_limit": {"user_limit": 1, "user_window_s": 600}})
        self.publish(adapter, tokens, "Contract: first", path, "k1")
        error = self.fails(adapter, tokens, "Contract: second", path, "k2")
        assert isinstance(error, RateLimited), error
        assert error.retry_at is not None and error.retry_at.tzinfo is not None
        now = datetime.now(UTC)
        assert now + timedelta(minutes=8) < error.retry_at <= now + timedelta(minutes=11)

    def test_503_before_processing_is_transient(
        self, base: str, adapter: Any, tokens: TokenSet, path: str
    ) -> None:
        admin(base, "faults", {"fail_next": 1, "error_status": 503})
        expected = OutcomeUnknown if self.write_503_is_ambiguous else Transient
        assert isinstance(self.fails(adapter, tokens, "Contract: 503", path), expected)
        assert self.stored(base, "Contract: 503") == []

    @pytest.mark.parametrize("status", [500, 502, 504])
    def test_5xx_on_a_write_is_outcome_unknown(
        self, base: str, adapter: Any, tokens: TokenSet, path: str, status: int
    ) -> None:
        admin(base, "faults", {"fail_next": 1, "error_status": status})
        assert isinstance(self.fails(adapter, tokens, "Contract: 5xx", path), OutcomeUnknown)

    def test_timeout_after_sending_is_outcome_unknown(
        self, base: str, adapter: Any, tokens: TokenSet, path: str
    ) -> None:
        admin(base, "faults", {"timeout_after_accept_next": 1, "hang_s": DEADLINE_S * 3})
        error = self.fails(adapter, tokens, "Contract: hang", path)
        assert isinstance(error, OutcomeUnknown), error
        assert len(self.stored(base, "Contract: hang")) == 1

    def test_dropped_connection_after_sending_is_outcome_unknown(
        self, base: str, adapter: Any, tokens: TokenSet, path: str
    ) -> None:
        self.spoil(base, "drop_after")
        error = self.fails(adapter, tokens, "Contract: dropped", path)
        assert isinstance(error, OutcomeUnknown), error
        assert len(self.stored(base, "Contract: dropped")) == 1

    def test_connection_refused_is_transient(self, tokens: TokenSet, path: str) -> None:
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            port = closed.getsockname()[1]
        nowhere = self.make_adapter_at(f"http://127.0.0.1:{port}")
        assert isinstance(self.fails(nowhere, tokens, "Contract: refused", path), Transient)

    def make_adapter_at(self, dead_base: str) -> Any:
        """An adapter whose host refuses connections (overridden where building one calls it)."""
        return self.make_adapter(dead_base, timeout=DEADLINE_S)

    def test_trickling_answer_is_cut_at_the_total_deadline(
        self, base: str, adapter: Any, tokens: TokenSet, path: str
    ) -> None:
        # one byte every 0.5 s: each read succeeds, so only a total deadline ends the call
        self.spoil(base, "trickle", trickle_interval_s=0.5)
        began = time.monotonic()
        error = self.fails(adapter, tokens, "Contract: trickle", path)
        took = time.monotonic() - began
        assert isinstance(error, OutcomeUnknown), error
        assert f"within {DEADLINE_S:g} s" in error.message
        assert took < HANG_GUARD_S, f"the call lasted {took:.1f}s"
        assert len(self.stored(base, "Contract: trickle")) == 1

    def test_huge_answer_is_capped(self, base: str, adapter: Any, tokens: TokenSet, path: str) -> (
        None
    ):  # fmt: skip
        self.spoil(base, "huge", huge_bytes=HUGE_BYTES)
        tracemalloc.start()
        try:
            error = self.fails(adapter, tokens, "Contract: huge", path)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert isinstance(error, OutcomeUnknown), error  # created, but its answer is unreadable
        assert "larger than" in error.message
        assert peak < MEMORY_BOUND, f"{peak / 2**20:.0f} MiB allocated for one capped answer"
        assert len(self.stored(base, "Contract: huge")) == 1

    # ---- answers that are not what the documentation promises -----------------------------

    def test_html_503_is_transient(self, base: str, adapter: Any, tokens: TokenSet, path: str) -> (
        None
    ):  # fmt: skip
        self.spoil(base, "html_error", error_status=503)
        error = self.fails(adapter, tokens, "Contract: html 503", path)
        assert isinstance(error, Transient), error
        assert "HTML page" in error.message and "<" not in error.message
        assert self.stored(base, "Contract: html 503") == []

    def test_plain_text_429_is_rate_limited_with_retry_after(
        self, base: str, adapter: Any, tokens: TokenSet, path: str
    ) -> None:
        self.spoil(base, "plain_text_error", error_status=429, retry_after_s=120)
        error = self.fails(adapter, tokens, "Contract: plain 429", path)
        assert isinstance(error, RateLimited), error
        assert error.retry_at is not None and error.retry_at.tzinfo is not None
        now = datetime.now(UTC)
        assert now + timedelta(seconds=100) < error.retry_at <= now + timedelta(seconds=121)

    @pytest.mark.parametrize(("status", "meaning"), [(401, AuthExpired), (403, Transient)])
    def test_html_401_and_403(
        self,
        base: str,
        adapter: Any,
        tokens: TokenSet,
        path: str,
        status: int,
        meaning: type[PlatformError],
    ) -> None:
        """401 means the token is dead whoever wrote the page; an HTML 403 comes from something
        in front of the API (nothing was done), so it is worth another attempt."""
        self.spoil(base, "html_error", error_status=status)
        error = self.fails(adapter, tokens, f"Contract: html {status}", path)
        assert type(error) is meaning, error

    def test_html_typed_as_json_503_is_transient(
        self, base: str, adapter: Any, tokens: TokenSet, path: str
    ) -> None:
        self.spoil(base, "html_as_json", error_status=503)
        error = self.fails(adapter, tokens, "Contract: 503 typed json", path)
        assert isinstance(error, Transient), error
        assert self.stored(base, "Contract: 503 typed json") == []

    def test_success_cut_short_is_unknown_and_settles_to_the_post(
        self, base: str, adapter: Any, tokens: TokenSet, path: str
    ) -> None:
        text = "Contract: cut short"
        self.spoil(base, "truncated_json")
        error = self.fails(adapter, tokens, text, path, "cut-key")
        assert isinstance(error, OutcomeUnknown), error  # never "failed": the post exists
        [created] = self.stored(base, text)
        found = self.settle(adapter, tokens, adapter.profile(tokens), text, "cut-key")
        assert found is not None and found.remote_id == str(created["id"])
        assert len(self.stored(base, text)) == 1
