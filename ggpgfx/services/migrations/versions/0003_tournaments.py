"""tournaments (issue #15): players, events, blind levels, tables, entries, chip-count history, payouts,
recorded hands; assets may belong to the organisation only (a player"s photo)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 17:57:22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table("tournament_events",
    sa.Column("id", sa.String(length=32), nullable=False),
    sa.Column("organization_id", sa.String(length=32), nullable=False),
    sa.Column("name", sa.String(length=200), nullable=False),
    sa.Column("variant", sa.String(length=40), nullable=False),
    sa.Column("buy_in", sa.BigInteger(), nullable=False),
    sa.Column("currency", sa.String(length=3), nullable=False),
    sa.Column("starting_stack", sa.BigInteger(), nullable=False),
    sa.Column("status", sa.String(length=20), nullable=False),
    sa.Column("payout_mode", sa.String(length=10), nullable=False),
    sa.Column("payout_places", sa.Integer(), nullable=True),
    sa.Column("clock_started", sa.Boolean(), nullable=False),
    sa.Column("clock_level_index", sa.Integer(), nullable=False),
    sa.Column("clock_started_at", sa.Float(), nullable=False),
    sa.Column("clock_paused_total_s", sa.Float(), nullable=False),
    sa.Column("clock_paused_at", sa.Float(), nullable=True),
    sa.Column("clock_added_s", sa.Float(), nullable=False),
    sa.Column("graphics", sa.JSON(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("tournament_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tournament_events_organization_id"), ["organization_id"], unique=False)

    op.create_table("tournament_hands",
    sa.Column("id", sa.String(length=32), nullable=False),
    sa.Column("organization_id", sa.String(length=32), nullable=False),
    sa.Column("event_id", sa.String(length=32), nullable=False),
    sa.Column("table_id", sa.String(length=32), nullable=True),
    sa.Column("phh", sa.Text(), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["event_id"], ["tournament_events.id"], ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("tournament_hands", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tournament_hands_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tournament_hands_organization_id"), ["organization_id"], unique=False)

    op.create_table("tournament_levels",
    sa.Column("id", sa.String(length=32), nullable=False),
    sa.Column("organization_id", sa.String(length=32), nullable=False),
    sa.Column("event_id", sa.String(length=32), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("is_break", sa.Boolean(), nullable=False),
    sa.Column("small_blind", sa.BigInteger(), nullable=False),
    sa.Column("big_blind", sa.BigInteger(), nullable=False),
    sa.Column("ante", sa.BigInteger(), nullable=False),
    sa.Column("big_blind_ante", sa.BigInteger(), nullable=False),
    sa.Column("duration_s", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(["event_id"], ["tournament_events.id"], ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("event_id", "position")
    )
    with op.batch_alter_table("tournament_levels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tournament_levels_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tournament_levels_organization_id"), ["organization_id"], unique=False)

    op.create_table("tournament_payouts",
    sa.Column("id", sa.String(length=32), nullable=False),
    sa.Column("organization_id", sa.String(length=32), nullable=False),
    sa.Column("event_id", sa.String(length=32), nullable=False),
    sa.Column("place_from", sa.Integer(), nullable=False),
    sa.Column("place_to", sa.Integer(), nullable=False),
    sa.Column("amount", sa.BigInteger(), nullable=True),
    sa.Column("percent", sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(["event_id"], ["tournament_events.id"], ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("event_id", "place_from")
    )
    with op.batch_alter_table("tournament_payouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tournament_payouts_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tournament_payouts_organization_id"), ["organization_id"], unique=False)

    op.create_table("tournament_tables",
    sa.Column("id", sa.String(length=32), nullable=False),
    sa.Column("organization_id", sa.String(length=32), nullable=False),
    sa.Column("event_id", sa.String(length=32), nullable=False),
    sa.Column("name", sa.String(length=40), nullable=False),
    sa.Column("seats", sa.Integer(), nullable=False),
    sa.Column("broken_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["event_id"], ["tournament_events.id"], ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("event_id", "name")
    )
    with op.batch_alter_table("tournament_tables", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tournament_tables_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tournament_tables_organization_id"), ["organization_id"], unique=False)

    op.create_table("tournament_players",
    sa.Column("id", sa.String(length=32), nullable=False),
    sa.Column("organization_id", sa.String(length=32), nullable=False),
    sa.Column("name", sa.String(length=200), nullable=False),
    sa.Column("nickname", sa.String(length=200), nullable=False),
    sa.Column("country", sa.String(length=2), nullable=True),
    sa.Column("photo_asset_id", sa.String(length=32), nullable=True),
    sa.Column("hometown", sa.String(length=200), nullable=False),
    sa.Column("notes", sa.Text(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["photo_asset_id"], ["assets.id"], ondelete="SET NULL"),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("tournament_players", schema=None) as batch_op:
        batch_op.create_index("ix_tournament_players_org_name", ["organization_id", "name"], unique=False)
        batch_op.create_index(batch_op.f("ix_tournament_players_organization_id"), ["organization_id"], unique=False)

    op.create_table("tournament_entries",
    sa.Column("id", sa.String(length=32), nullable=False),
    sa.Column("organization_id", sa.String(length=32), nullable=False),
    sa.Column("event_id", sa.String(length=32), nullable=False),
    sa.Column("player_id", sa.String(length=32), nullable=False),
    sa.Column("entry_number", sa.Integer(), nullable=False),
    sa.Column("table_id", sa.String(length=32), nullable=True),
    sa.Column("seat", sa.Integer(), nullable=True),
    sa.Column("chips", sa.BigInteger(), nullable=False),
    sa.Column("chips_version", sa.Integer(), nullable=False),
    sa.Column("chips_updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("chips_updated_by", sa.String(length=80), nullable=False),
    sa.Column("status", sa.String(length=12), nullable=False),
    sa.Column("place", sa.Integer(), nullable=True),
    sa.Column("prize", sa.BigInteger(), nullable=True),
    sa.Column("eliminated_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("eliminated_by", sa.String(length=32), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["event_id"], ["tournament_events.id"], ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["player_id"], ["tournament_players.id"], ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["table_id"], ["tournament_tables.id"], ondelete="SET NULL"),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("event_id", "player_id", "entry_number"),
    sa.UniqueConstraint("table_id", "seat")
    )
    with op.batch_alter_table("tournament_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tournament_entries_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tournament_entries_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tournament_entries_player_id"), ["player_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tournament_entries_table_id"), ["table_id"], unique=False)

    op.create_table("tournament_chip_counts",
    sa.Column("id", sa.String(length=32), nullable=False),
    sa.Column("organization_id", sa.String(length=32), nullable=False),
    sa.Column("event_id", sa.String(length=32), nullable=False),
    sa.Column("entry_id", sa.String(length=32), nullable=False),
    sa.Column("chips", sa.BigInteger(), nullable=False),
    sa.Column("level_index", sa.Integer(), nullable=True),
    sa.Column("source", sa.String(length=20), nullable=False),
    sa.Column("recorded_by", sa.String(length=80), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["entry_id"], ["tournament_entries.id"], ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["event_id"], ["tournament_events.id"], ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("tournament_chip_counts", schema=None) as batch_op:
        batch_op.create_index("ix_tournament_chip_counts_entry_time", ["entry_id", "recorded_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tournament_chip_counts_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tournament_chip_counts_organization_id"), ["organization_id"], unique=False)

    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.alter_column("project_id",
               existing_type=sa.VARCHAR(length=32),
               nullable=True)



def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.alter_column("project_id",
               existing_type=sa.VARCHAR(length=32),
               nullable=False)

    with op.batch_alter_table("tournament_chip_counts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tournament_chip_counts_organization_id"))
        batch_op.drop_index(batch_op.f("ix_tournament_chip_counts_event_id"))
        batch_op.drop_index("ix_tournament_chip_counts_entry_time")

    op.drop_table("tournament_chip_counts")
    with op.batch_alter_table("tournament_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tournament_entries_table_id"))
        batch_op.drop_index(batch_op.f("ix_tournament_entries_player_id"))
        batch_op.drop_index(batch_op.f("ix_tournament_entries_organization_id"))
        batch_op.drop_index(batch_op.f("ix_tournament_entries_event_id"))

    op.drop_table("tournament_entries")
    with op.batch_alter_table("tournament_players", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tournament_players_organization_id"))
        batch_op.drop_index("ix_tournament_players_org_name")

    op.drop_table("tournament_players")
    with op.batch_alter_table("tournament_tables", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tournament_tables_organization_id"))
        batch_op.drop_index(batch_op.f("ix_tournament_tables_event_id"))

    op.drop_table("tournament_tables")
    with op.batch_alter_table("tournament_payouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tournament_payouts_organization_id"))
        batch_op.drop_index(batch_op.f("ix_tournament_payouts_event_id"))

    op.drop_table("tournament_payouts")
    with op.batch_alter_table("tournament_levels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tournament_levels_organization_id"))
        batch_op.drop_index(batch_op.f("ix_tournament_levels_event_id"))

    op.drop_table("tournament_levels")
    with op.batch_alter_table("tournament_hands", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tournament_hands_organization_id"))
        batch_op.drop_index(batch_op.f("ix_tournament_hands_event_id"))

    op.drop_table("tournament_hands")
    with op.batch_alter_table("tournament_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tournament_events_organization_id"))

    op.drop_table("tournament_events")
