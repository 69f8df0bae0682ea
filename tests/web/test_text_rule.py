"""One rule for the characters every text field refuses, on the API, the forms and the CLI, on
SQLite and PostgreSQL alike.

The owner's message took ESC sequences and bidi overrides that supporters' own texts refused, and
a NUL was refused on PostgreSQL but stored on SQLite. Now every field refuses C0/C1 controls
(line breaks and tabs only where the field holds several lines), NUL, unpaired surrogates and
bidi overrides/isolates, with a message naming the character and its position, and stores
nothing. Sent over real HTTP to the app under uvicorn, and through the real `amplifier` command.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlmodel import select

from amplifier.characters import character_problem
from amplifier.models import Campaign, Owner
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from tests import factories
from tests.conftest import LiveWeb
from tests.owners.conftest import PASSWORD, csrf_of

# (what is typed, the position and code point the answer must name)
REFUSED = [
    ("Save\x1b[2J the river", "character 5 is U+001B (ESCAPE)"),
    ("Save\x00 the river", "character 5 is U+0000 (NUL)"),
    ("Save \u202ereviR", "character 6 is U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    ("Save \u2066the\u2069 river", "character 6 is U+2066 (LEFT-TO-RIGHT ISOLATE)"),
    ("Save\x9b the river", "character 5 is U+009B (CONTROL SEQUENCE INTRODUCER)"),
    ("Save\x7f the river", "character 5 is U+007F (DELETE)"),
    ("Save\x07 the river", "character 5 is U+0007 (BELL)"),
]
ONE_LINE_ONLY = [("Save\nthe river", "character 5 is U+000A (LINE FEED)"),
                 ("Save\tthe river", "character 5 is U+0009 (TAB)")]  # fmt: skip


def _api(web: LiveWeb, token: str, method: str, path: str, body: dict[str, Any]) -> Any:
    return requests.request(method, f"{web.url}{path}", json=body,
                            headers={"Authorization": f"Bearer {token}"}, timeout=30)  # fmt: skip


def _stored_titles(rt: Runtime) -> list[str]:
    with rt.db.session() as session:
        return [c.title for c in session.exec(select(Campaign))]


@pytest.mark.parametrize("field", ["title", "story", "message_text", "link"])
def test_the_api_refuses_each_field_with_the_character_and_its_position(
    web: LiveWeb, runtime: Runtime, owner_token: str, field: str
) -> None:
    for typed, named in REFUSED:
        value = f"https://example.org/{typed}" if field == "link" else typed
        if field == "link":  # the position moves by the length of the prefix
            position = int(named.split()[1]) + len("https://example.org/")
            named = f"character {position} is " + named.split(" is ", 1)[1]
        body = factories.payload(**{field: value})
        answer = _api(web, owner_token, "POST", "/api/campaigns", body)
        assert answer.status_code == 422, answer.text
        assert f"{field}: {named}" in answer.json()["message"], answer.json()["message"]
    assert _stored_titles(runtime) == []


@pytest.mark.parametrize(("typed", "named"), ONE_LINE_ONLY)
def test_line_breaks_and_tabs_only_where_a_field_holds_several_lines(
    web: LiveWeb, runtime: Runtime, owner_token: str, typed: str, named: str
) -> None:
    refused = _api(web, owner_token, "POST", "/api/campaigns", factories.payload(title=typed))
    assert refused.status_code == 422 and f"title: {named}" in refused.json()["message"]
    story = f"{typed}\r\nSecond line\r\n\ttabbed"
    made = _api(web, owner_token, "POST", "/api/campaigns",
                factories.payload(story=story, message_text=f"{typed} #River"))  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json()["story"] == f"{typed}\nSecond line\n\ttabbed"  # one kind of line break


def test_every_other_text_field_follows_the_same_rule(
    web: LiveWeb, runtime: Runtime, owner_token: str
) -> None:
    personal = factories.payload(personalisation_allowed=True, personal_required=["#River"])
    created = _api(web, owner_token, "POST", "/api/campaigns", personal)
    assert created.status_code == 201, created.text
    campaign_id = created.json()["id"]
    fragment = _api(web, owner_token, "POST", "/api/campaigns",
                    factories.payload(personalisation_allowed=True,
                                      personal_required=["#Riv\u202eer"]))  # fmt: skip
    assert fragment.status_code == 422
    assert "character 5 is U+202E" in fragment.json()["message"]
    edit = _api(web, owner_token, "PATCH", f"/api/campaigns/{campaign_id}/message",
                {"message_text": "New \x1b[5mtext #River"})  # fmt: skip
    assert edit.status_code == 422 and "message_text: character 5 is U+001B" in edit.text
    token = _api(web, owner_token, "POST", "/api/tokens", {"name": "ci\u2067bot"})
    assert token.status_code == 422 and "character 3 is U+2067" in token.text

    with runtime.db.session() as session:
        admin = factories.owner(session, name="Admin")
        admin.owner.is_admin = True
        session.add(admin.owner)
    pending = _api(web, owner_token, "POST", "/api/campaigns", factories.payload())
    reject = _api(web, admin.token, "POST", f"/api/admin/campaigns/{pending.json()['id']}/reject",
                  {"reason": "Spam\x00 and lies"})  # fmt: skip
    assert reject.status_code == 422 and "reason: character 5 is U+0000 (NUL)" in reject.text
    suspend = _api(web, admin.token, "POST", f"/api/admin/campaigns/{campaign_id}/suspend",
                   {"reason": "See \u202e here"})  # fmt: skip
    assert suspend.status_code == 422 and "reason: character 5 is U+202E" in suspend.text
    shown = _api(web, owner_token, "GET", f"/api/campaigns/{campaign_id}", {}).json()
    assert shown["message_text"] == factories.payload()["message_text"] and not shown["suspended"]


def test_the_forms_say_which_character_and_keep_what_was_typed(web: LiveWeb) -> None:
    browser = requests.Session()

    def post(page: str, action: str, **fields: object) -> requests.Response:
        token = csrf_of(browser.get(f"{web.url}{page}", timeout=30).text)
        return browser.post(f"{web.url}{action}", data={**fields, "csrf": token},
                            allow_redirects=False, timeout=30)  # fmt: skip

    refused = post("/signup", "/signup", email="ada@example.org", name="Ada\u202e",
                   password=PASSWORD, password_again=PASSWORD)  # fmt: skip
    assert refused.status_code in (400, 422), refused.status_code
    # said next to the field, in words (the first letter may be capitalised there)
    assert "character 4 is u+202e (right-to-left override)" in refused.text.lower()
    assert 'value="ada@example.org"' in refused.text
    assert post("/signup", "/signup", email="ada@example.org", name="Ada",
                password=PASSWORD, password_again=PASSWORD).status_code == 303  # fmt: skip
    now = utcnow()
    story = "A story\r\nthat the owner wrote with care."
    form = post(
        "/owner/campaigns/new", "/owner/campaigns/new",
        title="Clean\x1b[8m air", story=story, message_text="Join us #Air", link="",
        goal="3", timezone="UTC", platforms=["mastodon"],
        pledge_deadline=(now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        release_at=(now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
    )  # fmt: skip
    assert form.status_code == 400, form.status_code
    assert "character 6 is u+001b (escape)" in form.text.lower()
    assert "that the owner wrote with care." in form.text  # the story is still in the form
    made = post("/account", "/account/tokens", name="script\x00")
    assert "character 7 is u+0000 (nul)" in made.text.lower()
    assert not re.search(r'<code id="new-token-value">amp_', made.text)


def test_the_cli_refuses_with_the_same_words(runtime: Runtime, tmp_path: Path) -> None:
    env = {**os.environ, "AMPLIFIER_DATABASE_URL": runtime.db.url, "COLUMNS": "300",
           "AMPLIFIER_DATA_DIR": str(tmp_path), "AMPLIFIER_X_CLIENT_ID": "cli"}  # fmt: skip

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "amplifier", *args], env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip

    deadline = (utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    release = (utcnow() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    owner = run("owner", "create", "Ada\u202e")
    assert owner.returncode == 1 and "character 4 is U+202E" in owner.stdout, owner.stdout
    with runtime.db.session() as session:
        assert list(session.exec(select(Owner))) == []
        owner_id = factories.owner(session).owner.id
    created = run("campaign", "create", "--owner", str(owner_id), "--title", "Clean air",
                  "--story", "Breathe.", "--text", "Clean \x1b]0;pwned\x07air #Air", "--goal", "3",
                  "--deadline", deadline, "--release", release, "--platforms", "x")  # fmt: skip
    assert created.returncode != 0, created.stdout
    assert "character 7 is U+001B (ESCAPE)" in created.stdout
    assert "\x1b" not in created.stdout + created.stderr  # nothing typed reaches the terminal
    assert _stored_titles(runtime) == []


def test_the_rule_names_at_most_three_and_counts_the_rest() -> None:
    problem = character_problem("\x00a\x01b\x02c\x03d\x04", multiline=False)
    assert problem is not None
    assert problem.startswith(
        "character 1 is U+0000 (NUL), character 3 is U+0001 (a control character), "
        "character 5 is U+0002 (a control character) and 2 more: remove them"
    )
    assert character_problem("\ud800", multiline=True) == (
        "character 1 is U+D800 (an unpaired surrogate): remove it (control characters and "
        "bidirectional overrides are not allowed; line breaks and tabs are allowed)"
    )
