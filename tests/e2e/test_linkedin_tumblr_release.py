"""LinkedIn and Tumblr on real parts (issue 11): supporters pledge through the web pages and
the sandbox's OAuth (a Tumblr supporter chooses a blog), and at T each post lands once with the
exact consented text — on LinkedIn not cut at a reserved character, however many it holds.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from amplifier.demo.browser import pledge
from amplifier.demo.checks import check_exactly_once, sandbox_posts
from amplifier.demo.run import approve_as_admin, make_supporters, wait_for_report
from amplifier.demo.stack import local_stack
from amplifier.owners.api_tokens import create_owner
from amplifier.timeutil import utcnow

pytestmark = pytest.mark.slow
RESERVED_TEXT = (
    "Keep (our) library open! #LibraryLate @council [now] <8pm> *please* _today_ ~ever~ "
    "a|b {hours} C:\\books"
)


def test_linkedin_and_tumblr_pledges_post_once_with_the_exact_text(tmp_path: Path) -> None:
    with local_stack(tmp_path) as stack:
        with stack.runtime.db.session() as session:
            token = create_owner(session, name="E2E owner").token
        now = utcnow()
        answer = requests.post(
            f"{stack.web_url}/api/campaigns",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "title": "Reserved characters",
                "story": "Every character as typed.",
                "message_text": RESERVED_TEXT,
                "link": "https://example.org/library-late",
                "goal": 4,
                "pledge_deadline": (now + timedelta(seconds=12)).isoformat(),
                "release_at": (now + timedelta(seconds=16)).isoformat(),
                "platforms": ["linkedin", "tumblr"],
            },
            timeout=30,
        )
        assert answer.status_code == 201, answer.text
        campaign: dict[str, Any] = answer.json()
        approve_as_admin(stack, campaign["id"])
        people = make_supporters(4, ["linkedin", "tumblr"], "")
        for who in people:
            pledge(stack.web_url, campaign["slug"], who)
        report = wait_for_report(stack, token, campaign["id"], until_s=60)
        assert report.status == "released"
        assert report.counts == {"posted": 4}
        posts = sandbox_posts(stack)
        assert check_exactly_once(people, posts, campaign["post_text"]) == []
        assert all(RESERVED_TEXT in p["text"] for p in posts)
        assert len(sandbox_posts(stack)) == 4
