"""What a platform keeps for one post between preparation and T, on its delivery row.

Why: some posts need work on the supporter's account before they can be published (media
uploads, a container to publish), and that work belongs in preparation, not at the release
instant. Its remote ids and their expiry are kept on the delivery row (staging.py), so that a
firer on any machine publishes with them, and an expired one is staged again.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.add_column(sa.Column("staged_ids", sa.String(length=2000), nullable=True))
        batch.add_column(sa.Column("staged_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.drop_column("staged_until")
        batch.drop_column("staged_ids")
