"""Typed service calls: one Protocol per service, one client per service that implements it over a transport.

The HTTP layer (routes, GraphQL, the authenticator) only sees these Protocols, so mypy checks every
call: a misspelt method or a wrong argument is a type error. A client binds each method of the plain
service class (``ProjectsService.list_projects``, ...) with a `Bind`: `backend.InThread` runs it in a
worker thread of this process, `backend.ThroughHandle` sends it to the Serve deployment hosting the
service. Failures travel as the exceptions the service raised (`ServiceError` with its status); the
app maps them to HTTP in one exception handler.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, Protocol, TypeVar

if TYPE_CHECKING:
    from ggpgfx.services import schemas as s
    from ggpgfx.services import tournament_schemas as ts
    from ggpgfx.services.security import Principal
    from ggpgfx.tournament.state import GraphicsCues, TournamentState

P = ParamSpec("P")
R = TypeVar("R")


class Bind(Protocol):
    """Turns a method of a service class into an awaitable call of it on wherever that service runs."""

    def __call__(self, method: Callable[Concatenate[Any, P], R]) -> Callable[P, Coroutine[Any, Any, R]]:
        """The bound call (same parameters as `method` without `self`)."""
        ...

class AccountsAPI(Protocol):
    """The accounts service as the HTTP layer calls it."""

    async def signup(self, body: s.SignupIn, ip: str = "") -> s.SignupOut:
        """Create a user, their organisation (free plan) and an owner membership."""

    async def login(self, body: s.LoginIn, user_agent: str = "", ip: str = "") -> s.TokenPair:
        """Check the password; return tokens, or an MFA challenge when TOTP is on."""

    async def verify_mfa(self, body: s.MfaIn, user_agent: str = "", ip: str = "") -> s.TokenPair:
        """Second login step: a valid, unused MFA token plus a TOTP code newer than the last one accepted."""

    async def refresh(self, body: s.RefreshIn, user_agent: str = "", ip: str = "") -> s.TokenPair:
        """Rotate a refresh token; presenting a used one revokes its whole session (family)."""

    async def session_role(self, session_id: str) -> str | None:
        """The role the session's user holds now in the session's organisation; None once revoked."""

    async def authenticate_api_key(self, key: str, ip: str = "") -> Principal:
        """Look an API key up by prefix and compare hashes; revoked keys fail."""

    async def me(self, principal: Principal) -> s.MeOut:
        """The caller's user, organisation and role."""

    async def get_user(self, principal: Principal, user_id: str) -> s.UserOut:
        """A user who shares the caller's organisation, else 404."""

    async def logout(self, principal: Principal) -> None:
        """Revoke the caller's session."""

    async def totp_setup(self, principal: Principal) -> s.TotpSetupOut:
        """Start TOTP enrolment: store a new (not yet enabled) seed and return it."""

    async def totp_enable(self, principal: Principal, body: s.CodeIn) -> None:
        """Turn TOTP on after checking a code from the enrolled seed."""

    async def totp_disable(self, principal: Principal, body: s.CodeIn) -> None:
        """Turn TOTP off (needs a current code)."""

    async def list_sessions(self, principal: Principal) -> list[s.SessionOut]:
        """The caller's sessions in this organisation, newest first."""

    async def revoke_session(self, principal: Principal, session_id: str) -> None:
        """Revoke one of the caller's sessions (admins may revoke anyone's in their organisation)."""

    async def create_api_key(self, principal: Principal, body: s.ApiKeyIn) -> s.ApiKeyCreated:
        """Create a key with at most the caller's role; the secret is returned once."""

    async def list_api_keys(self, principal: Principal) -> list[s.ApiKeyOut]:
        """Keys of the organisation (never their secrets)."""

    async def revoke_api_key(self, principal: Principal, key_id: str) -> None:
        """Revoke a key; it fails authentication from then on."""

    async def list_members(self, principal: Principal) -> list[s.MemberOut]:
        """Members of the caller's organisation."""

    async def add_member(self, principal: Principal, body: s.MemberIn) -> s.MemberOut:
        """Add an existing user by email; only owners grant admin or owner."""

    async def set_member_role(self, principal: Principal, user_id: str, body: s.RoleIn) -> None:
        """Change a member's role; every request checks the current role, and a demotion also revokes the"""

    async def remove_member(self, principal: Principal, user_id: str) -> None:
        """Remove a member (the last owner cannot be removed); their sessions, refresh tokens and API keys"""

    async def audit_log(self, principal: Principal, limit: int = 100) -> list[s.AuditOut]:
        """Newest audit entries of the organisation."""


