"""Pydantic request and response bodies shared by REST, GraphQL and the service classes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt
from typing_extensions import TypedDict

Role = Literal["viewer", "producer", "admin", "owner"]
KeyRole = Literal["viewer", "producer", "admin"]
Name = Field(min_length=1, max_length=200)


class Model(BaseModel):
    """Base: reads attributes from ORM rows."""

    model_config = ConfigDict(from_attributes=True)


class SignupIn(Model):
    """Create a user and their organisation (they become its owner)."""

    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    password: str = Field(min_length=10, max_length=256)
    display_name: str = Field(default="", max_length=200)
    organization_name: str = Name


class LoginIn(Model):
    """Email and password; `organization_id` picks the organisation to act in."""

    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=256)
    organization_id: str | None = Field(default=None, max_length=32)


class MfaIn(Model):
    """Second step of a login for users with TOTP enabled."""

    mfa_token: str = Field(min_length=1, max_length=4096)
    code: str = Field(min_length=6, max_length=8)


class RefreshIn(Model):
    """A refresh token to rotate."""

    refresh_token: str = Field(min_length=1, max_length=200)


class TokenPair(Model):
    """Access and refresh tokens (or an MFA challenge when `mfa_required`)."""

    token_type: str = "bearer"
    access_token: str | None = None
    refresh_token: str | None = None
    expires_in: int | None = None
    mfa_required: bool = False
    mfa_token: str | None = None


class UserOut(Model):
    """A user as seen by members of the same organisation."""

    id: str
    email: str
    display_name: str
    totp_enabled: bool
    created_at: datetime


class OrganizationOut(Model):
    """An organisation."""

    id: str
    name: str
    created_at: datetime


class SignupOut(Model):
    """The new user and organisation."""

    user: UserOut
    organization: OrganizationOut


class MeOut(Model):
    """The caller: user (absent for API keys), organisation and role."""

    user: UserOut | None
    organization: OrganizationOut
    role: Role
    api_key_id: str | None = None


class TotpSetupOut(Model):
    """A new TOTP seed; confirm it with a code to enable MFA."""

    secret: str
    otpauth_uri: str


class CodeIn(Model):
    """A one-time code."""

    code: str = Field(min_length=6, max_length=8)


class SessionOut(Model):
    """A login session."""

    id: str
    user_agent: str
    ip: str
    created_at: datetime
    last_used_at: datetime
    revoked_at: datetime | None
    current: bool = False


class ApiKeyIn(Model):
    """Create an API key with at most the creator's role."""

    name: str = Name
    role: KeyRole = "viewer"


class ApiKeyOut(Model):
    """An API key without its secret."""

    id: str
    name: str
    prefix: str
    role: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    """The key itself, shown once."""

    key: str


class MemberIn(Model):
    """Add an existing user to the organisation."""

    email: str = Field(min_length=3, max_length=320)
    role: Role = "viewer"


class RoleIn(Model):
    """Change a member's role."""

    role: Role


class MemberOut(Model):
    """A user's membership."""

    user_id: str
    email: str
    display_name: str
    role: str
    created_at: datetime


class AuditOut(Model):
    """One audit-log entry."""

    id: str
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    ip: str
    created_at: datetime


class ProjectIn(Model):
    """Create a project."""

    name: str = Name
    description: str = Field(default="", max_length=5000)


class ProjectUpdate(Model):
    """Change a project's name or description."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)


class ProjectOut(Model):
    """A project."""

    id: str
    name: str
    description: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    latest_version: int | None = None


class GraphVersionIn(Model):
    """Upload graph YAML; it becomes the next immutable version when it validates."""

    yaml: str = Field(min_length=1, max_length=1_000_000)
    message: str = Field(default="", max_length=500)


class GraphVersionOut(Model):
    """A saved graph version (YAML included only when asked for one version)."""

    id: str
    project_id: str
    version: int
    sha256: str
    message: str
    created_by: str
    created_at: datetime
    yaml: str | None = None


class DiffOut(Model):
    """A unified diff between two versions."""

    from_version: int
    to_version: int
    diff: str
    added_lines: int
    removed_lines: int


class AssetOut(Model):
    """An uploaded asset."""

    id: str
    kind: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    created_at: datetime


class ProjectMemberIn(Model):
    """Assign an organisation member to a project."""

    user_id: str = Field(min_length=1, max_length=32)
    role: Literal["viewer", "producer"] = "producer"


class ProjectMemberOut(Model):
    """A project member."""

    user_id: str
    role: str
    created_at: datetime


class DestinationIn(Model):
    """An RTMP(S) publish target; the stream key is encrypted at rest and never returned."""

    name: str = Name
    url: str = Field(min_length=8, max_length=1000, pattern=r"^(rtmps?|srt|https?)://\S+$")
    stream_key: str = Field(min_length=1, max_length=500)


class DestinationOut(Model):
    """A destination with its stream key masked."""

    id: str
    project_id: str
    name: str
    url: str
    stream_key_masked: str
    created_at: datetime


class StreamRunSettings(TypedDict, total=False):
    """How a stream runs; anything else, or a value of the wrong type, is a 422 naming the field."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    realtime: StrictBool
    duration_s: Annotated[float, Field(gt=0, le=7 * 24 * 3600)]
    max_frames: Annotated[StrictInt, Field(ge=1)]


