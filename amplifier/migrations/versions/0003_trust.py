"""trust: owner web accounts and sessions, moderation, message versions and consent

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("owner") as batch:
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("password_changed_at", _UTC, nullable=True))
        batch.add_column(
            sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_unique_constraint("uq_owner_email", ["email"])
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("last_used_at", _UTC, nullable=True))
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("owner.id"), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("expires_at", _UTC, nullable=False),
        sa.Column("last_seen_at", _UTC, nullable=True),
    )
    op.create_index("ix_web_session_owner_id", "web_session", ["owner_id"])
    op.create_index("ix_web_session_expires_at", "web_session", ["expires_at"])
    with op.batch_alter_table("campaign") as batch:
        # campaigns that exist already were public before moderation existed: keep them so
        batch.add_column(
            sa.Column(
                "review_status", sa.String(length=20), nullable=False, server_default="approved"
            )
        )
        batch.add_column(sa.Column("review_reason", sa.String(length=2_000), nullable=True))
        batch.add_column(sa.Column("reviewed_at", _UTC, nullable=True))
        batch.add_column(
            sa.Column(
                "reviewed_by",
                sa.Integer(),
                sa.ForeignKey("owner.id", name="fk_campaign_reviewed_by"),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("suspended_at", _UTC, nullable=True))
        batch.add_column(sa.Column("suspension_reason", sa.String(length=2_000), nullable=True))
        batch.add_column(
            sa.Column("message_version", sa.Integer(), nullable=False, server_default="1")
        )
        batch.add_column(
            sa.Column(
                "personalisation_allowed", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch.add_column(
            sa.Column(
                "personal_required", sa.String(length=1_000), nullable=False, server_default=""
            )
        )
        batch.add_column(sa.Column("personal_max_length", sa.Integer(), nullable=True))
        batch.create_index("ix_campaign_review_status", ["review_status"])
    op.create_table(
        "message_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaign.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("message_text", sa.String(length=5_000), nullable=False),
        sa.Column("link", sa.String(length=2_000), nullable=True),
        sa.Column("created_at", _UTC, nullable=False),
        sa.UniqueConstraint("campaign_id", "version", name="uq_message_version"),
    )
    op.create_index("ix_message_version_campaign_id", "message_version", ["campaign_id"])
    # every existing campaign's message is its version 1
    op.execute(
        "INSERT INTO message_version (campaign_id, version, message_text, link, created_at) "
        "SELECT id, 1, message_text, link, created_at FROM campaign"
    )
    with op.batch_alter_table("pledge") as batch:
        batch.add_column(
            sa.Column("consented_version", sa.Integer(), nullable=False, server_default="1")
        )
        batch.add_column(sa.Column("consented_at", _UTC, nullable=True))
        batch.add_column(
            sa.Column("personalised", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("pledge") as batch:
        batch.drop_column("personalised")
        batch.drop_column("consented_at")
        batch.drop_column("consented_version")
    op.drop_index("ix_message_version_campaign_id", "message_version")
    op.drop_table("message_version")
    with op.batch_alter_table("campaign") as batch:
        batch.drop_index("ix_campaign_review_status")
        for column in (
            "personal_max_length",
            "personal_required",
            "personalisation_allowed",
            "message_version",
            "suspension_reason",
            "suspended_at",
            "reviewed_by",
            "reviewed_at",
            "review_reason",
            "review_status",
        ):
            batch.drop_column(column)
    op.drop_index("ix_web_session_expires_at", "web_session")
    op.drop_index("ix_web_session_owner_id", "web_session")
    op.drop_table("web_session")
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("last_used_at")
    with op.batch_alter_table("owner") as batch:
        batch.drop_constraint("uq_owner_email", type_="unique")
        for column in ("is_admin", "password_changed_at", "password_hash", "email"):
            batch.drop_column(column)
