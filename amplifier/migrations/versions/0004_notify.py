"""notify: the mail outbox, owners' campaign updates, address verification, supporters' email

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaign.id"), nullable=True),
        sa.Column("pledge_id", sa.Integer(), sa.ForeignKey("pledge.id"), nullable=True),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("owner.id"), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", _UTC, nullable=True),
        sa.Column("claimed_at", _UTC, nullable=True),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("sent_at", _UTC, nullable=True),
        sa.Column("last_error", sa.String(length=1_000), nullable=True),
        sa.Column("created_at", _UTC, nullable=False),
        sa.UniqueConstraint("recipient", "dedup_key", name="uq_outbox_recipient_event"),
    )
    op.create_index("ix_outbox_status_not_before", "outbox_message", ["status", "not_before"])
    op.create_index("ix_outbox_message_recipient", "outbox_message", ["recipient"])
    op.create_index("ix_outbox_message_campaign_id", "outbox_message", ["campaign_id"])
    op.create_index("ix_outbox_message_pledge_id", "outbox_message", ["pledge_id"])
    op.create_table(
        "campaign_update",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaign.id"), nullable=False),
        sa.Column("body", sa.String(length=5_000), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("mailed_at", _UTC, nullable=True),
    )
    op.create_index("ix_campaign_update_campaign_id", "campaign_update", ["campaign_id"])
    with op.batch_alter_table("owner") as batch:
        # owners who signed up before verification existed verify from /account
        batch.add_column(sa.Column("email_verified_at", _UTC, nullable=True))
        batch.add_column(sa.Column("pending_email", sa.String(length=254), nullable=True))
    with op.batch_alter_table("pledge") as batch:
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch.add_column(
            sa.Column("email_receipts", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("email_updates", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("connection_problem", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("connection_checked_at", _UTC, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pledge") as batch:
        for column in (
            "connection_checked_at",
            "connection_problem",
            "email_updates",
            "email_receipts",
            "email",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("owner") as batch:
        batch.drop_column("pending_email")
        batch.drop_column("email_verified_at")
    op.drop_index("ix_campaign_update_campaign_id", "campaign_update")
    op.drop_table("campaign_update")
    for index in (
        "ix_outbox_message_pledge_id",
        "ix_outbox_message_campaign_id",
        "ix_outbox_message_recipient",
        "ix_outbox_status_not_before",
    ):
        op.drop_index(index, "outbox_message")
    op.drop_table("outbox_message")
