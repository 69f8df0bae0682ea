"""The demo's script: schedule a campaign, supporters pledge over HTTP, watch the release, check.

It exits successfully only if every pledge was posted exactly once on the sandbox with the exact
text its supporter consented to, and the owner's report says the same.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from rich.console import Console

from amplifier.campaigns.report import CampaignReport
from amplifier.cli.campaign import print_report
from amplifier.demo import distinct
from amplifier.demo.browser import Supporter, pledge
from amplifier.demo.checks import check_exactly_once, sandbox_posts
from amplifier.demo.mail import (
    MAIL_TICK_S,
    OWNER_EMAIL,
    confirmed_owner,
    supporter_email,
    wait_for_mail,
)
from amplifier.demo.picture import attach_demo_picture
from amplifier.demo.stack import LocalStack, local_stack, sandbox_hosts
from amplifier.notify.mailbox import mailbox_dir
from amplifier.owners.admins import create_admin
from amplifier.platforms.declaration import AccountHome, ConnectAsks
from amplifier.platforms.registry import declaration
from amplifier.timeutil import utcnow


def on_hosts(platform: str) -> bool:
    """Whether supporters of `platform` name their own server (the sandbox's first one here)."""
    return declaration(platform).home is AccountHome.SUPPORTER_HOST


def make_supporters(
    count: int,
    platforms: list[str],
    mastodon_url: str,
    handle_domains: Mapping[str, str] | None = None,
) -> list[Supporter]:
    """`handle_domains`: for platforms whose connect step asks a handle, the sandbox's domain
    of handles (`LocalStack.handle_domains`); the supporter types `<username>.<domain>`."""
    people = []
    for i in range(count):
        platform = platforms[i % len(platforms)]
        username = f"supporter{i:03d}"
        instance = mastodon_url if on_hosts(platform) else ""
        if declaration(platform).connect.asks is ConnectAsks.HANDLE:
            instance = f"{username}.{(handle_domains or {})[platform]}"
        people.append(
            Supporter(
                username=username,
                platform=platform,
                followers=100 + (i * 37) % 900,
                instance=instance,
                email=supporter_email(f"supporter{i:03d}"),
            )
        )
    return people


def schedule_campaign(
    stack: LocalStack,
    token: str,
    *,
    goal: int,
    platforms: list[str],
    release_in: float,
    overrides: Callable[[dict[str, Any]], dict[str, Any]] = lambda payload: payload,
) -> dict[str, Any]:
    now = utcnow()
    deadline = now + timedelta(seconds=release_in - 4)
    release = now + timedelta(seconds=release_in)
    payload = {
        "title": "Light up the library",
        "story": "Our town library closes at six. We ask the council to keep it open late.",
        "message_text": distinct.MESSAGE,
        "link": distinct.LINK,
        "goal": goal,
        "pledge_deadline": deadline.isoformat(),
        "release_at": release.isoformat(),
        "platforms": platforms,
        # supporters may reword it (keeping the hashtag and link): where a platform forbids
        # similar posts from many accounts, each one's text must be their own
        "personalisation_allowed": True,
        "personal_required": [distinct.HASHTAG],
    }
    answer = requests.post(
        f"{stack.web_url}/api/campaigns",
        headers={"Authorization": f"Bearer {token}"},
        json=overrides(payload),
        timeout=30,
    )
    answer.raise_for_status()
    campaign: dict[str, Any] = answer.json()
    return campaign


def approve_as_admin(stack: LocalStack, campaign_id: int) -> dict[str, Any]:
    """The review step of a public deployment: an admin approves the campaign through the admin
    API (the admin is made as `amplifier admin create` makes one)."""
    with stack.runtime.db.session() as session:
        admin_token = create_admin(
            session,
            email=f"admin-{secrets.token_hex(4)}@demo.invalid",
            name="Demo admin",
            password=secrets.token_urlsafe(16),
            now=utcnow(),
        ).token
    answer = requests.post(
        f"{stack.web_url}/api/admin/campaigns/{campaign_id}/approve",
        headers={"Authorization": f"Bearer {admin_token}"},
        timeout=30,
    )
    answer.raise_for_status()
    approved: dict[str, Any] = answer.json()
    return approved


def local_time(at: datetime | str) -> str:
    """'18:00:05 CET (in 20 s)': the clock on the wall where the demo runs, and how far off."""
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    shown = moment.astimezone()
    seconds = (moment - utcnow()).total_seconds()
    ago = f"in {seconds:,.0f} s" if seconds >= 0.5 else f"{-seconds:,.0f} s ago"
    zone = f" {shown.tzname()}" if shown.tzname() else ""
    return f"{shown:%H:%M:%S}{zone} ({ago})"


def wait_for_report(
    stack: LocalStack,
    token: str,
    campaign_id: int,
    *,
    until_s: float,
    on_status: Callable[[str, CampaignReport], None] = lambda _before, _now: None,
) -> CampaignReport:
    """Poll the owner's report until the campaign is over; `on_status(before, report)` hears
    each change of status."""
    deadline = time.monotonic() + until_s
    last = ""
    while True:
        answer = requests.get(
            f"{stack.web_url}/api/campaigns/{campaign_id}/report",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        answer.raise_for_status()
        report = CampaignReport.model_validate(answer.json())
        if report.status != last:
            on_status(last, report)
            last = report.status
        if report.status in ("released", "failed", "cancelled") or time.monotonic() > deadline:
            return report
        for proc in stack.processes.processes:
            proc.fail_if_dead()
        time.sleep(0.5)


def status_news(before: str, report: CampaignReport) -> list[str]:
    """The lines to print when the campaign moves from `before` to `report.status`."""
    support = f"{report.supporters:,} of {report.goal:,} supporters"
    lines = []
    if before in ("", "open") and report.status in ("armed", "releasing", "released"):
        lines.append(f"deadline passed: judged, goal met ({support}); the posts are armed")
    news = {
        "open": f"pledging is open: {support} so far",
        "releasing": (
            f"preparing: one delivery per pledge, tokens checked, "
            f"posts queued for T {local_time(report.release_at)}…"
        ),
        "released": "released: every post has an outcome",
        "failed": f"deadline passed: judged, goal missed ({support}); nothing will be posted",
        "cancelled": "the campaign was cancelled",
    }
    if report.status in news:
        lines.append(news[report.status])
    elif report.status != "armed":
        lines.append(f"campaign is {report.status}")
    return lines


def run_demo(
    *,
    supporters: int,
    platforms: list[str],
    release_in: float,
    keep: Path | None,
    console: Console,
) -> bool:
    data_dir = keep or Path(tempfile.mkdtemp(prefix="amplifier-demo-"))
    database_url = os.environ.get("AMPLIFIER_DATABASE_URL")
    console.print(
        "[bold]amplifier demo[/]: starting Redis, the platform sandbox, the web app, "
        "a Celery worker and Celery beat on free local ports…"
    )
    try:
        with local_stack(
            data_dir,
            database_url=database_url,
            redis_url=os.environ.get("AMPLIFIER_REDIS_URL"),
            extra_env={
                "AMPLIFIER_MAIL_TICK_S": MAIL_TICK_S,
                # the message (and its picture) may change until T - lead: the demo attaches
                # its picture after scheduling, and preparation starts at the deadline anyway
                "AMPLIFIER_RELEASE_PREPARE_LEAD_S": "5",
            },
        ) as stack:
            logs = (
                f"logs in {data_dir / 'logs'}"
                if keep
                else "logs are deleted at exit (--keep DIR keeps them)"
            )
            console.print(
                f"running · web {stack.web_url} · sandbox: {sandbox_hosts(stack.announced)}"
                f" · {logs}"
            )
            token = confirmed_owner(stack)
            campaign = schedule_campaign(
                stack, token, goal=supporters, platforms=platforms, release_in=release_in
            )
            console.print(
                f"campaign {campaign['id']} scheduled, {campaign['review_status']} review: "
                f"{campaign['signup_url']}"
            )
            imageless = [declaration(p).label for p in platforms if declaration(p).media is None]
            alt_text: str | None = None
            if imageless:  # the picture would be refused for them, so this campaign has none
                console.print(
                    f"no picture with this campaign: {', '.join(imageless)} take no image "
                    "from amplifier yet",
                    soft_wrap=True,
                )
            else:
                image = attach_demo_picture(stack.web_url, token, campaign["id"])
                alt_text = str(image["alt_text"])
                console.print(
                    f"its picture attached (PUT /api/campaigns/{campaign['id']}/image): "
                    f"{image['media_type']}, {image['width']} by {image['height']} pixels, "
                    f"alt text “{alt_text}”; every supporter's account gets its own upload "
                    "during preparation",
                    soft_wrap=True,
                )
            approved = approve_as_admin(stack, campaign["id"])
            console.print(
                f"an admin approved it (POST /api/admin/campaigns/{campaign['id']}/approve): "
                f"review {approved['review_status']}, the signup page is public now"
            )
            console.print(
                f"pledge deadline {local_time(campaign['pledge_deadline'])}, "
                f"release (T) {local_time(campaign['release_at'])}; "
                f"{supporters:,} supporters pledging…"
            )
            ruled = distinct.ruled_platform() if distinct.ruled_platform() in platforms else None
            people = distinct.with_own_texts(
                make_supporters(
                    supporters, platforms, stack.mastodon_urls[0], stack.handle_domains()
                ),
                ruled,
            )
            own = [who for who in people if who.platform == ruled]
            pair = (own[0], own[-1]) if len(own) > 1 else None  # the message's, then a copy
            refused: list[str] = []
            intents: list[dict[str, Any]] = []

            def copy_refused_then_own() -> None:
                assert pair is not None
                pledge(stack.web_url, campaign["slug"], pair[0])
                refused.append(
                    distinct.near_duplicate_refused_then_corrected(
                        stack.web_url, campaign["slug"], pair[1]
                    )
                )

            def intent_mode() -> None:  # a second campaign, about the same T: links by mail
                assert ruled is not None
                intent = schedule_campaign(
                    stack,
                    token,
                    goal=2,
                    platforms=[ruled],
                    release_in=release_in - 1,
                    overrides=lambda p: distinct.intent_campaign(p, ruled),
                )
                approve_as_admin(stack, intent["id"])
                for n in (1, 2):
                    email = supporter_email(f"onetap{n}")
                    distinct.pledge_by_email(stack.web_url, intent["slug"], email)
                intents.append(intent)

            def pledge_one(who: Supporter) -> Callable[[], object]:
                return lambda: pledge(stack.web_url, campaign["slug"], who)

            jobs = [pledge_one(who) for who in people if pair is None or who not in pair]
            if pair is not None:
                jobs.append(copy_refused_then_own)
            if ruled is not None:
                jobs.append(intent_mode)
            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(lambda job: job(), jobs))
            intent = intents[0] if intents else None
            if pair is not None:
                console.print(
                    f"{len(own)} {ruled} supporters pledged their own texts; "
                    f"{pair[1].username} first tried the message in capitals with emoji, "
                    f"refused: “{refused[0][:110]}…”; then pledged in their own words",
                    soft_wrap=True,
                )
            if intent is not None:
                console.print(
                    f"campaign {intent['id']} ({ruled} in intent mode): 2 supporters pledged "
                    "with an email address only; each is mailed a one-tap link at its T"
                )
            console.print(
                f"{supporters:,} pledges recorded in {time.monotonic() - started:.1f} s; "
                "waiting for the deadline and the release…"
            )

            def tell(before: str, now: CampaignReport) -> None:
                for line in status_news(before, now):
                    console.print(line)

            report = wait_for_report(
                stack, token, campaign["id"], until_s=release_in + 90, on_status=tell
            )
            print_report(console, report)
            if intent is not None:
                wait_for_report(stack, token, intent["id"], until_s=30)
            mails = wait_for_mail(stack)
            if intent is not None:
                counts = requests.get(
                    f"{stack.web_url}/api/campaigns/{intent['id']}/intents",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=30,
                ).json()
                console.print(f"one-tap links: {counts['note']}", soft_wrap=True)
            if keep:
                where = (
                    f"kept in {mailbox_dir(stack.runtime.settings)} as .eml files "
                    f"(`AMPLIFIER_DATA_DIR={data_dir} amplifier web` lists them at /dev/mailbox)"
                )
            else:  # the data dir goes at exit; the mails are worth reading afterwards
                copied = Path(tempfile.mkdtemp(prefix="amplifier-demo-mail-"))
                shutil.copytree(mailbox_dir(stack.runtime.settings), copied, dirs_exist_ok=True)
                where = f"copied to {copied} as .eml files (any mail program opens them)"
            console.print(
                f"{mails} mails sent with the development sender (receipts to the supporters, "
                f"notices to the owner {OWNER_EMAIL}); {where}",
                soft_wrap=True,
            )
            problems = check_exactly_once(
                people, sandbox_posts(stack), campaign["post_text"], alt_text
            )
            if report.status != "released":
                problems.append(f"campaign ended {report.status}, expected released")
            if report.counts.get("posted", 0) != supporters:
                problems.append(f"report says {report.counts}, expected {supporters} posted")
            if problems:
                for problem in problems:
                    console.print(f"[red]✗ {problem}[/]")
                return False
            console.print(
                f"[green]✓ {supporters:,} pledges, {supporters:,} posts on the sandbox, "
                "each exactly once"
                + (" and each with the picture and its alt text" if alt_text else "")
                + f"; reach {report.reached:,} followers[/]"
            )
            return True
    finally:
        if keep is None:
            shutil.rmtree(data_dir, ignore_errors=True)
