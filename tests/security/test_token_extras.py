"""`TokenSet.extras`: platform-specific secrets stored encrypted with the tokens (issue 8, §1).

A Bluesky DPoP key or a chosen Facebook Page id travels with the tokens: stored with the token
cipher, read back with them, rotated by `amplifier keys rotate`, deleted with them.
"""

from __future__ import annotations

from sqlmodel import Session

from amplifier.crypto import TokenCipher, generate_fernet_key
from amplifier.db import Database
from amplifier.models import Pledge
from amplifier.owners.key_rotation import rotate_secrets
from amplifier.platforms.base import TokenSet
from amplifier.pledges.pledging import forget_tokens, store_tokens, tokens_of
from tests import factories

KEY_A = generate_fernet_key().encode()
KEY_B = generate_fernet_key().encode()
EXTRAS = {"dpop_private_key": "-----BEGIN EC PRIVATE KEY----- sekrit", "page_id": "1234567"}


def _pledge(session: Session, cipher: TokenCipher, tokens: TokenSet) -> Pledge:
    owner = factories.owner(session)
    assert owner.owner.id is not None
    campaign = factories.campaign(session, owner.owner.id)
    assert campaign.id is not None
    pledge = Pledge(
        campaign_id=campaign.id,
        platform="x",
        account_id="acct-1",
        handle="@someone",
        post_text=campaign.post_text(),
    )
    store_tokens(pledge, tokens, cipher)
    session.add(pledge)
    session.flush()
    return pledge


def test_extras_are_stored_encrypted_and_read_back(database: Database) -> None:
    cipher = TokenCipher([KEY_A])
    with database.session() as session:
        pledge = _pledge(session, cipher, TokenSet("access", "refresh", extras=dict(EXTRAS)))
        pledge_id = pledge.id
    with database.session() as session:
        stored = session.get(Pledge, pledge_id)
        assert stored is not None and stored.token_extras_enc is not None
        assert "sekrit" not in stored.token_extras_enc and "1234567" not in stored.token_extras_enc
        assert tokens_of(stored, cipher).extras == EXTRAS


def test_no_extras_store_nothing(database: Database) -> None:
    cipher = TokenCipher([KEY_A])
    with database.session() as session:
        pledge = _pledge(session, cipher, TokenSet("access"))
        assert pledge.token_extras_enc is None
        assert tokens_of(pledge, cipher).extras == {}


def test_extras_are_rotated_onto_the_newest_key_and_deleted_with_the_tokens(
    database: Database,
) -> None:
    with database.session() as session:
        pledge = _pledge(session, TokenCipher([KEY_A]), TokenSet("a", extras=dict(EXTRAS)))
        pledge_id, campaign_id = pledge.id, pledge.campaign_id

    report = rotate_secrets(database, [KEY_B, KEY_A], batch_size=10)

    assert report.complete and report.unreadable == []
    only_b = TokenCipher([KEY_B])  # the old key is gone from the configuration
    with database.session() as session:
        stored = session.get(Pledge, pledge_id)
        assert stored is not None
        assert tokens_of(stored, only_b).extras == EXTRAS
        forget_tokens(session, campaign_id=campaign_id)
    with database.session() as session:
        stored = session.get(Pledge, pledge_id)
        assert stored is not None and stored.token_extras_enc is None
