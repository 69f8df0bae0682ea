"""Owners' address verification and password reset, from the form to the mail and back."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from amplifier.models import Owner, WebSession
from amplifier.notify.tables import OutboxMessage
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from tests.notify.conftest import SmtpServer, deliver
from tests.notify.helpers import link_to
from tests.owners.conftest import PASSWORD, csrf_of, log_in, post_form, sign_up
from tests.web.conftest import ClientFactory


def _owner(rt: Runtime, email: str) -> Owner:
    with rt.db.session() as session:
        owner = session.exec(select(Owner).where(Owner.email == email)).one()
        return owner


def test_sign_up_mails_a_link_that_confirms_the_address(
    mail_rt: Runtime, smtp: SmtpServer, make_client: ClientFactory
) -> None:
    browser = make_client()
    assert sign_up(browser, "New@Example.org").status_code == 303
    assert _owner(mail_rt, "new@example.org").email_verified_at is None
    deliver(mail_rt)
    (mail,) = smtp.inbox.to("new@example.org")
    assert mail["Subject"] == "Confirm your address for amplifier"
    link = link_to(mail, "/verify-email/")
    assert link in mail.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    answer = browser.get(link)
    assert answer.status_code == 200 and "Address confirmed" in answer.text
    assert _owner(mail_rt, "new@example.org").email_verified_at is not None
    # an altered link is refused with a plain page
    broken = browser.get(link[:-3] + "abc")
    assert broken.status_code == 400 and "does not work" in broken.text


def test_an_expired_verification_link_says_so(
    mail_rt: Runtime, smtp: SmtpServer, make_client: ClientFactory
) -> None:
    mail_rt.settings.mail_verify_ttl_s = 60
    browser = make_client()
    sign_up(browser, "late@example.org")
    with mail_rt.db.session() as session:  # the mail was queued two minutes ago
        row = session.exec(select(OutboxMessage)).one()
        row.context = row.context.replace(
            row.context.split('"expires": "')[1].split('"')[0],
            (utcnow() - timedelta(minutes=1)).isoformat(),
        )
        session.add(row)
    deliver(mail_rt)
    (mail,) = smtp.inbox.to("late@example.org")
    answer = browser.get(link_to(mail, "/verify-email/"))
    assert answer.status_code == 400 and "has expired" in answer.text
    assert _owner(mail_rt, "late@example.org").email_verified_at is None


def test_a_change_of_address_is_verified_at_the_new_one(
    mail_rt: Runtime, smtp: SmtpServer, make_client: ClientFactory
) -> None:
    browser = make_client()
    sign_up(browser, "old@example.org")
    answer = post_form(browser, "/account", "/account/email", email="fresh@example.org")
    assert answer.status_code == 200 and "fresh@example.org" in answer.text
    assert _owner(mail_rt, "old@example.org").pending_email == "fresh@example.org"
    deliver(mail_rt)
    (mail,) = smtp.inbox.to("fresh@example.org")
    assert browser.get(link_to(mail, "/verify-email/")).status_code == 200
    owner = _owner(mail_rt, "fresh@example.org")
    assert owner.pending_email is None and owner.email_verified_at is not None


def test_password_reset_works_once_and_ends_every_session(
    mail_rt: Runtime, smtp: SmtpServer, make_client: ClientFactory
) -> None:
    laptop, phone, stranger = make_client(), make_client(), make_client()
    sign_up(laptop, "ada@example.org")
    log_in(phone, "ada@example.org")
    owner_id = _owner(mail_rt, "ada@example.org").id
    deliver(mail_rt)  # the verification mail
    # unknown and known addresses get the same answer; only the known one gets mail
    for address in ("nobody@example.org", "ada@example.org"):
        answer = post_form(stranger, "/password-reset", "/password-reset", email=address)
        assert answer.status_code == 200 and "If an account has the address" in answer.text
    deliver(mail_rt)
    assert smtp.inbox.to("nobody@example.org") == []
    (reset_mail,) = [m for m in smtp.inbox.to("ada@example.org") if "Reset" in str(m["Subject"])]
    link = link_to(reset_mail, "/password-reset/")
    form = stranger.get(link)
    assert form.status_code == 200
    mismatch = stranger.post(
        link,
        data={
            "password": "a new long password",
            "password_again": "different one!",
            "csrf": csrf_of(form.text),
        },
    )
    assert mismatch.status_code == 400 and "differ" in mismatch.text
    done = stranger.post(
        link,
        data={
            "password": "a new long password",
            "password_again": "a new long password",
            "csrf": csrf_of(form.text),
        },
    )
    assert done.status_code == 200 and "Password changed" in done.text
    with mail_rt.db.session() as session:
        assert session.exec(select(WebSession).where(WebSession.owner_id == owner_id)).all() == []
    assert laptop.get("/account", follow_redirects=False).status_code == 303  # logged out
    assert log_in(phone, "ada@example.org", PASSWORD).status_code == 401
    assert log_in(phone, "ada@example.org", "a new long password").status_code == 303
    # the link was single-use
    again = stranger.get(link)
    assert again.status_code == 400 and "used already" in again.text


def test_an_expired_reset_link_is_refused(
    mail_rt: Runtime, smtp: SmtpServer, make_client: ClientFactory
) -> None:
    browser = make_client()
    sign_up(browser, "slow@example.org")
    post_form(browser, "/password-reset", "/password-reset", email="slow@example.org")
    with mail_rt.db.session() as session:
        row = session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == "password_reset")
        ).one()
        row.context = row.context.replace(
            row.context.split('"expires": "')[1].split('"')[0],
            (utcnow() - timedelta(seconds=1)).isoformat(),
        )
        session.add(row)
    deliver(mail_rt)
    (mail,) = [m for m in smtp.inbox.to("slow@example.org") if "Reset" in str(m["Subject"])]
    link = link_to(mail, "/password-reset/")
    assert "has expired" in browser.get(link).text
    refused = browser.post(
        link,
        data={
            "password": "whatever long",
            "password_again": "whatever long",
            "csrf": csrf_of(browser.get("/password-reset").text),
        },
    )
    assert refused.status_code == 400 and "has expired" in refused.text
    assert log_in(make_client(), "slow@example.org", PASSWORD).status_code == 303


def test_dev_mailbox_lists_mail_in_development_only(
    runtime: Runtime, make_client: ClientFactory
) -> None:
    """Without AMPLIFIER_SMTP_URL, development keeps mail in the data dir for /dev/mailbox."""
    runtime.settings.env = "development"
    browser = make_client()
    sign_up(browser, "dev@example.org")
    deliver(runtime)
    listing = browser.get("/dev/mailbox")
    assert listing.status_code == 200 and "Confirm your address for amplifier" in listing.text
    name = listing.text.split('href="/dev/mailbox/')[1].split('"')[0]
    shown = browser.get(f"/dev/mailbox/{name}")
    link = shown.text.split('href="http://127.0.0.1:8000')[1].split('"')[0]
    assert link.startswith("/verify-email/")
    assert browser.get(link).status_code == 200
    assert browser.get("/dev/mailbox/../../etc").status_code == 404
    runtime.settings.env = "production"
    assert make_client().get("/dev/mailbox").status_code == 404