class StreamStartIn(Model):
    """Start a project's graph (latest version unless `version` is given)."""

    project_id: str = Field(min_length=1, max_length=32)
    version: int | None = Field(default=None, ge=1)
    destination_ids: list[str] = Field(default_factory=list, max_length=16)
    settings: StreamRunSettings = Field(default_factory=lambda: StreamRunSettings())


class StreamStopIn(Model):
    """Stop a stream."""

    stream_id: str = Field(min_length=1, max_length=32)


class StreamOut(Model):
    """A stream's state and live per-node metrics."""

    id: str
    project_id: str
    graph_version_id: str
    status: str
    error: str | None
    started_by: str
    started_at: datetime
    stopped_at: datetime | None
    stats: dict[str, Any] = Field(default_factory=dict)


class PlanOut(Model):
    """A billing plan with its limits and prices."""

    code: str
    name: str
    monthly_fee_cents: int
    limits: dict[str, float]
    prices_cents: dict[str, float]


class SubscriptionOut(Model):
    """The organisation's current plan, and a change waiting for payment or for the period's end."""

    plan_code: str
    status: str
    provider: str
    created_at: datetime
    updated_at: datetime
    pending_plan_code: str | None = None
    pending_effective_at: datetime | None = Field(
        default=None, description="When a scheduled downgrade takes effect (null while an upgrade awaits payment)")
    checkout_ref: str | None = Field(default=None, description="The payment provider's checkout for an upgrade")


class StaffAuditOut(Model):
    """One action of a platform operator."""

    id: str
    actor: str
    action: str
    organization_id: str | None
    target: str
    detail: dict[str, Any]
    ip: str
    created_at: datetime


class PlanChangeIn(Model):
    """Switch plan."""

    plan_code: str = Field(min_length=1, max_length=40)


class UsageOut(Model):
    """Usage totals for a period."""

    period_start: datetime
    period_end: datetime
    totals: dict[str, float]


class InvoiceLineOut(Model):
    """One invoice line."""

    description: str
    metric: str
    quantity: float
    unit_price_cents: float
    amount_cents: int


class InvoiceOut(Model):
    """An invoice with its lines."""

    id: str
    number: str
    period_start: datetime
    period_end: datetime
    status: str
    currency: str
    total_cents: int
    provider: str
    created_at: datetime
    paid_at: datetime | None
    lines: list[InvoiceLineOut] = Field(default_factory=list)


class InvoiceIn(Model):
    """Close a period into an invoice (`year`/`month` of the period; default last month)."""

    year: int | None = Field(default=None, ge=2020, le=2100)
    month: int | None = Field(default=None, ge=1, le=12)


class WebhookIn(Model):
    """Register a URL for signed event notifications."""

    url: str = Field(min_length=8, max_length=1000, pattern=r"^https?://\S+$")
    events: list[str] = Field(default_factory=lambda: ["*"], max_length=32)


class WebhookOut(Model):
    """A webhook endpoint (its signing secret is shown only at creation)."""

    id: str
    url: str
    events: list[str]
    active: bool
    created_at: datetime
    secret: str | None = None


class DeliveryOut(Model):
    """One delivery attempt."""

    id: str
    endpoint_id: str
    event_id: str
    event_type: str
    attempt: int
    status_code: int | None
    error: str | None
    delivered: bool
    created_at: datetime


class TemplateOut(Model):
    """A graphics template (skin)."""

    name: str
    info: dict[str, Any] = Field(default_factory=dict)


class RenderIn(Model):
    """Render a still PNG from a TableState."""

    table_state: dict[str, Any]
    skin: str = Field(default="broadcast", max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
                      description="a bundled skin name (`GET /graphics/templates`); never a path on the server")
    width: int = Field(default=1920, ge=64, le=3840)
    height: int = Field(default=1080, ge=64, le=2160)
    reveal: Literal["delayed", "live", "none"] = "delayed"


class ErrorOut(Model):
    """An error body."""

    detail: str | list[dict[str, Any]]


NotifyEvent = Literal["stream.started", "stream.failed", "stream.stopped", "output.down", "output.recovered",
                      "alert.fired", "alert.resolved", "invoice.issued", "payment.failed", "member.invited"]
NotifyChannel = Literal["email", "console"]


class PreferenceItem(Model):
    """The channels one event reaches the user over (an empty list: not notified)."""

    event_type: NotifyEvent
    channels: list[NotifyChannel] = Field(max_length=2)
    default: bool = False  # true when no preference is saved and the defaults apply


class PreferencesIn(Model):
    """Preferences to save (events left out keep what they had)."""

    preferences: list[PreferenceItem] = Field(max_length=32)


class NotificationOut(Model):
    """One entry of the notification centre."""

    id: str
    event_id: str
    event_type: str
    title: str
    body: str
    data: dict[str, Any]
    read_at: datetime | None
    created_at: datetime


class NotificationDeliveryOut(Model):
    """One attempt to deliver a notification to a user over a channel."""

    id: str
    user_id: str | None
    channel: str
    event_id: str
    event_type: str
    target: str
    attempt: int
    delivered: bool
    error: str | None
    created_at: datetime


class AlertmanagerAlert(Model):
    """One alert of an Alertmanager webhook (fields we use; others are ignored)."""

    status: Literal["firing", "resolved"]
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: str = ""  # noqa: N815 - Alertmanager's field names
    endsAt: str = ""  # noqa: N815
    fingerprint: str = ""


class AlertmanagerIn(Model):
    """Alertmanager's webhook body (version 4)."""

    version: str = "4"
    status: str = "firing"
    receiver: str = ""
    alerts: list[AlertmanagerAlert] = Field(max_length=1000)