class NotificationsAPI(Protocol):
    """The notifications service as the HTTP layer calls it."""

    async def create_endpoint(self, principal: Principal, body: s.WebhookIn) -> s.WebhookOut:
        """Register a URL; its signing secret is returned once."""

    async def list_endpoints(self, principal: Principal) -> list[s.WebhookOut]:
        """Endpoints of the organisation."""

    async def delete_endpoint(self, principal: Principal, endpoint_id: str) -> None:
        """Remove an endpoint and its delivery log."""

    async def list_deliveries(self, principal: Principal, endpoint_id: str) -> list[s.DeliveryOut]:
        """Every attempt for one endpoint, newest first."""

    async def get_preferences(self, principal: Principal) -> list[s.PreferenceItem]:
        """The caller's channels for every event (saved, or the defaults)."""

    async def set_preferences(self, principal: Principal, body: s.PreferencesIn) -> list[s.PreferenceItem]:
        """Save the caller's channels for the events given."""

    async def list_notifications(self, principal: Principal, unread_only: bool = False, after: str | None = None,
                                 limit: int = 50) -> list[s.NotificationOut]:
        """The caller's notification centre, newest first."""

    async def mark_read(self, principal: Principal, notification_ids: list[str] | None = None) -> int:
        """Mark notifications read; returns how many changed."""

    async def list_notification_deliveries(self, principal: Principal, limit: int = 200) -> list[s.NotificationDeliveryOut]:
        """Delivery attempts of notifications (own, or the organisation's for an admin)."""

    async def receive_alerts(self, body: s.AlertmanagerIn) -> dict[str, int]:
        """Alertmanager's alerts as alert.fired / alert.resolved events."""


class ProjectsAPI(Protocol):
    """The projects service as the HTTP layer calls it."""

    async def list_projects(
        self, principal: Principal, name_contains: str | None = None, limit: int = 100, offset: int = 0,
    ) -> list[s.ProjectOut]:
        """Projects of the caller's organisation, newest first (the API's hottest read: plain Core rows)."""

    async def create_project(self, principal: Principal, body: s.ProjectIn) -> s.ProjectOut:
        """Create a project owned by the caller's organisation."""

    async def get_project(self, principal: Principal, project_id: str) -> s.ProjectOut:
        """One project of the caller's organisation."""

    async def update_project(
        self, principal: Principal, project_id: str, body: s.ProjectUpdate,
    ) -> s.ProjectOut:
        """Rename or re-describe a project."""

    async def delete_project(self, principal: Principal, project_id: str) -> None:
        """Delete a project with its versions, assets and destinations."""

    async def create_version(
        self, principal: Principal, project_id: str, body: s.GraphVersionIn,
    ) -> s.GraphVersionOut:
        """Validate YAML and save it as the next immutable version (422 with line numbers if invalid)."""

    async def list_versions(self, principal: Principal, project_id: str) -> list[s.GraphVersionOut]:
        """All versions of a project, oldest first (without YAML)."""

    async def get_version(
        self, principal: Principal, project_id: str, version: int | None = None,
    ) -> s.GraphVersionOut:
        """One version with its YAML (latest when `version` is None)."""

    async def diff_versions(
        self, principal: Principal, project_id: str, from_version: int, to_version: int,
    ) -> s.DiffOut:
        """Unified diff of two versions' YAML."""

    async def upload_asset(
        self, principal: Principal, project_id: str, kind: str, filename: str, content_type: str, data: bytes,
    ) -> s.AssetOut:
        """Store a file for the project (skins, logos, photos)."""

    async def list_assets(self, principal: Principal, project_id: str) -> list[s.AssetOut]:
        """Assets of a project."""

    async def get_asset(
        self, principal: Principal, project_id: str, asset_id: str,
    ) -> tuple[s.AssetOut, bytes]:
        """An asset's metadata and bytes."""

    async def delete_asset(self, principal: Principal, project_id: str, asset_id: str) -> None:
        """Delete an asset and its bytes."""

    async def list_members(self, principal: Principal, project_id: str) -> list[s.ProjectMemberOut]:
        """Users assigned to a project."""

    async def add_member(
        self, principal: Principal, project_id: str, body: s.ProjectMemberIn,
    ) -> s.ProjectMemberOut:
        """Assign a member of the organisation to the project."""

    async def remove_member(self, principal: Principal, project_id: str, user_id: str) -> None:
        """Unassign a user from the project."""

    async def create_destination(
        self, principal: Principal, project_id: str, body: s.DestinationIn,
    ) -> s.DestinationOut:
        """Store a publish target; the stream key is encrypted with the organisation id as context."""

    async def list_destinations(self, principal: Principal, project_id: str) -> list[s.DestinationOut]:
        """Destinations with masked keys."""

    async def delete_destination(self, principal: Principal, project_id: str, destination_id: str) -> None:
        """Remove a destination."""


