"""`amplifier demo` mails: supporters give an address with both opt-ins, the development sender
keeps every mail in the mailbox, the demo says how many and where, and the links in them work."""

from __future__ import annotations

import os
import subprocess
import sys
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import requests
from sqlmodel import select

from amplifier.models import Owner
from amplifier.owners.api_tokens import create_token
from amplifier.runtime import Runtime
from config.settings import Settings
from tests.conftest import LiveWeb
from tests.notify.conftest import body
from tests.notify.helpers import link_to


def _mails(directory: Path) -> list[EmailMessage]:
    found = []
    for path in sorted(directory.glob("*.eml")):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        assert isinstance(message, EmailMessage)
        found.append(message)
    return found


def test_demo_mails_receipts_and_notices_whose_links_work(tmp_path: Path) -> None:
    keep = tmp_path / "kept"
    env = {**os.environ, "COLUMNS": "220"}
    env.pop("AMPLIFIER_DATABASE_URL", None)
    ran = subprocess.run(
        [
            sys.executable,
            "-m",
            "amplifier",
            "demo",
            "--supporters",
            "2",
            "--platforms",  # one platform: no second, one-tap campaign and its mails (X's modes)
            "mastodon",
            "--release-in",
            "14",
            "--keep",
            str(keep),
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = " ".join(ran.stdout.split())
    assert ran.returncode == 0, ran.stdout + ran.stderr
    mails = _mails(keep / "mailbox")
    # per supporter: the manage link on pledging and the post's outcome; the owner: approved,
    # judged (goal met) and release done
    assert len(mails) == 7, [str(m["Subject"]) for m in mails]
    assert "7 mails sent with the development sender" in out
    # where to read them after the demo, not a URL that dies when it ends
    assert f"kept in {keep / 'mailbox'}" in out and "/dev/mailbox" in out
    to = {str(m["To"]) for m in mails}
    assert to == {"organiser@example.org", "supporter000@example.org", "supporter001@example.org"}

    # the kept data, served again: the links of the mails lead where they say
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="development",
        data_dir=keep,
        mastodon_allow_http=True,
    )
    rt = Runtime.from_settings(settings)
    web = LiveWeb(rt)
    try:
        outcome = next(
            m
            for m in mails
            if "supporter000" in str(m["To"]) and "/p/" in body(m) and "posted" in body(m).lower()
        )
        manage = requests.get(web.url + link_to(outcome, "/p/"), timeout=10)
        assert manage.status_code == 200
        # the post went out, with its link
        assert "Your post went out" in manage.text and ">see it on " in manage.text
        done = next(m for m in mails if "organiser" in str(m["To"]) and "/report" in body(m))
        with rt.db.session() as session:
            owner = session.exec(select(Owner).where(Owner.email == "organiser@example.org")).one()
            assert owner.id is not None
            token = create_token(session, owner_id=owner.id, name="test")
        report = requests.get(
            web.url + link_to(done, "/report"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert report.status_code == 200
        assert report.json()["counts"] == {"posted": 2}
    finally:
        web.stop()
        rt.db.dispose()
