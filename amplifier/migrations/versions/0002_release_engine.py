"""release engine: who holds a delivery's claim, when a campaign was prepared

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=100), nullable=True))
        batch.create_index("ix_delivery_campaign_status", ["campaign_id", "status"])
    with op.batch_alter_table("campaign") as batch:
        batch.add_column(sa.Column("prepared_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign") as batch:
        batch.drop_column("prepared_at")
    with op.batch_alter_table("delivery") as batch:
        batch.drop_index("ix_delivery_campaign_status")
        batch.drop_column("claimed_by")
