"""A demo-sized run on real processes logs no secret, anywhere.

The whole stack of `amplifier demo` (sandbox, Redis, web under uvicorn, a Celery worker and beat)
runs with every amplifier process at DEBUG; 25 supporters pledge through the web app's real OAuth
round trip, X tokens are short-lived so they are refreshed before the release, and the campaign is
released. Then every log line is searched: this process's root logger (at DEBUG) and the log files
of the web app, the worker, beat and Redis. The sandbox's own log is not searched: it plays the
platforms, whose logs are theirs, not ours.

The secrets searched for are everything a leak could expose: each OAuth access and refresh token
(read from the database through the cipher, polled during the run so refreshed tokens are caught
too), each PKCE code verifier seen, each authorization code (recorded by this test's browser as it
passes through the platform's redirect), the X client secret and every Mastodon client secret, the
owner's API token, the Redis password, the token keys and the signing key, and the signature of
every supporter's manage link.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlmodel import select

from amplifier.crypto import TokenCipher, generate_fernet_key, new_secret
from amplifier.db import Database
from amplifier.demo.browser import PledgeFailed, Supporter, consent_form, form_token
from amplifier.demo.checks import check_exactly_once, sandbox_posts
from amplifier.demo.run import approve_as_admin, make_supporters, schedule_campaign, wait_for_report
from amplifier.demo.stack import local_stack
from amplifier.models import MastodonApp, OAuthAttempt, Pledge
from amplifier.owners.api_tokens import create_owner
from amplifier.supervisor import (
    Stack,
    beat_argv,
    free_port,
    redis_server_binary,
    wait_for_redis,
    worker_argv,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

SUPPORTERS = 25
RELEASE_IN_S = 16.0
_STATE = re.compile(r'name="state" value="([^"]+)"')
_MANAGE = re.compile(r'id="manage-link" href="([^"]+)"')


class RecordingBrowser:
    """The demo browser's walk (amplifier/demo/browser.py), noting each code it carries."""

    def __init__(self, web_url: str, slug: str) -> None:
        self.web_url = web_url
        self.slug = slug
        self.codes: list[str] = []
        self.states: list[str] = []
        self._lock = threading.Lock()

    def pledge(self, who: Supporter) -> str:
        with requests.Session() as browser:
            page = browser.get(f"{self.web_url}/c/{self.slug}", timeout=30)
            form = {"platform": who.platform, "csrf": form_token(page)}
            if who.instance:
                form["instance"] = who.instance
            start = browser.post(
                f"{self.web_url}/c/{self.slug}/pledge", data=form, allow_redirects=False, timeout=30
            )
            if start.status_code != 303:
                raise PledgeFailed("start pledge", start)
            authorize_url = start.headers["location"]
            browser.get(authorize_url, timeout=30).raise_for_status()
            answer = browser.post(
                authorize_url,
                data={
                    "username": who.username,
                    "followers": str(who.followers),
                    "decision": "approve",
                },
                allow_redirects=False,
                timeout=30,
            )
            callback = answer.headers["location"]
            query = parse_qs(urlsplit(callback).query)
            with self._lock:
                self.codes.extend(query.get("code", []))
                self.states.extend(query.get("state", []))
            consent = browser.get(callback, timeout=30)
            if _STATE.search(consent.text) is None:
                raise PledgeFailed("consent page", consent)
            done = browser.post(
                f"{self.web_url}/pledge/confirm",
                data=consent_form(consent),
                timeout=30,
            )
            link = _MANAGE.search(done.text)
            if done.status_code != 200 or link is None:
                raise PledgeFailed("confirm", done)
            return unescape(link.group(1))


class SecretHarvest:
    """Polls the database and decrypts every secret it holds, until stopped."""

    def __init__(self, db: Database, cipher: TokenCipher) -> None:
        self.db = db
        self.cipher = cipher
        self.tokens: set[str] = set()
        self.verifiers: set[str] = set()
        self.client_secrets: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SecretHarvest:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)
        self.collect()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.collect()

    def collect(self) -> None:
        d = self.cipher.decrypt_optional
        with self.db.session() as session:
            for p in session.exec(select(Pledge)):
                self.tokens.update(t for t in (d(p.access_token_enc), d(p.refresh_token_enc)) if t)
            for a in session.exec(select(OAuthAttempt)):
                self.tokens.update(t for t in (d(a.access_token_enc), d(a.refresh_token_enc)) if t)
                verifier = d(a.code_verifier_enc)
                if verifier:
                    self.verifiers.add(verifier)
            for app in session.exec(select(MastodonApp)):
                self.client_secrets.add(self.cipher.decrypt(app.client_secret_enc))


