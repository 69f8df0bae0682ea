"""Platform-specific extras beside the OAuth tokens, encrypted like them.

Why: the next platforms keep more than an access and a refresh token per account (a Bluesky
DPoP key, the Facebook Page or Tumblr blog the supporter chose). One encrypted JSON column per
token holder (`TokenSet.extras`) keeps new platforms from needing new columns, and key rotation
from needing to know any platform: `amplifier keys rotate` rotates it with the tokens.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_HOLDERS = ("pledge", "oauth_attempt")


def upgrade() -> None:
    for table in _HOLDERS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("token_extras_enc", sa.String(), nullable=True))


def downgrade() -> None:
    for table in _HOLDERS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("token_extras_enc")
