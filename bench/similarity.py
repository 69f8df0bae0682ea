"""The consent-time similarity check at scale: time per consent with N texts already pledged.

    .venv/bin/python -m bench.similarity --pledges 100000 --consents 200 --json sim.json
    .venv/bin/python -m bench.similarity --database-url postgresql://.../bench --reset-db

What one run does: a migrated database (SQLite in a temp dir, or `--database-url`, whose
`public` schema `--reset-db` drops and recreates first); one campaign on the first registered
platform that declares a similarity rule, in automatic mode; N pledges with distinct generated
texts (a few sentences of made-up words with some of the campaign's common words, plus its
hashtag and link, as supporters writing their own would), inserted with executemany together
with their MinHash bands (the rows `consent_similarity.remember` writes). Then `--consents` new
texts are checked exactly as a consent is (`consent_similarity.too_close`, one transaction
each): half new distinct texts, half near-duplicates of a pledged one (reordered, upper case,
emoji, another hashtag). Reported: seeding time, time per consent (p50, p95, max, mean), the
pledged texts sharing a band with a pledged text (what a consent compares exactly), and how many
near-duplicates were caught and distinct texts accepted (both should be all).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from amplifier.campaigns import consent_similarity
from amplifier.campaigns.posting_tables import TextBand
from amplifier.campaigns.similarity import HASHER, shingles
from amplifier.db import Database, upgrade
from amplifier.models import Campaign, Owner, Pledge
from amplifier.platforms.registry import PLATFORMS
from amplifier.timeutil import utcnow
from config.settings import Settings

LINK = "https://example.org/library-late"
TAG = "#LibraryLate"
SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "te", "vi", "do", "pa", "re", "su", "ti", "mo")
# 2,744 three-syllable words: a supporter's own words, as varied as people's vocabularies (a
# few hundred distinct words among a campaign's texts); the measure does not care about language.
VOCABULARY = tuple(a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES)
COMMON = ("library", "open", "late", "keep", "our", "the", "and", "for", "please", "evening")


def _text(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randint(2, 3)):
        words = rng.sample(VOCABULARY, rng.randint(4, 8)) + rng.sample(COMMON, 2)
        rng.shuffle(words)
        sentences.append(" ".join(words).capitalize() + ".")
    return f"{' '.join(sentences)} {TAG} {LINK}"


def _near(text: str, rng: random.Random) -> str:
    body = text.removesuffix(f" {TAG} {LINK}").rstrip(".").split(" ")
    rng.shuffle(body)
    return f"{' '.join(body).upper()} 📚🙏 #SaveOurLibrary {LINK}"


def _seed(db: Database, platform: str, pledges: int, rng: random.Random) -> tuple[int, list[str]]:
    with db.session() as session:
        owner = Owner(name="bench")
        session.add(owner)
        session.flush()
        assert owner.id is not None
        now = utcnow()
        from datetime import timedelta

        campaign = Campaign(
            owner_id=owner.id,
            slug=f"bench-similarity-{rng.randrange(10**9)}",
            title="bench",
            story="bench",
            message_text=f"Keep our library open late {TAG}",
            link=LINK,
            goal=pledges,
            platforms=platform,
            platform_modes=f"{platform}=automatic",
            pledge_deadline=now + timedelta(days=1),
            release_at=now + timedelta(days=2),
            review_status="approved",
            personalisation_allowed=True,
        )
        session.add(campaign)
        session.flush()
        assert campaign.id is not None
        campaign_id = campaign.id
    texts = [_text(rng) for _ in range(pledges)]
    chunk = 5_000
    for start in range(0, pledges, chunk):
        part = texts[start : start + chunk]
        with db.engine.begin() as conn:
            ids = (
                conn.execute(
                    sa.insert(Pledge).returning(col(Pledge.id)),
                    [
                        {
                            "campaign_id": campaign_id,
                            "platform": platform,
                            "instance_url": "",
                            "account_id": f"bench-{start + i}",
                            "handle": f"@bench{start + i}",
                            "post_text": text,
                            "status": "active",
                            "consented_version": 1,
                            "personalised": True,
                            "followers": 0,
                            "display_name": "",
                            "profile_url": "",
                            "email_receipts": False,
                            "email_updates": False,
                            "created_at": utcnow(),
                        }
                        for i, text in enumerate(part)
                    ],
                )
                .scalars()
                .all()
            )
            conn.execute(
                sa.insert(TextBand),
                [
                    {
                        "campaign_id": campaign_id,
                        "platform": platform,
                        "pledge_id": pid,
                        "band": key,
                    }
                    for pid, text in zip(ids, part, strict=True)
                    for key in HASHER.bands(shingles(text))
                ],
            )
    return campaign_id, texts


def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    platform, rule = next(
        (name, rule)
        for name, declared in PLATFORMS.items()
        if (rule := declared.similarity_rule(declared.settings_of(settings))) is not None
    )
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        if args.reset_db and url.startswith("postgresql"):
            engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
            with engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            engine.dispose()
        upgrade(url)
        db = Database(url)
        started = time.perf_counter()
        campaign_id, texts = _seed(db, platform, args.pledges, rng)
        seeded_s = time.perf_counter() - started
        timings: list[float] = []
        caught = accepted = 0
        for i in range(args.consents):
            near = i % 2 == 1
            text = _near(rng.choice(texts), rng) if near else _text(rng)
            began = time.perf_counter()
            with db.session() as session:
                campaign = session.get(Campaign, campaign_id)
                assert campaign is not None
                found = consent_similarity.too_close(session, campaign, platform, text, rule)
            timings.append(time.perf_counter() - began)
            caught += near and found is not None
            accepted += (not near) and found is None
        with db.session() as session:
            candidates = _mean_candidates(session, campaign_id, platform, texts[:50])
        db.dispose()
    timings.sort()
    return {
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
        "pledges": args.pledges,
        "consents": args.consents,
        "threshold": rule.threshold,
        "seed_s": round(seeded_s, 1),
        "consent_ms": {
            "p50": round(statistics.median(timings) * 1000, 2),
            "p95": round(timings[int(len(timings) * 0.95) - 1] * 1000, 2),
            "max": round(timings[-1] * 1000, 2),
            "mean": round(statistics.fmean(timings) * 1000, 2),
        },
        "candidates_per_consent": candidates,
        "near_duplicates_caught": f"{caught}/{args.consents // 2}",
        "distinct_accepted": f"{accepted}/{args.consents - args.consents // 2}",
    }


def _mean_candidates(session: Session, campaign_id: int, platform: str, texts: list[str]) -> float:
    """How many pledged texts share a band with a pledged text (itself included)."""
    counts = []
    for text in texts:
        keys = HASHER.bands(shingles(text))
        found = session.exec(
            select(sa.func.count(sa.distinct(TextBand.pledge_id))).where(
                TextBand.campaign_id == campaign_id,
                TextBand.platform == platform,
                col(TextBand.band).in_(keys),
            )
        ).one()
        counts.append(int(found))
    return round(statistics.fmean(counts), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pledges", type=int, default=100_000)
    parser.add_argument("--consents", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--reset-db", action="store_true")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--json", type=Path, default=None)
    result = run(parser.parse_args())
    print(json.dumps(result, indent=2))
    if parser.parse_args().json:
        parser.parse_args().json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
