"""What a release did, judged from the platforms' side, and how much memory the workers took.

Offsets come from the sandbox's own `created_at` (server side, ISO 8601 with milliseconds), which
the sandbox stamps after its simulated latency: a request that reaches it at T is stored at
T + latency. `first_request_late_ms` takes that latency back out.
"""

from __future__ import annotations

import math
import os
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any


def parse_iso(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (q in 0..100)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass
class Post:
    platform: str
    user_id: str
    text: str
    created_at: float


def posts_of(platform: str, answer: dict[str, Any]) -> list[Post]:
    return [
        Post(platform, str(p["user_id"]), str(p["text"]), parse_iso(str(p["created_at"])))
        for p in answer["posts"]
    ]


@dataclass
class ReleaseStats:
    pledges: int
    posted: int
    duplicates: int
    lost: int
    wrong_text: int
    early_posts: int
    early_requests: int
    failed: int
    unconfirmed: int
    deliveries: dict[str, int]
    delivery_mismatch: int
    first_post_late_ms: float
    first_request_late_ms: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    spread_ms: float
    release_posts_per_s: float
    posts_per_s_from_t: float
    offsets_ms: list[float] = field(repr=False)
    # per platform: its first request's offset from T (stored - latency). For a staged platform
    # (Threads' containers are made before T) this is the publication call, the only one at T.
    first_request_by_platform_ms: dict[str, float] = field(default_factory=dict)


def analyse(
    posts: Iterable[Post],
    *,
    pledged: set[str],
    post_text: str,
    deliveries: dict[str, str] | None,
    release_at: float,
    latency_ms: float,
) -> ReleaseStats:
    """`pledged` and `deliveries` are keyed `platform:account_id` (the sandbox's user id)."""
    mine = [p for p in posts if f"{p.platform}:{p.user_id}" in pledged]
    wrong_text = sum(1 for p in mine if p.text != post_text)
    right = [p for p in mine if p.text == post_text]
    per_account = Counter(f"{p.platform}:{p.user_id}" for p in right)
    duplicates = sum(n - 1 for n in per_account.values() if n > 1)
    delivery = deliveries or {}
    settled = {k for k, status in delivery.items() if status in ("failed", "unconfirmed")}
    lost = len(pledged - set(per_account) - settled)
    counts = Counter(delivery.values())
    mismatch = (
        sum(1 for key in pledged if (key in per_account) != (delivery.get(key) == "posted"))
        if deliveries is not None
        else 0
    )
    # one offset per account: its first post (a duplicate is counted above, not timed twice)
    first_at: dict[str, float] = {}
    for p in right:
        key = f"{p.platform}:{p.user_id}"
        first_at[key] = min(first_at.get(key, p.created_at), p.created_at)
    offsets = sorted((t - release_at) * 1000 for t in first_at.values())
    by_platform: dict[str, float] = {}
    for key, t in first_at.items():
        platform = key.split(":", 1)[0]
        offset = (t - release_at) * 1000 - latency_ms
        by_platform[platform] = min(by_platform.get(platform, offset), offset)
    early_posts = sum(1 for o in offsets if o < 0)
    early_requests = sum(1 for o in offsets if o - latency_ms < -1)  # ms truncation
    first = offsets[0] if offsets else math.nan
    last = offsets[-1] if offsets else math.nan
    spread = last - first if offsets else math.nan
    return ReleaseStats(
        pledges=len(pledged),
        posted=len(per_account),
        duplicates=duplicates,
        lost=lost,
        wrong_text=wrong_text,
        early_posts=early_posts,
        early_requests=early_requests,
        failed=counts.get("failed", 0),
        unconfirmed=counts.get("unconfirmed", 0),
        deliveries=dict(counts),
        delivery_mismatch=mismatch,
        first_post_late_ms=first,
        first_request_late_ms=first - latency_ms,
        p50_ms=percentile(offsets, 50),
        p99_ms=percentile(offsets, 99),
        max_ms=last,
        spread_ms=spread,
        release_posts_per_s=len(offsets) / (spread / 1000) if spread > 0 else math.nan,
        posts_per_s_from_t=len(offsets) / (last / 1000) if offsets and last > 0 else math.nan,
        offsets_ms=offsets,
        first_request_by_platform_ms=by_platform,
    )


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    """`pid` and every process below it, from /proc/<pid>/task/<tid>/children (Linux)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                queue.extend(int(c) for c in children.read_text().split())
            except (OSError, ValueError):
                continue
    return found


def _status_kb(pid: int, field_name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process (fields 14 and 15 of /proc/<pid>/stat)."""
    try:
        after_name = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(after_name[11]) + int(after_name[12])) / CLOCK_TICKS
    except (OSError, ValueError, IndexError):
        return 0.0


def tree_usage(pid: int) -> tuple[int, float]:
    """(RSS bytes, CPU seconds) of a process tree. RSS is the larger of the tree's summed current
    RSS and the root's own high-water mark (VmHWM), so that a spike between two samples of a
    one-process worker is not missed."""
    members = _descendants(pid)
    rss_kb = sum(_status_kb(m, "VmRSS") for m in members)
    return max(rss_kb, _status_kb(pid, "VmHWM")) * 1024, sum(_cpu_s(m) for m in members)


class RssMonitor:
    """Samples each watched process tree every `interval_s`: the peak RSS and CPU time of each."""

    def __init__(self, interval_s: float = 0.1) -> None:
        self.interval_s = interval_s
        self.peaks: dict[str, int] = {}
        self.cpu_s: dict[str, float] = {}
        self._pids: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-monitor", daemon=True)

    def watch(self, name: str, pid: int) -> None:
        with self._lock:
            self._pids[name] = pid
            self.peaks.setdefault(name, 0)

    def start(self) -> RssMonitor:
        self._thread.start()
        return self

    def sample(self) -> None:
        with self._lock:
            pids = dict(self._pids)
        for name, pid in pids.items():
            if not Path(f"/proc/{pid}").exists():
                continue
            rss, cpu = tree_usage(pid)
            with self._lock:
                self.peaks[name] = max(self.peaks[name], rss)
                self.cpu_s[name] = max(self.cpu_s.get(name, 0.0), cpu)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    def stop(self) -> dict[str, float]:
        """Stop sampling; the peaks in MB (MiB), by name."""
        self.sample()
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)
        return {name: round(peak / 2**20, 1) for name, peak in self.peaks.items()}
