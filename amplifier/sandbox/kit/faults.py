"""Fault injection and rate-limit windows of one emulated host.

Each emulator declares its platform's default limits (its dialect's ``default_rate_limits``) and
the header names its windows are reported in; the admin API changes them at run time. Windows
are fixed windows that start at the first request, which is how the platforms report them (a
reset time, a remaining count).
"""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

FaultScope = Literal["posts", "all"]
# Answers a hostile or broken server gives (see hostile.py). "before" kinds answer without doing
# anything; "after" kinds do the work (a post is stored) and then spoil the answer.
ANSWER_FAULTS_BEFORE = ("html_error", "plain_text_error", "html_as_json", "drop_before")
ANSWER_FAULTS_AFTER = ("truncated_json", "trickle", "huge", "drop_after")
ANSWER_FAULTS = ("none", *ANSWER_FAULTS_BEFORE, *ANSWER_FAULTS_AFTER)


@dataclass
class RateLimits:
    user_limit: int
    user_window_s: float
    app_limit: int  # 0: no app-wide limit
    app_window_s: float


@dataclass
class Faults:
    """What the admin API can change at run time (``POST /_sandbox/faults``)."""

    latency_ms: int = 0
    error_rate: float = 0.0
    error_status: int = 503
    fail_next: int = 0
    timeout_after_accept_next: int = 0
    fail_after_accept_next: int = 0  # posts stored, then answered `error_status` anyway
    hang_s: float = 60.0
    scope: FaultScope = "posts"
    max_characters: int = 500
    # text and account facts a host announces: URL length, account domain ("" = the host);
    # which header says when to retry on a 429 ("reset": the platform's own reset header,
    # "retry-after": Retry-After seconds only, as a proxy in front may, "both")
    characters_reserved_per_url: int = 23
    instance_domain: str = ""
    rate_limit_header: Literal["reset", "retry-after", "both"] = "reset"
    duplicate_window_s: float = 86_400.0
    rate_limit: RateLimits = field(kw_only=True)
    answer_fault: str = "none"  # one of ANSWER_FAULTS, for the next answer_fault_next requests
    answer_fault_next: int = 0
    trickle_interval_s: float = 5.0  # "trickle": one byte of the answer every this many seconds
    huge_bytes: int = 400 * 1024 * 1024  # "huge": the answer's size, padding included
    retry_after_s: int = 0  # >0: "Retry-After" on the answers of the "before" kinds
    # uploads: seconds an upload stays "processing", seconds an unattached one stays usable,
    # the largest one taken, and the next uploads refused with `error_status`
    media_processing_s: float = 0.0
    media_ttl_s: float = 86_400.0
    media_max_bytes: int = 16 * 1024 * 1024
    media_fail_next: int = 0

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def update(self, body: dict[str, Any]) -> None:
        """Apply any subset of the fields; raises ValueError on an unknown or bad field."""
        numeric: dict[str, type] = {
            "latency_ms": int,
            "error_rate": float,
            "error_status": int,
            "fail_next": int,
            "timeout_after_accept_next": int,
            "fail_after_accept_next": int,
            "hang_s": float,
            "max_characters": int,
            "characters_reserved_per_url": int,
            "duplicate_window_s": float,
            "answer_fault_next": int,
            "trickle_interval_s": float,
            "huge_bytes": int,
            "retry_after_s": int,
            "media_processing_s": float,
            "media_ttl_s": float,
            "media_max_bytes": int,
            "media_fail_next": int,
        }
        for key, value in body.items():
            if key in numeric:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ValueError(f"{key} must be a number")
                if value < 0:
                    raise ValueError(f"{key} must not be negative")
                setattr(self, key, numeric[key](value))
            elif key == "instance_domain":
                if not isinstance(value, str) or any(c in value for c in "/@ "):
                    raise ValueError("instance_domain must be a domain name (or empty)")
                self.instance_domain = value
            elif key == "rate_limit_header":
                if value not in ("reset", "retry-after", "both"):
                    raise ValueError("rate_limit_header must be 'reset', 'retry-after' or 'both'")
                self.rate_limit_header = value
            elif key == "scope":
                if value not in ("posts", "all"):
                    raise ValueError("scope must be 'posts' or 'all'")
                self.scope = value
            elif key == "answer_fault":
                if value not in ANSWER_FAULTS:
                    raise ValueError(f"answer_fault must be one of {', '.join(ANSWER_FAULTS)}")
                self.answer_fault = value
            elif key == "rate_limit":
                if not isinstance(value, dict):
                    raise ValueError("rate_limit must be an object")
                for rkey, rvalue in value.items():
                    if rkey not in ("user_limit", "user_window_s", "app_limit", "app_window_s"):
                        raise ValueError(f"unknown rate_limit field {rkey!r}")
                    if isinstance(rvalue, bool) or not isinstance(rvalue, int | float):
                        raise ValueError(f"rate_limit.{rkey} must be a number")
                    if rvalue < 0:
                        raise ValueError(f"rate_limit.{rkey} must not be negative")
                    kind = int if rkey.endswith("limit") else float
                    setattr(self.rate_limit, rkey, kind(rvalue))
            else:
                raise ValueError(f"unknown field {key!r}")
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError("error_rate must be between 0 and 1")
        if not 100 <= self.error_status <= 599:
            raise ValueError("error_status must be an HTTP status")

    def take_failure(self) -> bool:
        """Whether this request must fail with ``error_status`` (consumes ``fail_next``)."""
        if self.fail_next > 0:
            self.fail_next -= 1
            return True
        return self.error_rate > 0.0 and random.random() < self.error_rate

    def take_media_failure(self) -> bool:
        """Whether this upload must fail with ``error_status`` (consumes ``media_fail_next``)."""
        if self.media_fail_next > 0:
            self.media_fail_next -= 1
            return True
        return False

    def take_answer_fault(self, is_post: bool) -> str | None:
        """The answer fault this request gets, if any (consumes ``answer_fault_next``)."""
        if self.answer_fault == "none" or self.answer_fault_next <= 0:
            return None
        if not (is_post or self.scope == "all"):
            return None
        self.answer_fault_next -= 1
        return self.answer_fault

    def take_failure_after_accept(self) -> bool:
        """Whether this stored post must be answered with ``error_status`` (a 503 that lies)."""
        if self.fail_after_accept_next > 0:
            self.fail_after_accept_next -= 1
            return True
        return False

    def take_hang(self) -> bool:
        """Whether this accepted post must answer only after ``hang_s`` (outcome unknown)."""
        if self.timeout_after_accept_next > 0:
            self.timeout_after_accept_next -= 1
            return True
        return False


class Window:
    """One fixed window of one bucket."""

    __slots__ = ("count", "limit", "reset_at")

    def __init__(self, limit: int, reset_at: float) -> None:
        self.limit = limit
        self.reset_at = reset_at
        self.count = 0

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    @property
    def exhausted(self) -> bool:
        return self.count >= self.limit


class RateLimiter:
    """Fixed windows keyed by (bucket, subject); a window starts at its first request."""

    def __init__(self) -> None:
        self._windows: dict[tuple[str, str], Window] = {}

    def window(self, bucket: str, subject: str, limit: int, window_s: float) -> Window:
        key = (bucket, subject)
        t = time.time()
        w = self._windows.get(key)
        if w is None or w.reset_at <= t:
            w = Window(limit, t + window_s)
            self._windows[key] = w
        else:
            w.limit = limit  # a limit changed through the admin API applies at once
        return w
