"""SQLAlchemy 2 tables; every tenant row carries `organization_id` and every query filters by it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def new_id() -> str:
    """A random 32-hex-digit id (not guessable, so ids leak nothing about other tenants)."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; returns aware datetimes on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Naive values are taken as UTC."""
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Attach UTC where the backend dropped it."""
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Declarative base of every table."""


def _id() -> Mapped[str]:
    return mapped_column(String(32), primary_key=True, default=new_id)


def _org() -> Mapped[str]:
    return mapped_column(String(32), ForeignKey("organizations.id", ondelete="CASCADE"), index=True)


def _created() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), default=utcnow)


class Organization(Base):
    """A tenant; the root every other row hangs from."""

    __tablename__ = "organizations"
    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = _created()


class User(Base):
    """A person; `organization_id` is the organisation they signed up with."""

    __tablename__ = "users"
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # AES-GCM ciphertext
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # newest accepted TOTP step
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)  # consecutive wrong passwords or codes
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = _created()


class Membership(Base):
    """A user's role in an organisation: owner, admin, producer or viewer."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("organization_id", "user_id"),)
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = _created()


class AuthSession(Base):
    """A login session; its refresh tokens form one rotation family."""

    __tablename__ = "auth_sessions"
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = _created()
    last_used_at: Mapped[datetime] = _created()
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(100), nullable=True)


class RefreshToken(Base):
    """One refresh token (hashed); used once, then replaced by its child."""

    __tablename__ = "refresh_tokens"
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    session_id: Mapped[str] = mapped_column(String(32), ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = _created()


class ApiKey(Base):
    """A machine credential: shown once, stored as a SHA-256 hash, looked up by its prefix."""

    __tablename__ = "api_keys"
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = _created()
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AuditEvent(Base):
    """A security-relevant action: who, what, on which object, from where."""

    __tablename__ = "audit_log"
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    actor: Mapped[str] = mapped_column(String(80))  # user:<id> | key:<id> | system
    action: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(String(120), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = _created()


class Project(Base):
    """A broadcast project: graphs, assets, destinations and streams."""

    __tablename__ = "projects"
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()


class ProjectMember(Base):
    """A user assigned to a project (their organisation role still decides what they may do)."""

    __tablename__ = "project_members"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    project_id: Mapped[str] = mapped_column(String(32), ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20), default="producer")
    created_at: Mapped[datetime] = _created()


class GraphVersion(Base):
    """An immutable saved graph YAML; every save makes the next version number."""

    __tablename__ = "graph_versions"
    __table_args__ = (UniqueConstraint("project_id", "version"),)
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    project_id: Mapped[str] = mapped_column(String(32), ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    yaml_text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = _created()


class Asset(Base):
    """An uploaded file (skin, logo, photo) stored by the asset backend under `storage_key`."""

    __tablename__ = "assets"
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    # None: an organisation-level asset (a tournament player's photo), listed with no project
    project_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("projects.id", ondelete="CASCADE"),
                                                   index=True, nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime] = _created()


class Destination(Base):
    """A publish target (RTMP URL + stream key); the key is AES-256-GCM ciphertext."""

    __tablename__ = "destinations"
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    project_id: Mapped[str] = mapped_column(String(32), ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(1000))
    stream_key_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    stream_key_last4: Mapped[str] = mapped_column(String(4))
    created_at: Mapped[datetime] = _created()


class Stream(Base):
    """A managed run of one graph version."""

    __tablename__ = "streams"
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    project_id: Mapped[str] = mapped_column(String(32), ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    graph_version_id: Mapped[str] = mapped_column(String(32), ForeignKey("graph_versions.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="starting")
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_by: Mapped[str] = mapped_column(String(80), default="")
    started_at: Mapped[datetime] = _created()
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    metered_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    final_stats: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # per-node stats at the end


class StreamEventLog(Base):
    """The event-log folder a stream's `publish.events` node writes (recorded at start; analytics read it)."""

    __tablename__ = "stream_event_logs"
    __table_args__ = (UniqueConstraint("stream_id", "node_id"),)
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    stream_id: Mapped[str] = mapped_column(String(32), ForeignKey("streams.id", ondelete="CASCADE"), index=True)
    node_id: Mapped[str] = mapped_column(String(200))
    folder: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()


class Subscription(Base):
    """An organisation's plan (plans themselves are a code catalogue, see billing.PLANS)."""

    __tablename__ = "subscriptions"
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = mapped_column(String(32), ForeignKey("organizations.id", ondelete="CASCADE"), unique=True)
    plan_code: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="active")
    provider: Mapped[str] = mapped_column(String(20), default="manual")
    provider_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    pending_plan_code: Mapped[str | None] = mapped_column(String(40), nullable=True)  # checkout or downgrade
    pending_effective_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()