class BillingAPI(Protocol):
    """The billing service as the HTTP layer calls it."""

    async def list_plans(self) -> list[s.PlanOut]:
        """The plan catalogue."""

    async def get_subscription(self, principal: Principal) -> s.SubscriptionOut:
        """The caller's subscription."""

    async def change_plan(self, principal: Principal, body: s.PlanChangeIn) -> s.SubscriptionOut:
        """Ask for another plan (owners only). The customer never switches a paid plan on by themselves:"""

    async def usage(
        self, principal: Principal, year: int | None = None, month: int | None = None,
    ) -> s.UsageOut:
        """Usage totals for a month (default: the current one)."""

    async def create_invoice(self, principal: Principal, body: s.InvoiceIn) -> s.InvoiceOut:
        """Close a month into an invoice: the plan fee plus metered usage at the plan's prices."""

    async def list_invoices(self, principal: Principal) -> list[s.InvoiceOut]:
        """Invoices of the organisation, newest first."""

    async def get_invoice(self, principal: Principal, invoice_id: str) -> s.InvoiceOut:
        """One invoice with lines."""

    async def staff_mark_paid(self, principal: Principal, invoice_id: str) -> s.InvoiceOut:
        """Record an out-of-band payment of any organisation's invoice (platform operators only)."""

    async def staff_set_plan(
        self, principal: Principal, organization_id: str, body: s.PlanChangeIn,
    ) -> s.SubscriptionOut:
        """Put an organisation on a plan now, after an out-of-band payment (platform operators only)."""

    async def staff_audit_log(self, principal: Principal, limit: int = 100) -> list[s.StaffAuditOut]:
        """The operators' own trail, newest first (platform operators only)."""

    async def handle_stripe_webhook(self, payload: bytes, signature: str) -> dict[str, str]:
        """Verify a Stripe-style signed event and apply it once (replays are acknowledged, not re-applied)."""

    async def usage_report(self, principal: Principal, days: int = 30, project_id: str | None = None) -> dict[str, Any]:
        """Daily usage per project from the rows invoices add up."""

    async def record_render(self, organization_id: str, project_id: str | None, minutes: float) -> None:
        """Meter a finished studio render job (its minutes of work) for the organisation and, when given, a project."""


class StreamsAPI(Protocol):
    """The streams service as the HTTP layer calls it."""

    async def start(self, principal: Principal, body: s.StreamStartIn) -> s.StreamOut:
        """Check plan limits, then run the project's graph version (latest unless given)."""

    async def stop(self, principal: Principal, body: s.StreamStopIn) -> s.StreamOut:
        """Stop a running stream and meter its final usage."""

    async def get(self, principal: Principal, stream_id: str) -> s.StreamOut:
        """One stream with live metrics while it runs."""

    async def status(
        self, principal: Principal, project_id: str | None = None, active_only: bool = False,
    ) -> list[s.StreamOut]:
        """Streams of the organisation (optionally of one project / only active ones), newest first."""

    async def control_endpoint(self, principal: Principal, stream_id: str) -> tuple[str, str]:
        """Base URL of a running stream's control endpoint and a fresh session on it (viewer or above)."""

    async def audit_control(
        self, principal: Principal, stream_id: str, verb: str, request_id: Any, version: Any,
    ) -> None:
        """Write one accepted control action to the audit log."""

    async def control_request(
        self, principal: Principal, stream_id: str, table: str, request: dict[str, Any],
    ) -> dict[str, Any]:
        """Judge one control request for a stream's table (producer or above); accepted ones are audited."""

    async def control_state(self, principal: Principal, stream_id: str, table: str) -> dict[str, Any]:
        """A table's protocol state (viewer or above)."""

    async def analytics(self, principal: Principal, stream_id: str) -> dict[str, Any]:
        """Show analytics of a stream's event logs (viewer or above); over the cap, {"job": ...} of a background job."""

    async def analytics_job(self, principal: Principal, job_id: str) -> dict[str, Any]:
        """A background analytics job of the organisation (viewer or above)."""

    async def analytics_job_result(self, principal: Principal, job_id: str) -> dict[str, Any]:
        """A finished background analytics job's result (viewer or above)."""


