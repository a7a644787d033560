"""Service settings read from the environment (GGP_HOME, GGP_DATABASE_URL, GGP_SECRET_KEY, ...)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from ggpgfx.errors import ConfigError


def ggp_home() -> Path:
    """Return the data folder (`GGP_HOME`, default `~/.ggp`), creating it 0700."""
    home = Path(os.environ.get("GGP_HOME") or Path.home() / ".ggp").expanduser()
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    return home


def _key_file(home: Path, name: str, size: int) -> bytes:
    """Read or create a random key file readable only by its owner."""
    path = home / name
    if path.exists():
        data = path.read_bytes()
        if len(data) != size:
            raise ConfigError(f"{path}: expected a {size}-byte key, got {len(data)} bytes; delete it to regenerate")
        return data
    data = secrets.token_bytes(size)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return data


def _env_key(name: str) -> bytes | None:
    """Decode a 32-byte key given as 64 hex digits (or any longer passphrase, hashed)."""
    import hashlib

    value = os.environ.get(name)
    if not value:
        return None
    try:
        raw = bytes.fromhex(value)
        if len(raw) == 32:
            return raw
    except ValueError:
        pass
    if len(value) < 16:
        raise ConfigError(f"{name} is too short: give 64 hex digits or a passphrase of 16+ characters")
    return hashlib.sha256(value.encode()).digest()


@dataclass
class Settings:
    """Everything the services need to start; built once per process by `load_settings`."""

    home: Path
    database_url: str
    secret_key: bytes  # AES-256-GCM key for secrets at rest
    jwt_key: bytes  # HMAC key for access tokens
    jwt_issuer: str = "ggpgfx"
    jwt_audience: str = "ggpgfx-api"
    access_ttl_s: int = 900
    refresh_ttl_s: int = 30 * 24 * 3600
    rate_limit_per_s: float = 50.0
    rate_limit_burst: int = 400
    max_body_bytes: int = 2 * 1024 * 1024
    cors_origins: list[str] = field(default_factory=lambda: ["http://127.0.0.1", "http://localhost"])
    asset_backend: str = "local"  # or "s3"
    s3_bucket: str | None = None
    s3_endpoint: str | None = None
    stripe_webhook_secret: str | None = None
    stream_executor: str = "ray"
    graphql_introspection: bool = False  # schema introspection and the GraphiQL page (GGP_GRAPHQL_INTROSPECTION=1)
    graphql_max_depth: int = 8
    graphql_max_aliases: int = 15
    graphql_max_cost: int = 100  # 1 per field, 10 per top-level field (each is a service call)
    graphql_max_subscriptions: int = 5  # per WebSocket connection
    ws_rate_per_s: float = 5.0  # WebSocket messages per client address (token bucket)
    ws_burst: int = 30
    login_account_free_failures: int = 5  # wrong passwords/codes before an account is locked (growing lock)
    login_address_free_failures: int = 20  # failed logins from one client address before it is locked
    #: hosts and CIDR networks tenants' graphs and webhooks may reach although private (GGP_POLICY_ALLOW_HOSTS)
    policy_allow_hosts: list[str] = field(default_factory=list)
    #: bearer token Prometheus must send to /metrics (GGP_METRICS_TOKEN); open to any client without one
    metrics_token: str | None = None
    #: outgoing mail for notifications (GGP_SMTP_HOST etc.); no host: the email channel logs "not configured"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "ggpgfx <notifications@localhost>"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    #: bearer token Alertmanager must send to POST /api/v1/alerts/webhook (GGP_ALERTS_TOKEN); unset: 503
    alerts_token: str | None = None
    #: the biggest stream event log (bytes) GET /streams/{id}/analytics replays in-process (GGP_ANALYTICS_MAX_LOG_BYTES)
    analytics_max_log_bytes: int = 4 * 1024 * 1024
    #: wall-clock limit of a background analytics job over a bigger log (GGP_ANALYTICS_JOB_TIME_LIMIT_S)
    analytics_job_time_limit_s: float = 900.0

    @property
    def assets_dir(self) -> Path:
        """Folder holding uploaded project assets when the local backend is used."""
        path = self.home / "assets"
        path.mkdir(parents=True, exist_ok=True)
        return path


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment; keyword overrides win (tests use them)."""
    home = Path(str(overrides.pop("home"))) if "home" in overrides else ggp_home()
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    url = os.environ.get("GGP_DATABASE_URL") or f"sqlite:///{home / 'ggp.db'}"
    secret = _env_key("GGP_SECRET_KEY") or _key_file(home, "secret.key", 32)
    jwt_key = _env_key("GGP_JWT_KEY") or _key_file(home, "jwt.key", 32)
    settings = Settings(
        home=home,
        database_url=url,
        secret_key=secret,
        jwt_key=jwt_key,
        rate_limit_per_s=float(os.environ.get("GGP_RATE_LIMIT_PER_S", "50")),
        rate_limit_burst=int(os.environ.get("GGP_RATE_LIMIT_BURST", "400")),
        max_body_bytes=int(os.environ.get("GGP_MAX_BODY_BYTES", str(2 * 1024 * 1024))),
        analytics_max_log_bytes=int(os.environ.get("GGP_ANALYTICS_MAX_LOG_BYTES", str(4 * 1024 * 1024))),
        analytics_job_time_limit_s=float(os.environ.get("GGP_ANALYTICS_JOB_TIME_LIMIT_S", "900")),
        asset_backend=os.environ.get("GGP_ASSET_BACKEND", "local"),
        s3_bucket=os.environ.get("GGP_S3_BUCKET"),
        s3_endpoint=os.environ.get("GGP_S3_ENDPOINT"),
        stripe_webhook_secret=os.environ.get("GGP_STRIPE_WEBHOOK_SECRET"),
        metrics_token=os.environ.get("GGP_METRICS_TOKEN") or None,
        smtp_host=os.environ.get("GGP_SMTP_HOST") or None,
        smtp_port=int(os.environ.get("GGP_SMTP_PORT", "25")),
        smtp_from=os.environ.get("GGP_SMTP_FROM", "ggpgfx <notifications@localhost>"),
        smtp_username=os.environ.get("GGP_SMTP_USERNAME") or None,
        smtp_password=os.environ.get("GGP_SMTP_PASSWORD") or None,
        smtp_starttls=os.environ.get("GGP_SMTP_STARTTLS", "0").lower() in ("1", "true", "yes"),
        alerts_token=os.environ.get("GGP_ALERTS_TOKEN") or None,
        stream_executor=os.environ.get("GGP_STREAM_EXECUTOR", "ray"),
        graphql_introspection=os.environ.get("GGP_GRAPHQL_INTROSPECTION", "0").lower() in ("1", "true", "yes"),
        login_account_free_failures=int(os.environ.get("GGP_LOGIN_ACCOUNT_FREE_FAILURES", "5")),
        login_address_free_failures=int(os.environ.get("GGP_LOGIN_ADDRESS_FREE_FAILURES", "20")),
    )
    allow = os.environ.get("GGP_POLICY_ALLOW_HOSTS")
    if allow:
        settings.policy_allow_hosts = [h.strip() for h in allow.split(",") if h.strip()]
    origins = os.environ.get("GGP_CORS_ORIGINS")
    if origins:
        settings.cors_origins = [o.strip() for o in origins.split(",") if o.strip()]
    for key, value in overrides.items():
        if not hasattr(settings, key):
            raise ConfigError(f"unknown service setting '{key}'")
        setattr(settings, key, value)
    return settings
