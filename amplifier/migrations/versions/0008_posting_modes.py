"""Posting modes: a campaign's mode per platform, pledged texts' bands, intent links.

Why: X forbids one app posting substantially similar texts from many accounts (issue 14). A
campaign chooses per platform how supporters take part (`campaign.platform_modes`); the texts
pledged where they must differ are fingerprinted (`text_band`, an indexed LSH band per row) so
consent can refuse a near-duplicate among 100,000 quickly; supporters in intent mode get a link
at T whose clicks are counted (`intent_link`).

Revision ID: 0011
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("campaign") as batch:
        batch.add_column(
            sa.Column("platform_modes", sa.String(length=400), nullable=False, server_default="")
        )
    op.create_table(
        "text_band",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaign.id"), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("pledge_id", sa.Integer(), sa.ForeignKey("pledge.id"), nullable=False),
        sa.Column("band", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_text_band_lookup", "text_band", ["campaign_id", "platform", "band"])
    op.create_index("ix_text_band_pledge_id", "text_band", ["pledge_id"])
    op.create_table(
        "intent_link",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pledge_id", sa.Integer(), sa.ForeignKey("pledge.id"), nullable=False),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaign.id"), nullable=False),
        sa.Column("mailed_at", _UTC, nullable=True),
        sa.Column("first_clicked_at", _UTC, nullable=True),
        sa.Column("clicks", sa.Integer(), nullable=False, server_default="0"),
        sa.UniqueConstraint("pledge_id"),
    )
    op.create_index("ix_intent_link_campaign_id", "intent_link", ["campaign_id"])


def downgrade() -> None:
    op.drop_table("intent_link")
    op.drop_table("text_band")
    with op.batch_alter_table("campaign") as batch:
        batch.drop_column("platform_modes")