class TournamentAPI(Protocol):
    """The tournament service as the HTTP layer calls it."""

    async def list_players(
        self, principal: Principal, q: str | None = None, limit: int = 100, offset: int = 0,
    ) -> list[ts.PlayerOut]:
        """Players of the organisation, by name; `q` matches name, nickname, hometown or country."""

    async def create_player(self, principal: Principal, body: ts.PlayerIn) -> ts.PlayerOut:
        """Add a player to the organisation."""

    async def get_player(self, principal: Principal, player_id: str) -> ts.PlayerOut:
        """One player."""

    async def update_player(self, principal: Principal, player_id: str, body: ts.PlayerUpdate) -> ts.PlayerOut:
        """Change a player's details."""

    async def delete_player(self, principal: Principal, player_id: str) -> None:
        """Delete a player who has no entries (their photo too)."""

    async def set_player_photo(
        self, principal: Principal, player_id: str, data: bytes, shape: str = "square", size: int = 512,
    ) -> ts.PlayerOut:
        """Store an uploaded image as the player's photo: centre-cropped to a square (or a circle with a"""

    async def get_player_photo(self, principal: Principal, player_id: str) -> bytes:
        """The player's cropped photo (PNG)."""

    async def list_events(self, principal: Principal) -> list[ts.EventOut]:
        """Events of the organisation, newest first."""

    async def create_event(self, principal: Principal, body: ts.EventIn) -> ts.EventOut:
        """Create an event."""

    async def get_event(self, principal: Principal, event_id: str) -> ts.EventOut:
        """One event."""

    async def update_event(self, principal: Principal, event_id: str, body: ts.EventUpdate) -> ts.EventOut:
        """Change an event's settings."""

    async def delete_event(self, principal: Principal, event_id: str) -> None:
        """Delete an event with its tables, entries, counts and payouts (players stay)."""

    async def get_structure(self, principal: Principal, event_id: str) -> list[ts.LevelOut]:
        """The blind structure, in order."""

    async def set_structure(self, principal: Principal, event_id: str, body: ts.StructureIn) -> list[ts.LevelOut]:
        """Replace the blind structure."""

    async def get_clock(self, principal: Principal, event_id: str) -> ts.ClockOut:
        """The clock now."""

    async def clock_action(self, principal: Principal, event_id: str, body: ts.ClockIn) -> ts.ClockOut:
        """Start, pause, resume, add/remove time or jump to a level; stored as a new anchor."""

    async def list_tables(self, principal: Principal, event_id: str) -> list[ts.TableOut]:
        """Tables of the event with their player counts."""

    async def create_table(self, principal: Principal, event_id: str, body: ts.TableIn) -> ts.TableOut:
        """Add a table."""

    async def seating(self, principal: Principal, event_id: str, body: ts.SeatingIn) -> list[ts.MoveOut]:
        """`draw`: seat every unseated live entry at random, tables kept even; `balance`: move players from"""

    async def break_table(
        self, principal: Principal, event_id: str, table_id: str, seed: int | None = None,
    ) -> list[ts.MoveOut]:
        """Break a table: its players go to free seats at the emptiest open tables, one by one at random."""

    async def move_entry(self, principal: Principal, event_id: str, entry_id: str, body: ts.MoveIn) -> ts.EntryOut:
        """Move a live player to another table (a given seat, or the first free one)."""

    async def hand_setup(self, principal: Principal, event_id: str, table_id: str) -> ts.HandSetupOut:
        """What the live table's next hand starts from: seats' chip counts and the clock's blinds."""

    async def list_entries(
        self, principal: Principal, event_id: str, table_id: str | None = None, active_only: bool = False,
    ) -> list[ts.EntryOut]:
        """Entries of the event (of one table, or only live ones), by table and seat."""

    async def create_entry(self, principal: Principal, event_id: str, body: ts.EntryIn) -> ts.EntryOut:
        """Register a player: a first entry, or a re-entry once their earlier entry is out."""

    async def set_chips(self, principal: Principal, event_id: str, entry_id: str, body: ts.ChipsIn) -> ts.EntryOut:
        """One seat's chip count. Concurrent writes: the later one wins; `chips_version` tells them apart."""

    async def bulk_chips(self, principal: Principal, event_id: str, body: ts.BulkChipsIn) -> list[ts.EntryOut]:
        """Counts for many seats (a table, or every table) in one transaction: all or nothing."""

    async def chip_history(
        self, principal: Principal, event_id: str, entry_id: str | None = None, limit: int = 1000,
    ) -> list[ts.ChipCountOut]:
        """Recorded counts, newest first (of one entry, or of the event)."""

    async def import_csv(self, principal: Principal, event_id: str, kind: str, text: str) -> dict[str, Any]:
        """Import `structure`, `chips` or `payouts` CSV: every row is checked first, and a bad row (its line"""

    async def get_payouts(self, principal: Principal, event_id: str) -> ts.PayoutsOut:
        """The payout table for the current field and prize pool."""

    async def set_payouts(self, principal: Principal, event_id: str, body: ts.PayoutsIn) -> ts.PayoutsOut:
        """Use the standard curve (over `places` paid) or a table of rows."""

    async def eliminate(self, principal: Principal, event_id: str, body: ts.EliminationIn) -> ts.EliminationOut:
        """A bust-out: the entry finishes in the place the remaining field says, with that place's prize."""

    async def list_eliminations(self, principal: Principal, event_id: str) -> list[ts.EliminationOut]:
        """Bust-outs, latest first."""

    async def add_hands(self, principal: Principal, event_id: str, body: ts.HandIn) -> ts.HandsOut:
        """Store recorded hands (PHH) of the event: the source of VPIP/PFR/AF/WTSD on air."""

    async def get_stats(self, principal: Principal, event_id: str) -> ts.StatsOut:
        """Per-player stats: VPIP/PFR/AF/WTSD from the event's recorded hands (players matched by name or"""

    async def set_graphics(self, principal: Principal, event_id: str, body: GraphicsCues) -> TournamentState:
        """Which tournament elements are on air (the `graphics` part of the state message)."""

    async def get_state(self, principal: Principal, event_id: str) -> TournamentState:
        """The tournament-state message the graph receives (ggpgfx.tournament.TournamentState)."""

    async def state_version(self, principal: Principal, event_id: str) -> int:
        """The event's data version (cheap: subscriptions poll it and build the state only on change)."""


