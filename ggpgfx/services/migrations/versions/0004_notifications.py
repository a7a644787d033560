"""notifications: per-user preferences, the in-console notification centre, the delivery log of email and console

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 18:42:02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table("notification_deliveries",
    sa.Column("id", sa.String(length=32), nullable=False),
    sa.Column("organization_id", sa.String(length=32), nullable=False),
    sa.Column("user_id", sa.String(length=32), nullable=True),
    sa.Column("channel", sa.String(length=20), nullable=False),
    sa.Column("event_id", sa.String(length=32), nullable=False),
    sa.Column("event_type", sa.String(length=80), nullable=False),
    sa.Column("target", sa.String(length=320), nullable=False),
    sa.Column("attempt", sa.Integer(), nullable=False),
    sa.Column("delivered", sa.Boolean(), nullable=False),
    sa.Column("error", sa.Text(), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("notification_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_notification_deliveries_org_time", ["organization_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_deliveries_organization_id"), ["organization_id"], unique=False)

    op.create_table("notification_preferences",
    sa.Column("id", sa.String(length=32), nullable=False),
    sa.Column("organization_id", sa.String(length=32), nullable=False),
    sa.Column("user_id", sa.String(length=32), nullable=False),
    sa.Column("event_type", sa.String(length=80), nullable=False),
    sa.Column("channels", sa.JSON(), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("organization_id", "user_id", "event_type")
    )
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_preferences_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_preferences_user_id"), ["user_id"], unique=False)

    op.create_table("notifications",
    sa.Column("id", sa.String(length=32), nullable=False),
    sa.Column("organization_id", sa.String(length=32), nullable=False),
    sa.Column("user_id", sa.String(length=32), nullable=False),
    sa.Column("event_id", sa.String(length=32), nullable=False),
    sa.Column("event_type", sa.String(length=80), nullable=False),
    sa.Column("title", sa.String(length=300), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("data", sa.JSON(), nullable=False),
    sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index("ix_notifications_user_time", ["user_id", "created_at"], unique=False)



def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_time")
        batch_op.drop_index(batch_op.f("ix_notifications_organization_id"))

    op.drop_table("notifications")
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_preferences_user_id"))
        batch_op.drop_index(batch_op.f("ix_notification_preferences_organization_id"))

    op.drop_table("notification_preferences")
    with op.batch_alter_table("notification_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_deliveries_organization_id"))
        batch_op.drop_index("ix_notification_deliveries_org_time")

    op.drop_table("notification_deliveries")
