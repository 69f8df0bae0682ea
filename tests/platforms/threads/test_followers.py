"""The reach of a Threads pledge: the profile's followers, read from its insights
(`threads_manage_insights`), not a 0 standing for "not asked"."""

from __future__ import annotations

from amplifier.platforms.threads import ThreadsAdapter

from ..helpers import REDIRECT_URI, admin, consent
from ..test_threads_contract import make


def test_the_followers_count_comes_from_the_profile_insights(threads_url: str) -> None:
    adapter = make(threads_url)
    request = adapter.authorization_request(redirect_uri=REDIRECT_URI, state="st-ola")
    assert "threads_manage_insights" in request.url
    code = consent(request, username="ola", followers=4321)
    tokens = adapter.exchange_code(code=code, redirect_uri=REDIRECT_URI, code_verifier=None)
    assert adapter.profile(tokens).followers == 4321
    admin(threads_url, "users", {"username": "ola", "followers": 5000})
    assert adapter.profile(tokens).followers == 5000  # read again, not remembered


def test_a_supporter_who_declined_insights_still_pledges(threads_url: str) -> None:
    adapter: ThreadsAdapter = make(threads_url)
    request = adapter.authorization_request(redirect_uri=REDIRECT_URI, state="st-pia")
    narrower = request.url.replace("%2Cthreads_manage_insights", "")
    assert narrower != request.url
    code = consent(type(request)(url=narrower, state=request.state), username="pia")
    tokens = adapter.exchange_code(code=code, redirect_uri=REDIRECT_URI, code_verifier=None)
    # the pledge stands; its reach is unknown (counted 0 until amplifier can show "unknown")
    assert adapter.profile(tokens).handle == "@pia"