class AccountsClient:
    """AccountsAPI over a transport."""

    def __init__(self, bind: Bind) -> None:
        from ggpgfx.services.accounts import AccountsService as S

        self.signup = bind(S.signup)
        self.login = bind(S.login)
        self.verify_mfa = bind(S.verify_mfa)
        self.refresh = bind(S.refresh)
        self.session_role = bind(S.session_role)
        self.authenticate_api_key = bind(S.authenticate_api_key)
        self.me = bind(S.me)
        self.get_user = bind(S.get_user)
        self.logout = bind(S.logout)
        self.totp_setup = bind(S.totp_setup)
        self.totp_enable = bind(S.totp_enable)
        self.totp_disable = bind(S.totp_disable)
        self.list_sessions = bind(S.list_sessions)
        self.revoke_session = bind(S.revoke_session)
        self.create_api_key = bind(S.create_api_key)
        self.list_api_keys = bind(S.list_api_keys)
        self.revoke_api_key = bind(S.revoke_api_key)
        self.list_members = bind(S.list_members)
        self.add_member = bind(S.add_member)
        self.set_member_role = bind(S.set_member_role)
        self.remove_member = bind(S.remove_member)
        self.audit_log = bind(S.audit_log)


class NotificationsClient:
    """NotificationsAPI over a transport."""

    def __init__(self, bind: Bind) -> None:
        from ggpgfx.services.notifications import NotificationsService as S

        self.create_endpoint = bind(S.create_endpoint)
        self.list_endpoints = bind(S.list_endpoints)
        self.delete_endpoint = bind(S.delete_endpoint)
        self.list_deliveries = bind(S.list_deliveries)
        self.get_preferences = bind(S.get_preferences)
        self.set_preferences = bind(S.set_preferences)
        self.list_notifications = bind(S.list_notifications)
        self.mark_read = bind(S.mark_read)
        self.list_notification_deliveries = bind(S.list_notification_deliveries)
        self.receive_alerts = bind(S.receive_alerts)


