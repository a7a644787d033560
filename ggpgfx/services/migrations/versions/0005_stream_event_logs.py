"""stream event logs and render usage: the event-log folder of each stream's publish.events node (show
analytics read it), and a project column on usage records for usage without a stream (studio renders)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 21:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "stream_event_logs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.String(length=32), nullable=False),
        sa.Column("stream_id", sa.String(length=32), nullable=False),
        sa.Column("node_id", sa.String(length=200), nullable=False),
        sa.Column("folder", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["stream_id"], ["streams.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stream_id", "node_id"),
    )
    with op.batch_alter_table("stream_event_logs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stream_event_logs_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stream_event_logs_stream_id"), ["stream_id"], unique=False)
    with op.batch_alter_table("usage_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("project_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("usage_records", schema=None) as batch_op:
        batch_op.drop_column("project_id")
    with op.batch_alter_table("stream_event_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stream_event_logs_stream_id"))
        batch_op.drop_index(batch_op.f("ix_stream_event_logs_organization_id"))
    op.drop_table("stream_event_logs")
