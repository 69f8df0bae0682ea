"""The owner API answers 4xx, never 5xx, whatever it is sent.

schemathesis generates requests from the app's own OpenAPI schema (/openapi.json), valid and
invalid ones, and sends them in-process through the whole app (middlewares included): as a real
owner (Bearer token), with an unknown token and with none, against campaigns that exist, belong
to someone else, or cannot exist. A third source sends nearly valid campaigns (future dates, odd
text, extreme goals and links) so creation itself is exercised, not only its validation.

`AMPLIFIER_FUZZ_EXAMPLES` sets the examples per operation and mode (default 40).
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import timedelta
from typing import Any

import hypothesis.strategies as st
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from amplifier.owners.admins import create_admin
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.app import create_app
from tests import factories

EXAMPLES = int(os.environ.get("AMPLIFIER_FUZZ_EXAMPLES", "40"))


def _seed(rt: Runtime) -> tuple[str, str, list[int]]:
    """The owner's and an admin's tokens, and campaign ids worth aiming at: own, someone else's,
    pending review."""
    with rt.db.session() as session:
        mine = factories.owner(session, name="Fuzzing owner")
        other = factories.owner(session, name="Someone else")
        admin = create_admin(
            session, email="fuzz-admin@example.org", name="Admin", password="p" * 12, now=utcnow()
        )
        assert mine.owner.id is not None and other.owner.id is not None
        own = factories.campaign(session, mine.owner.id)
        cancelled = factories.campaign(session, mine.owner.id, status="cancelled")
        foreign = factories.campaign(session, other.owner.id)
        pending = factories.campaign(session, other.owner.id, approved=False)
        ids = [c.id for c in (own, cancelled, foreign, pending)]
    return mine.token, admin.token, [i for i in ids if i is not None]


_text = st.text(st.characters(codec="utf-8"), max_size=60)


@st.composite
def _nearly_valid_campaign(draw: st.DrawFn) -> dict[str, Any]:
    """Mostly valid campaigns, each with one or two odd values."""
    now = utcnow()
    deadline = now + timedelta(seconds=draw(st.integers(-60, 10**9)))
    release = deadline + timedelta(seconds=draw(st.integers(-60, 10**9)))
    offset = draw(st.sampled_from(["+00:00", "+14:00", "-12:00", "Z", "+05:30"]))
    odd_dates = st.sampled_from(  # valid ISO dates that do not exist once converted to UTC
        ["0001-01-01T00:00:00+04:17", "9999-12-31T23:59:59-10:00"]
    )
    usual: dict[str, Any] = {
        "pledge_deadline": deadline.isoformat().replace("+00:00", offset),
        "release_at": release.isoformat(),
        "platforms": draw(st.sampled_from([["x"], ["mastodon"], ["x", "mastodon"]])),
    }
    odd = {
        "title": st.one_of(_text, st.just("x" * 200), st.just("NUL \x00 inside")),
        "story": _text,
        "message_text": st.one_of(_text, st.text(max_size=400)),
        "link": st.one_of(st.none(), st.just(""), _text.map(lambda t: "https://e.org/" + t)),
        "goal": st.integers(-1, 10**12),
        "platforms": st.lists(st.sampled_from(["x", "mastodon", "X ", "myspace"]), max_size=3),
        "pledge_deadline": odd_dates,
        "release_at": odd_dates,
    }
    for name in draw(st.lists(st.sampled_from(sorted(odd)), min_size=1, max_size=2)):
        usual[name] = draw(odd[name])
    return factories.payload(**usual)


def test_no_input_makes_the_api_answer_5xx(runtime: Runtime) -> None:
    runtime.settings.rate_api_write_per_min = 1_000_000  # a 429 would hide the rest
    token, admin_token, ids = _seed(runtime)
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(runtime))
    campaign_ids = st.sampled_from([*ids, 0, -1, 2**31, 2**63 - 1, 2**63, 10**30])
    callers = st.sampled_from(
        [{"Authorization": f"Bearer {token}"}] * 3
        + [{"Authorization": f"Bearer {admin_token}"}] * 2  # the admin API's own paths too
        + [{"Authorization": "Bearer amp_not-a-real-token"}, {}]
    )
    failures: list[str] = []
    statuses: Counter[int] = Counter()

    def check(case: Any, caller: dict[str, str]) -> None:
        label = f"{case.method} {case.formatted_path} body={case.body!r} query={case.query!r}"
        try:
            response = case.call(headers=caller)
        except Exception as exc:  # in-process, a 500's exception reaches the caller
            failures.append(f"{label} raised {exc!r}")
            return
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            failures.append(f"{label} -> {response.status_code} {response.text[:200]}")

    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        sources: list[st.SearchStrategy[Any]] = []
        for mode in GenerationMode:
            if "{campaign_id}" in operation.path:
                sources.append(
                    campaign_ids.flatmap(
                        lambda i, mode=mode, op=operation: op.as_strategy(
                            generation_mode=mode, path_parameters={"campaign_id": i}
                        )
                    )
                )
            else:
                sources.append(operation.as_strategy(generation_mode=mode))
        if operation.method.upper() == "POST" and operation.path == "/api/campaigns":
            sources.append(
                _nearly_valid_campaign().flatmap(lambda b, op=operation: op.as_strategy(body=b))
            )
        for source in sources:

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=source, caller=callers)
            def fuzz(case: Any, caller: dict[str, str]) -> None:
                check(case, caller)

            fuzz()

    assert len(operations) >= 14  # campaigns, message edits, tokens, the admin API
    assert failures == [], "\n".join(failures[:20])
    assert statuses[201] > 0 and statuses[200] > 0  # the happy paths were reached too