class ProjectsClient:
    """ProjectsAPI over a transport."""

    def __init__(self, bind: Bind) -> None:
        from ggpgfx.services.projects import ProjectsService as S

        self.list_projects = bind(S.list_projects)
        self.create_project = bind(S.create_project)
        self.get_project = bind(S.get_project)
        self.update_project = bind(S.update_project)
        self.delete_project = bind(S.delete_project)
        self.create_version = bind(S.create_version)
        self.list_versions = bind(S.list_versions)
        self.get_version = bind(S.get_version)
        self.diff_versions = bind(S.diff_versions)
        self.upload_asset = bind(S.upload_asset)
        self.list_assets = bind(S.list_assets)
        self.get_asset = bind(S.get_asset)
        self.delete_asset = bind(S.delete_asset)
        self.list_members = bind(S.list_members)
        self.add_member = bind(S.add_member)
        self.remove_member = bind(S.remove_member)
        self.create_destination = bind(S.create_destination)
        self.list_destinations = bind(S.list_destinations)
        self.delete_destination = bind(S.delete_destination)


class BillingClient:
    """BillingAPI over a transport."""

    def __init__(self, bind: Bind) -> None:
        from ggpgfx.services.billing import BillingService as S

        self.list_plans = bind(S.list_plans)
        self.get_subscription = bind(S.get_subscription)
        self.change_plan = bind(S.change_plan)
        self.usage = bind(S.usage)
        self.create_invoice = bind(S.create_invoice)
        self.list_invoices = bind(S.list_invoices)
        self.get_invoice = bind(S.get_invoice)
        self.staff_mark_paid = bind(S.staff_mark_paid)
        self.staff_set_plan = bind(S.staff_set_plan)
        self.staff_audit_log = bind(S.staff_audit_log)
        self.handle_stripe_webhook = bind(S.handle_stripe_webhook)
        self.usage_report = bind(S.usage_report)
        self.record_render = bind(S.record_render)


class StreamsClient:
    """StreamsAPI over a transport."""

    def __init__(self, bind: Bind) -> None:
        from ggpgfx.services.streams import StreamsService as S

        self.start = bind(S.start)
        self.stop = bind(S.stop)
        self.get = bind(S.get)
        self.status = bind(S.status)
        self.control_endpoint = bind(S.control_endpoint)
        self.audit_control = bind(S.audit_control)
        self.control_request = bind(S.control_request)
        self.control_state = bind(S.control_state)
        self.analytics = bind(S.analytics)
        self.analytics_job = bind(S.analytics_job)
        self.analytics_job_result = bind(S.analytics_job_result)


class TournamentClient:
    """TournamentAPI over a transport."""

    def __init__(self, bind: Bind) -> None:
        from ggpgfx.services.tournament import TournamentService as S

        self.list_players = bind(S.list_players)
        self.create_player = bind(S.create_player)
        self.get_player = bind(S.get_player)
        self.update_player = bind(S.update_player)
        self.delete_player = bind(S.delete_player)
        self.set_player_photo = bind(S.set_player_photo)
        self.get_player_photo = bind(S.get_player_photo)
        self.list_events = bind(S.list_events)
        self.create_event = bind(S.create_event)
        self.get_event = bind(S.get_event)
        self.update_event = bind(S.update_event)
        self.delete_event = bind(S.delete_event)
        self.get_structure = bind(S.get_structure)
        self.set_structure = bind(S.set_structure)
        self.get_clock = bind(S.get_clock)
        self.clock_action = bind(S.clock_action)
        self.list_tables = bind(S.list_tables)
        self.create_table = bind(S.create_table)
        self.seating = bind(S.seating)
        self.break_table = bind(S.break_table)
        self.move_entry = bind(S.move_entry)
        self.hand_setup = bind(S.hand_setup)
        self.list_entries = bind(S.list_entries)
        self.create_entry = bind(S.create_entry)
        self.set_chips = bind(S.set_chips)
        self.bulk_chips = bind(S.bulk_chips)
        self.chip_history = bind(S.chip_history)
        self.import_csv = bind(S.import_csv)
        self.get_payouts = bind(S.get_payouts)
        self.set_payouts = bind(S.set_payouts)
        self.eliminate = bind(S.eliminate)
        self.list_eliminations = bind(S.list_eliminations)
        self.add_hands = bind(S.add_hands)
        self.get_stats = bind(S.get_stats)
        self.set_graphics = bind(S.set_graphics)
        self.get_state = bind(S.get_state)
        self.state_version = bind(S.state_version)