def _redis_with_password(stack: Stack, data_dir: Path, password: str) -> str:
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    stack.start(
        "redis",
        [
            redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", str(data_dir),
            "--requirepass", password,
        ],
    )  # fmt: skip
    url = f"redis://:{password}@127.0.0.1:{port}/0"
    wait_for_redis(url, 15)
    return url


def _at_debug(argv: list[str]) -> list[str]:
    return [("DEBUG" if arg == "INFO" else arg) for arg in argv]


def test_a_demo_sized_run_logs_no_token_code_or_secret(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # this process's root logger
    started = time.monotonic()
    token_key, signing_key, redis_password = generate_fernet_key(), new_secret(32), new_secret(16)
    data_dir = tmp_path / "run"
    with Stack(tmp_path / "redis-logs") as own:
        redis_url = _redis_with_password(own, tmp_path / "redis", redis_password)
        extra = {
            "AMPLIFIER_LOG_LEVEL": "DEBUG",
            "AMPLIFIER_TOKEN_KEYS": token_key,
            "AMPLIFIER_SIGNING_KEY": signing_key,
            "AMPLIFIER_X_ALLOW_SIMILAR_TEXTS": "true",  # every X supporter pledges one text
        }
        with local_stack(
            data_dir,
            redis_url=redis_url,
            worker=False,
            beat=False,
            sandbox_args=("--x-token-ttl", "300"),  # expires before T + 10 min: refreshed
            extra_env=extra,
        ) as stack:
            stack.processes.start("worker", _at_debug(worker_argv()), env=stack.env)
            stack.processes.start(
                "beat", _at_debug(beat_argv(data_dir / "celerybeat-schedule")), env=stack.env
            )
            rt = stack.runtime
            with rt.db.session() as session:
                api_token = create_owner(session, name="Log test owner").token
            with SecretHarvest(rt.db, rt.cipher) as harvest:
                campaign = schedule_campaign(
                    stack,
                    api_token,
                    goal=SUPPORTERS,
                    platforms=["x", "mastodon"],
                    release_in=RELEASE_IN_S,
                )
                approve_as_admin(stack, campaign["id"])
                people = make_supporters(SUPPORTERS, ["x", "mastodon"], stack.mastodon_urls[0])
                browser = RecordingBrowser(stack.web_url, campaign["slug"])
                with ThreadPoolExecutor(max_workers=8) as pool:
                    manage_links = list(pool.map(browser.pledge, people))
                report = wait_for_report(stack, api_token, campaign["id"], until_s=60)
            assert report.status == "released" and report.counts == {"posted": SUPPORTERS}
            problems = check_exactly_once(people, sandbox_posts(stack), campaign["post_text"])
            assert problems == []
            x_client_secret = stack.env["AMPLIFIER_X_CLIENT_SECRET"]
        # every child stopped: its log file is complete
        log_files = [data_dir / "logs" / f"{name}.log" for name in ("web", "worker", "beat")]
        log_files.append(tmp_path / "redis-logs" / "redis.log")
        logs = {path.name: path.read_text(errors="replace") for path in log_files}
    logs["this process (root logger at DEBUG)"] = caplog.text

    x_pledges = sum(who.platform == "x" for who in people)
    assert len(browser.codes) == SUPPORTERS
    assert len(harvest.tokens) >= SUPPORTERS + 2 * x_pledges  # X's refreshed pairs are in it
    assert harvest.client_secrets  # the sandbox Mastodon app's
    secrets: dict[str, set[str]] = {
        "OAuth token": harvest.tokens,
        "PKCE code verifier": harvest.verifiers,
        "authorization code": set(browser.codes),
        "client secret": {x_client_secret, *harvest.client_secrets},
        "owner API token": {api_token},
        "Redis password": {redis_password},
        "token key": {token_key},
        "signing key": {signing_key},
        "manage link signature": {link.rsplit("/", 1)[1] for link in manage_links},
    }
    # the capture really saw the run, at DEBUG where the processes allow it
    assert "DEBUG" in logs["worker.log"] and "DEBUG" in logs["beat.log"]
    assert "fire_campaign" in logs["worker.log"] or "prepare" in logs["worker.log"]
    assert all(len(text) > 0 for text in logs.values())
    leaks = [
        f"{kind} found in {where}"
        for kind, values in secrets.items()
        for value in values
        for where, text in logs.items()
        if value and value in text
    ]
    assert leaks == []
    assert time.monotonic() - started < 90
