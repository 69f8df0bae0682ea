"""The scopes our OAuth client on a Mastodon server was registered with.

Why: a token cannot hold more than its app was registered for, and apps registered before
images lack `write:media`. With the scopes kept, an app short of what we now ask is registered
again (platforms/mastodon/declaration.py); rows made before this migration have none (NULL),
which counts as short, so every such server is registered again once.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mastodon_app") as batch:
        batch.add_column(sa.Column("scopes", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mastodon_app") as batch:
        batch.drop_column("scopes")