class UsageRecord(Base):
    """Metered usage: stream_minutes, gpu_seconds, output_bytes (stream runs) and render_minutes (studio renders)."""

    __tablename__ = "usage_records"
    __table_args__ = (Index("ix_usage_org_time", "organization_id", "recorded_at"),)
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    stream_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: the project of usage that has no stream (studio renders); a stream's usage takes its stream's project
    project_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    metric: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[datetime] = _created()


class Invoice(Base):
    """An invoice for one period with its line items."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("organization_id", "period_start"),)
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    number: Mapped[str] = mapped_column(String(40))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default="open")
    currency: Mapped[str] = mapped_column(String(3), default="usd")
    total_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    provider: Mapped[str] = mapped_column(String(20), default="manual")
    provider_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = _created()
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class InvoiceLine(Base):
    """One line of an invoice (plan fee or a metered quantity times a unit price)."""

    __tablename__ = "invoice_lines"
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    invoice_id: Mapped[str] = mapped_column(String(32), ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(String(300))
    metric: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[float] = mapped_column(Float)
    unit_price_cents: Mapped[float] = mapped_column(Float)
    amount_cents: Mapped[int] = mapped_column(BigInteger)


class PaymentEvent(Base):
    """A processed payment-provider webhook event; the unique event id makes delivery idempotent."""

    __tablename__ = "payment_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = _created()


class WebhookEndpoint(Base):
    """A customer URL that receives HMAC-signed event notifications."""

    __tablename__ = "webhook_endpoints"
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    url: Mapped[str] = mapped_column(String(1000))
    secret_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = _created()


class WebhookDelivery(Base):
    """One attempt to deliver one event to one endpoint."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    endpoint_id: Mapped[str] = mapped_column(String(32), ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[str] = mapped_column(String(32))
    event_type: Mapped[str] = mapped_column(String(80))
    attempt: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    delivered: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = _created()


class NotificationPreference(Base):
    """Which channels one user wants for one event type (no row: the defaults of notify_hub.DEFAULT_CHANNELS)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("organization_id", "user_id", "event_type"),)
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(80))
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)  # subset of ("email", "console")
    updated_at: Mapped[datetime] = _created()


class Notification(Base):
    """One entry of a user's in-console notification centre."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_time", "user_id", "created_at"),)
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(32))
    event_type: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = _created()


class NotificationDelivery(Base):
    """One attempt to deliver one event to one user over one channel (email, console)."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (Index("ix_notification_deliveries_org_time", "organization_id", "created_at"),)
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    user_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    channel: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(32))
    event_type: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(String(320), default="")
    attempt: Mapped[int] = mapped_column(Integer)
    delivered: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = _created()


class UsedToken(Base):
    """The id (`jti`) of a single-use token that has been spent (MFA tokens); kept until it expires."""

    __tablename__ = "used_tokens"
    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    organization_id: Mapped[str] = _org()
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PlatformStaff(Base):
    """A platform operator: staff of the business running the platform, outside every tenant role
    (so, unlike tenant rows, it carries no `organization_id`)."""

    __tablename__ = "platform_staff"
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), default="operator")
    created_at: Mapped[datetime] = _created()


class StaffAuditEvent(Base):
    """What a platform operator did (their own trail, apart from the tenants' audit logs)."""

    __tablename__ = "staff_audit_log"
    id: Mapped[str] = _id()
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(80))
    organization_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    target: Mapped[str] = mapped_column(String(120), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = _created()


# ---- tournaments (issue #15): players, events, tables, entries, chips, clock, payouts ------------------


class TournamentPlayer(Base):
    """A player of the organisation, reusable across events (photo: an asset of the organisation)."""

    __tablename__ = "tournament_players"
    __table_args__ = (Index("ix_tournament_players_org_name", "organization_id", "name"),)
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    name: Mapped[str] = mapped_column(String(200))
    nickname: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)  # ISO 3166-1 alpha-2
    photo_asset_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("assets.id", ondelete="SET NULL"), nullable=True)
    hometown: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()


class TournamentEvent(Base):
    """An event: its settings, the stored clock anchor (never a counter), payout mode and graphics cues."""

    __tablename__ = "tournament_events"
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    name: Mapped[str] = mapped_column(String(200))
    variant: Mapped[str] = mapped_column(String(40), default="NLHE")
    buy_in: Mapped[int] = mapped_column(BigInteger, default=0)  # whole currency units, prize-pool share
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    starting_stack: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")  # scheduled | running | finished
    payout_mode: Mapped[str] = mapped_column(String(10), default="curve")  # curve | table
    payout_places: Mapped[int | None] = mapped_column(Integer, nullable=True)  # curve: places paid (None: 15%)
    clock_started: Mapped[bool] = mapped_column(Boolean, default=False)
    clock_level_index: Mapped[int] = mapped_column(Integer, default=0)
    clock_started_at: Mapped[float] = mapped_column(Float, default=0.0)  # epoch s
    clock_paused_total_s: Mapped[float] = mapped_column(Float, default=0.0)
    clock_paused_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    clock_added_s: Mapped[float] = mapped_column(Float, default=0.0)
    graphics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)  # bumped by every change to the event's data
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()


