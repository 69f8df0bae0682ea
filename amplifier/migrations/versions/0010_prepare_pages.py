"""Preparation in pages: `prepare_page`, runs of a campaign's deliveries claimed by preparers.

Why: preparing a campaign was one task, so refreshing a million tokens took hours (issue 15).
Pages let any number of workers prepare one campaign, each page claimed by one of them at a
time and taken over when its preparer stops renewing the claim (release/pages.py).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "prepare_page",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaign.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("first_delivery_id", sa.Integer(), nullable=False),
        sa.Column("last_delivery_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_at", _UTC, nullable=True),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column("done_at", _UTC, nullable=True),
        sa.UniqueConstraint("campaign_id", "number"),
    )
    op.create_index("ix_prepare_page_campaign_id", "prepare_page", ["campaign_id"])


def downgrade() -> None:
    op.drop_table("prepare_page")
