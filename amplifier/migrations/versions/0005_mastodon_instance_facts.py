"""Mastodon instance facts kept with our app registration: URL length and account domain.

Why: a status is counted with the server's own `characters_reserved_per_url`, and a supporter's
handle names the server's `domain` (which can differ from the host they typed). Both come from
/api/v2/instance when amplifier registers on the server; rows made before stay at 23 and no
domain (the host is used) until the app is registered again.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mastodon_app") as batch:
        batch.add_column(
            sa.Column(
                "characters_reserved_per_url", sa.Integer(), nullable=False, server_default="23"
            )
        )
        batch.add_column(sa.Column("domain", sa.String(length=253), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mastodon_app") as batch:
        batch.drop_column("domain")
        batch.drop_column("characters_reserved_per_url")