class TournamentLevel(Base):
    """One level (or break) of an event's blind structure, at `position`."""

    __tablename__ = "tournament_levels"
    __table_args__ = (UniqueConstraint("event_id", "position"),)
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    event_id: Mapped[str] = mapped_column(String(32), ForeignKey("tournament_events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    is_break: Mapped[bool] = mapped_column(Boolean, default=False)
    small_blind: Mapped[int] = mapped_column(BigInteger, default=0)
    big_blind: Mapped[int] = mapped_column(BigInteger, default=0)
    ante: Mapped[int] = mapped_column(BigInteger, default=0)
    big_blind_ante: Mapped[int] = mapped_column(BigInteger, default=0)
    duration_s: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(100), nullable=True)


class TournamentTable(Base):
    """A table of an event; `broken_at` once it is broken."""

    __tablename__ = "tournament_tables"
    __table_args__ = (UniqueConstraint("event_id", "name"),)
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    event_id: Mapped[str] = mapped_column(String(32), ForeignKey("tournament_events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    seats: Mapped[int] = mapped_column(Integer, default=9)
    broken_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = _created()


class TournamentEntry(Base):
    """One entry (or re-entry, `entry_number` > 1) of a player into an event: seat, chips, bust-out."""

    __tablename__ = "tournament_entries"
    __table_args__ = (UniqueConstraint("event_id", "player_id", "entry_number"), UniqueConstraint("table_id", "seat"))
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    event_id: Mapped[str] = mapped_column(String(32), ForeignKey("tournament_events.id", ondelete="CASCADE"), index=True)
    player_id: Mapped[str] = mapped_column(String(32), ForeignKey("tournament_players.id", ondelete="CASCADE"),
                                           index=True)
    entry_number: Mapped[int] = mapped_column(Integer, default=1)
    table_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("tournament_tables.id", ondelete="SET NULL"),
                                                 nullable=True, index=True)
    seat: Mapped[int | None] = mapped_column(Integer, nullable=True)
    chips: Mapped[int] = mapped_column(BigInteger, default=0)
    chips_version: Mapped[int] = mapped_column(Integer, default=1)
    chips_updated_at: Mapped[datetime] = _created()
    chips_updated_by: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | eliminated | winner
    place: Mapped[int | None] = mapped_column(Integer, nullable=True)
    prize: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    eliminated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    eliminated_by: Mapped[str | None] = mapped_column(String(32), nullable=True)  # entry id
    created_at: Mapped[datetime] = _created()


class TournamentChipCount(Base):
    """History: one row per recorded chip count of an entry."""

    __tablename__ = "tournament_chip_counts"
    __table_args__ = (Index("ix_tournament_chip_counts_entry_time", "entry_id", "recorded_at"),)
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    event_id: Mapped[str] = mapped_column(String(32), ForeignKey("tournament_events.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[str] = mapped_column(String(32), ForeignKey("tournament_entries.id", ondelete="CASCADE"))
    chips: Mapped[int] = mapped_column(BigInteger)
    level_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[str] = mapped_column(String(20), default="seat")  # seat | bulk | csv | entry
    recorded_by: Mapped[str] = mapped_column(String(80), default="")
    recorded_at: Mapped[datetime] = _created()


class TournamentPayout(Base):
    """A row of an event's imported payout table: places `place_from`..`place_to` each get `amount`."""

    __tablename__ = "tournament_payouts"
    __table_args__ = (UniqueConstraint("event_id", "place_from"),)
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    event_id: Mapped[str] = mapped_column(String(32), ForeignKey("tournament_events.id", ondelete="CASCADE"), index=True)
    place_from: Mapped[int] = mapped_column(Integer)
    place_to: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # whole currency units
    percent: Mapped[float | None] = mapped_column(Float, nullable=True)  # of the prize pool, per place


class TournamentHand(Base):
    """A recorded hand of the event (PHH text), the source of on-air player statistics."""

    __tablename__ = "tournament_hands"
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _org()
    event_id: Mapped[str] = mapped_column(String(32), ForeignKey("tournament_events.id", ondelete="CASCADE"), index=True)
    table_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    phh: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = _created()
