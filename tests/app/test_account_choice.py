"""The step after OAuth where a supporter picks the account that posts (account_choice.py).

Platform-free: the chooser here stands for a platform whose token reaches several accounts
(each platform's own tests run the same step against its emulator over real HTTP). What is
checked is what a supporter and the release would see: the list, the page when there is none,
the chosen account's name, followers and token on the pledge, the person's token nowhere.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from amplifier.account_choice import CHOOSING, NoAccount, accounts_to_choose, choose_account
from amplifier.crypto import hash_secret
from amplifier.models import Campaign, OAuthAttempt
from amplifier.platforms.base import Account, ChosenAccount, Profile, TokenSet
from amplifier.platforms.registry import PLATFORMS
from amplifier.pledges import PledgeRefused, confirm_pledge, tokens_of
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from tests.app import factories

PERSON_TOKEN = "person-token"


class Reaches:
    """A platform's answer: which accounts a person's token reaches, and each one's token."""

    def __init__(self, *accounts: Account) -> None:
        self.accounts = list(accounts)

    def list_accounts(self, tokens: TokenSet) -> list[Account]:
        assert tokens.access_token == PERSON_TOKEN
        return list(self.accounts)

    def choose_account(self, tokens: TokenSet, account_id: str) -> ChosenAccount:
        for account in self.accounts:
            if account.account_id == account_id:
                profile = Profile(account_id, account.name, account.name, account.followers, "")
                extras = {"account_id": account_id}
                return ChosenAccount(TokenSet(f"token-of-{account_id}", extras=extras), profile)
        raise LookupError(account_id)


PAGES = (
    Account("101", "Riverside Library", "https://social.example/101", 1200),
    Account("102", "Friends of the River", "javascript:alert(1)", 45),
)


def _attempt(rt: Runtime, session: Session) -> tuple[Campaign, OAuthAttempt]:
    owner = factories.owner(session)
    assert owner.owner.id is not None
    campaign = factories.campaign(session, owner.owner.id, platforms=list(PLATFORMS)[:1])
    assert campaign.id is not None
    attempt = OAuthAttempt(
        state="s" * 43,
        browser_hash=hash_secret("browser"),
        campaign_id=campaign.id,
        platform=next(iter(PLATFORMS)),
        expires_at=utcnow() + timedelta(minutes=10),
        status="authorized",
        account_id="person-1",
        handle="Ada Person",
        followers=3,
        access_token_enc=rt.cipher.encrypt(PERSON_TOKEN),
    )
    session.add(attempt)
    session.flush()
    return campaign, attempt


def test_several_accounts_are_listed_and_the_chosen_one_posts(runtime: Runtime) -> None:
    chooser = Reaches(*PAGES)
    with runtime.db.session() as session:
        campaign, attempt = _attempt(runtime, session)
        listed = accounts_to_choose(
            session,
            attempt=attempt,
            chooser=chooser,
            cipher=runtime.cipher,
            noun="Page",
            no_account="Make one.",
        )
        assert [a.name for a in listed] == ["Riverside Library", "Friends of the River"]
        assert listed[1].url == ""  # not an http(s) address: never linked
        assert attempt.status == CHOOSING
        with pytest.raises(PledgeRefused, match="has not confirmed your account"):
            confirm_pledge(session, attempt=attempt, campaign=campaign, now=utcnow())
        choose_account(
            session,
            attempt=attempt,
            chooser=chooser,
            account_id="102",
            cipher=runtime.cipher,
            noun="Page",
        )
        pledge = confirm_pledge(session, attempt=attempt, campaign=campaign, now=utcnow())
        assert (pledge.account_id, pledge.handle, pledge.followers) == (
            "102",
            "Friends of the River",
            45,
        )
        tokens = tokens_of(pledge, runtime.cipher)
        assert tokens.access_token == "token-of-102" and tokens.extras == {"account_id": "102"}
        assert attempt.access_token_enc is None  # the person's token is gone with the attempt


def test_one_account_is_still_shown_to_be_confirmed(runtime: Runtime) -> None:
    with runtime.db.session() as session:
        _, attempt = _attempt(runtime, session)
        listed = accounts_to_choose(
            session,
            attempt=attempt,
            chooser=Reaches(PAGES[0]),
            cipher=runtime.cipher,
            noun="Page",
            no_account="Make one.",
        )
        assert [a.account_id for a in listed] == ["101"]


def test_no_account_at_all_says_what_to_do(runtime: Runtime) -> None:
    with runtime.db.session() as session:
        _, attempt = _attempt(runtime, session)
        with pytest.raises(NoAccount) as refused:
            accounts_to_choose(
                session,
                attempt=attempt,
                chooser=Reaches(),
                cipher=runtime.cipher,
                noun="Page",
                no_account="Create a Page first.",
            )
    assert refused.value.title == "You have no Page to post from"
    assert "Ada Person" in refused.value.message
    assert "Create a Page first." in refused.value.message


def test_an_account_no_longer_reached_is_refused_and_another_may_be_chosen(
    runtime: Runtime,
) -> None:
    chooser = Reaches(*PAGES)
    with runtime.db.session() as session:
        _, attempt = _attempt(runtime, session)
        accounts_to_choose(
            session,
            attempt=attempt,
            chooser=chooser,
            cipher=runtime.cipher,
            noun="Page",
            no_account="",
        )
        chooser.accounts = chooser.accounts[:1]  # 102 was taken away meanwhile
        with pytest.raises(PledgeRefused, match="no longer reaches that Page"):
            choose_account(
                session,
                attempt=attempt,
                chooser=chooser,
                account_id="102",
                cipher=runtime.cipher,
                noun="Page",
            )
        assert attempt.status == CHOOSING
        choose_account(
            session,
            attempt=attempt,
            chooser=chooser,
            account_id="101",
            cipher=runtime.cipher,
            noun="Page",
        )
        assert attempt.account_id == "101" and attempt.status == "authorized"
        with pytest.raises(PledgeRefused, match="not waiting for a choice"):
            choose_account(
                session,
                attempt=attempt,
                chooser=chooser,
                account_id="101",
                cipher=runtime.cipher,
                noun="Page",
            )
