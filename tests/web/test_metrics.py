"""What the operator sees at GET /metrics (amplifier/metrics.py, web/metrics_page.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from amplifier.models import Campaign
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from tests.release.test_release import _armed_campaign, _release_due
from tests.web.conftest import ClientFactory

TOKEN = "scrape-token-for-tests"


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _value(text: str, name: str, **labels: str) -> float:
    return _samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_are_closed_without_the_token(make_client: ClientFactory) -> None:
    assert make_client().get("/metrics").status_code == 404  # no token configured: absent
    client = make_client(metrics_token=TOKEN)
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-it"})
    assert wrong.status_code == 401 and "amplifier_" not in wrong.text


def test_web_latency_is_labelled_by_route_template(
    make_client: ClientFactory, campaign: Campaign
) -> None:
    client = make_client(metrics_token=TOKEN)
    client.get(f"/c/{campaign.slug}")
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert _value(
        answer.text, "amplifier_web_request_seconds_count", method="GET", route="/c/{slug}"
    )
    assert campaign.slug not in answer.text  # never the raw path


def test_a_release_counts_posts_offsets_and_deliveries(
    runtime: Runtime, sandbox: RunningSandbox, make_client: ClientFactory
) -> None:
    client = make_client(metrics_token=TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    before = client.get("/metrics", headers=auth).text
    _armed_campaign(runtime, [("x", "ann"), ("x", "ben"), ("mastodon", "cat")])
    _release_due(runtime)
    after = client.get("/metrics", headers=auth).text
    for platform, count in (("x", 2), ("mastodon", 1)):
        name, posted = "amplifier_posts_total", {"platform": platform, "outcome": "posted"}
        assert _value(after, name, **posted) - _value(before, name, **posted) == count
        offsets = "amplifier_post_offset_seconds_count"
        assert (
            _value(after, offsets, platform=platform) - _value(before, offsets, platform=platform)
            == count
        )
        # exact, from the database at scrape time
        assert _value(after, "amplifier_deliveries", platform=platform, status="posted") == count
    assert "amplifier_outbox_messages" in after


def test_several_processes_are_counted_together(tmp_path: Path) -> None:
    """prometheus-client's multiprocess mode: each process writes its own file in
    PROMETHEUS_MULTIPROC_DIR, and a scrape from any process adds them up."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = (
        "from amplifier import metrics; "
        "metrics.POSTS.labels('x', 'posted').inc(3); metrics.limiter_paused('x')"
    )
    for _ in range(2):  # two workers
        subprocess.run([sys.executable, "-c", count], env=env, check=True, timeout=60)
    scraped = subprocess.run(
        [
            sys.executable,
            "-c",
            "from amplifier import metrics; print(metrics.scrape(None).decode())",
        ],
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    ).stdout
    assert _value(scraped, "amplifier_posts_total", platform="x", outcome="posted") == 6
    assert _value(scraped, "amplifier_limiter_pauses_total", platform="x") == 2
