"""What a platform keeps for one post between preparation and T, on its delivery row.

Why: some posts need work on the supporter's account before they can be published (media
uploads, a container to publish), and that work belongs in preparation, not at the release
instant. Its remote ids and their expiry are kept on the delivery row (staging.py), so that a
firer on any machine publishes with them, and an expired one is staged again.

The campaign's image (issue 12): its bytes behind a small storage interface, in the database
by default (`media_blob`, so that workers on other machines read the same bytes), and which
image goes with which message version (`campaign_image`: supporters consent to it).

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
    _images_up()


def downgrade() -> None:
    _images_down()
    with op.batch_alter_table("delivery") as batch:
        batch.drop_column("staged_until")
        batch.drop_column("staged_ids")


def _images_up() -> None:
    op.create_table(
        "media_blob",
        sa.Column("key", sa.String(length=100), primary_key=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "campaign_image",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaign.id"), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=100), nullable=True),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("alt_text", sa.String(length=1500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("campaign_id", "from_version", name="uq_campaign_image"),
    )
    op.create_index("ix_campaign_image_campaign_id", "campaign_image", ["campaign_id"])


def _images_down() -> None:
    op.drop_index("ix_campaign_image_campaign_id", table_name="campaign_image")
    op.drop_table("campaign_image")
    op.drop_table("media_blob")
