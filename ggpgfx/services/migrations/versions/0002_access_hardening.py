"""access hardening: TOTP replay and login backoff columns, single-use tokens, billing changes pending
payment, platform staff with its own audit log, final stream stats

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_plan_code", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("pending_effective_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("streams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("final_stats", sa.JSON(), nullable=True))
    op.create_table(
        "used_tokens",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("organization_id", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("jti"),
    )
    with op.batch_alter_table("used_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_used_tokens_organization_id"), ["organization_id"], unique=False)
    op.create_table(
        "platform_staff",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "staff_audit_log",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("organization_id", sa.String(length=32), nullable=True),
        sa.Column("target", sa.String(length=120), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("staff_audit_log")
    op.drop_table("platform_staff")
    with op.batch_alter_table("used_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_used_tokens_organization_id"))
    op.drop_table("used_tokens")
    with op.batch_alter_table("streams", schema=None) as batch_op:
        batch_op.drop_column("final_stats")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_column("pending_effective_at")
        batch_op.drop_column("pending_plan_code")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("totp_last_step")
