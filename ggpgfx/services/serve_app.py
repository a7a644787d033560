"""Ray Serve composition: `gateway` (the FastAPI ingress) calls `accounts`, `projects`, `billing`, `streams`."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ggpgfx.errors import ConfigError, ServiceError
from ggpgfx.services.config import Settings

DEPLOYMENTS = ("gateway", "accounts", "projects", "billing", "streams")
APP_NAME = "ggpgfx"


@dataclass
class ServeConfig:
    """Per-deployment Serve options (num_replicas or autoscaling_config, max_ongoing_requests, ...)."""

    # The services wait on the database and the network, not on CPU: they reserve no Ray CPUs so
    # graph runs on the same cluster get them all.
    deployments: dict[str, dict[str, Any]] = field(default_factory=lambda: {
        "gateway": {"num_replicas": 1, "max_ongoing_requests": 256, "ray_actor_options": {"num_cpus": 0}},
        "accounts": {"num_replicas": 1, "max_ongoing_requests": 256, "ray_actor_options": {"num_cpus": 0}},
        "projects": {"num_replicas": 1, "max_ongoing_requests": 256, "ray_actor_options": {"num_cpus": 0}},
        "billing": {"num_replicas": 1, "max_ongoing_requests": 64, "ray_actor_options": {"num_cpus": 0}},
        # runs live in the replica that started them, so streams stays a single replica
        "streams": {"num_replicas": 1, "max_ongoing_requests": 64, "ray_actor_options": {"num_cpus": 0}},
    })

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> ServeConfig:
        """Defaults, overlaid with a JSON/YAML file (`GGP_SERVE_CONFIG` or `path`) shaped {deployment: {option: value}}."""
        config = cls()
        source = path or os.environ.get("GGP_SERVE_CONFIG")
        if not source:
            return config
        text = Path(source).read_text()
        try:
            import yaml

            data = yaml.safe_load(text) if str(source).endswith((".yaml", ".yml")) else json.loads(text)
        except ValueError as exc:
            raise ConfigError(f"{source}: not valid JSON/YAML: {exc}") from exc
        for name, options in (data or {}).items():
            if name not in DEPLOYMENTS or not isinstance(options, dict):
                raise ConfigError(f"{source}: unknown deployment '{name}'; expected one of {', '.join(DEPLOYMENTS)}")
            if name == "streams" and options.get("num_replicas", 1) != 1:
                raise ConfigError(f"{source}: 'streams' must run exactly one replica (it owns the running graphs)")
            merged = {k: v for k, v in config.deployments[name].items()
                      if not ("autoscaling_config" in options and k == "num_replicas")}
            merged.update(options)
            config.deployments[name] = merged
        return config


class ServiceHost:
    """A Serve replica hosting plain service objects; the gateway's `ThroughHandle` calls `run`."""

    def __init__(self, settings: Settings, names: tuple[str, ...]) -> None:
        from ggpgfx.services.backend import build_services
        from ggpgfx.services.base import Service

        self.services = build_services(settings, names, migrate=False)
        self.hosted = [service for service in self.services.values() if isinstance(service, Service)]

    async def run(self, method: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run one public method of a hosted service class in a worker thread; its exceptions propagate."""
        import asyncio

        return await asyncio.to_thread(method, self._owner(method), *args, **kwargs)

    def _owner(self, method: Callable[..., Any]) -> Any:
        """The hosted service whose class defines `method` (only public methods of hosted services run)."""
        name = getattr(method, "__name__", "")
        for service in self.hosted:
            if not name.startswith("_") and getattr(type(service), name, None) is method:
                return service
        raise ServiceError(f"{getattr(method, '__qualname__', name)} is not served by this deployment", 500)

    def check_health(self) -> None:
        """Serve health check: the database answers."""
        from sqlalchemy import text

        with self.services["context"].engine.connect() as connection:
            connection.execute(text("SELECT 1"))


class Gateway:
    """The ingress replica: builds the same FastAPI app as plain uvicorn, over deployment handles."""

    def __init__(self, settings: Settings, accounts: Any, projects: Any, billing: Any, streams: Any,
                 handover: tuple[str, int, str] | None = None) -> None:
        self.settings = settings
        self.handles = {"accounts": accounts, "projects": projects, "billing": billing, "streams": streams}
        self.handover = handover

    def __serve_build_asgi_app__(self) -> Any:
        """Called by Serve after __init__: the ASGI app this replica serves. Serve binds the direct-ingress
        port right after this returns, so this is where `ggp serve` is asked to let go of it."""
        from ggpgfx.services.app import create_app
        from ggpgfx.services.backend import ServeBackend, build_gateway_readers

        app = create_app(ServeBackend(self.handles, build_gateway_readers(self.settings)), self.settings)
        if self.handover is not None:
            claim_port(*self.handover)
        return app


def build_application(settings: Settings, config: ServeConfig | None = None,
                      handover: tuple[str, int, str] | None = None) -> Any:
    """The bound Serve application (gateway over the four service deployments); `handover` is
    (host, port, token) of a port `ggp serve` holds for the gateway replica."""
    from ray import serve

    options = (config or ServeConfig.load()).deployments
    bound = {
        name: serve.deployment(ServiceHost, name=name, **options[name]).bind(settings, (name,))  # type: ignore[attr-defined]
        for name in ("accounts", "projects", "billing", "streams")
    }
    ingress = serve.deployment(serve.ingress()(Gateway), name="gateway", **options["gateway"])
    parts = (bound["accounts"], bound["projects"], bound["billing"], bound["streams"])
    return ingress.bind(settings, *parts, handover)  # type: ignore[attr-defined]


def direct_ingress_blocker(config: ServeConfig) -> str | None:
    """Why direct ingress cannot serve this deployment (None when it can)."""
    import ray

    gateway = config.deployments["gateway"]
    if "autoscaling_config" in gateway or gateway.get("num_replicas", 1) != 1:
        return ("the gateway runs several replicas, and direct ingress needs exactly one gateway replica "
                "(one port; num_replicas: 1, no autoscaling_config)")
    if os.environ.get("RAY_ADDRESS") or ray.is_initialized():
        return ("a Ray cluster is already running (direct ingress is chosen when the cluster starts: set "
                "RAY_SERVE_ENABLE_DIRECT_INGRESS=1 before starting it yourself)")
    return None


def claim_port(host: str, port: int, token: str, timeout_s: float = 30.0) -> None:
    """Ask the `ggp serve` process holding `port` to free it (see PortHold.hand_over_on_request) and wait
    until it has; return quietly when nothing holds it."""
    import socket
    import time

    deadline = time.monotonic() + timeout_s
    try:
        with socket.create_connection((host, port), timeout=5.0) as conn:
            conn.sendall(token.encode())
    except OSError:
        return
    while time.monotonic() < deadline:  # the holder closes its socket: connections are refused from then on
        try:
            socket.create_connection((host, port), timeout=1.0).close()
        except OSError:
            return
        time.sleep(0.01)


def direct_ingress_env(port: int) -> dict[str, str]:
    """The Serve flags that make the gateway replica serve HTTP itself on `port` (direct ingress).

    The replica's port range is that one port, and Serve's quarantine of released ports (meant for
    an HAProxy in front, which ggp serve does not run) is off: a gateway replica that restarts gets
    its port back at once instead of failing with NoAvailablePortError for minutes.
    """
    return {"RAY_SERVE_ENABLE_DIRECT_INGRESS": "1", "RAY_SERVE_DIRECT_INGRESS_MIN_HTTP_PORT": str(port),
            "RAY_SERVE_DIRECT_INGRESS_MAX_HTTP_PORT": str(port + 1), "RAY_SERVE_PORT_QUARANTINE_S": "0"}


class PortHold:
    """Listening placeholder sockets on the API ports from the moment `ggp serve` starts until Serve binds them.

    Starting Ray takes seconds to minutes, and every process it starts binds ports of its own; a
    port that is merely free when `ggp serve` starts could be taken before Serve's proxy or the
    gateway replica binds it (Serve then gives up with NoAvailablePortError). Holding a listening
    socket keeps every other process off the port until Serve binds it: the proxy's is freed just
    before `serve.start`, the gateway replica's direct-ingress port when the replica, its start-up
    done, asks for it (`hand_over_on_request`, `claim_port`). Port 0 holds a free port the system picks.
    """

    def __init__(self, host: str, ports: dict[str, tuple[int, str]]) -> None:
        """Hold {name: (port, the option that sets it)}; a busy port is a ConfigError naming that option."""
        import socket

        self.host = host
        self.sockets: dict[str, socket.socket] = {}
        self.ports: dict[str, int] = {}
        for name, (port, option) in ports.items():
            sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
                sock.listen(1)
            except OSError as exc:
                sock.close()
                self.close()
                raise ConfigError(f"port {port} on {host} is not available ({exc.strerror}): another process is using "
                                  f"it; stop that process or choose another port with {option}") from exc
            self.sockets[name] = sock
            self.ports[name] = int(sock.getsockname()[1])

    def release(self, name: str, say: bool = False) -> None:
        """Free one port for Serve to bind (saying so on stdout first when `say`)."""
        sock = self.sockets.pop(name, None)
        if sock is not None:
            if say:
                print(f"ggp serve: port {self.ports[name]} handed to Serve ({name})", flush=True)
            sock.close()

    def hand_over_on_request(self, name: str) -> str:
        """Keep holding `name` until a process connects and sends the returned token, then free it.

        The gateway replica does that (`claim_port`) at the end of its start-up, right before Serve
        binds its direct-ingress port, so the port is never free for long. Anything else that
        connects meanwhile (a health probe, say) is disconnected and the port stays held.
        """
        import secrets
        import socket
        import struct
        import threading

        token = secrets.token_hex(16)
        sock = self.sockets[name]

        def serve_handover() -> None:
            while name in self.sockets:
                try:
                    conn, _ = sock.accept()
                except OSError:
                    return  # closed by release/close
                with conn:
                    # reset rather than close: a closed connection would leave a TIME_WAIT entry on the port,
                    # and Serve binds without SO_REUSEADDR (it then fails with 'Failed to bind')
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    conn.settimeout(2.0)
                    try:
                        claim = conn.recv(64)
                    except OSError:
                        claim = b""
                    if claim == token.encode():
                        self.release(name, say=True)
                        return

        threading.Thread(target=serve_handover, name=f"ggp-port-{name}", daemon=True).start()
        return token

    def close(self) -> None:
        """Free every port still held."""
        for name in list(self.sockets):
            self.release(name)


# How long a stopping gateway replica keeps answering on its direct-ingress port so an external
# load balancer can notice (Serve's default, 30 s, made every shutdown take 30 s); set the
# variable yourself when a load balancer sits in front.
DIRECT_INGRESS_DRAINING_S = "5"


def deploy(settings: Settings, host: str = "127.0.0.1", port: int = 8000, config: ServeConfig | None = None,
           blocking: bool = False, access_log: bool = False, direct_ingress_port: int | None = None,
           hold: PortHold | None = None) -> Any:
    """Migrate the database, start Ray (if needed) and Serve on host:port, and deploy the app.

    Serve's per-request access log is off unless asked for: writing (and streaming to the driver)
    one line per request cost more CPU here than the request itself. `direct_ingress_port` turns on
    Serve's direct ingress: the gateway replica also serves HTTP itself on that port, without the
    proxy hop (the proxy keeps serving `port`). It must be set before this call starts Ray.
    `hold` keeps the ports (options `proxy` and `direct`) until Serve binds them.
    """
    import ray

    from ggpgfx.services import db

    config = config or ServeConfig.load()
    if direct_ingress_port is not None:
        blocker = direct_ingress_blocker(config)
        if blocker is not None:
            raise ConfigError(f"direct ingress is not possible: {blocker}")
    db.upgrade(settings.database_url)
    if direct_ingress_port is not None:
        os.environ.update(direct_ingress_env(direct_ingress_port))
        os.environ.setdefault("RAY_SERVE_DIRECT_INGRESS_MIN_DRAINING_PERIOD_S", DIRECT_INGRESS_DRAINING_S)
    from ray import serve

    if not ray.is_initialized():
        # Part of Serve's "throughput optimized" mode (RAY_SERVE_THROUGHPUT_OPTIMIZED, minus direct
        # ingress): replicas run user code and the router on their main event loop (one thread hop
        # less each way; about twice the sustained rate here) and deployments talk over gRPC
        # (about 30% less CPU per request here). Our replicas never block their loop (service calls
        # go to worker threads), which this mode requires. Set any flag yourself to override.
        # Ray also lowers its worker processes to niceness 15 (Serve's proxy and replicas included),
        # so any niced batch job on the machine took the CPU from the API; RAY_worker_niceness=0
        # runs them at the priority a plain uvicorn server has.
        for flag, value in (("RAY_SERVE_RUN_USER_CODE_IN_SEPARATE_THREAD", "0"),
                            ("RAY_SERVE_RUN_ROUTER_IN_SEPARATE_LOOP", "0"),
                            ("RAY_SERVE_USE_GRPC_BY_DEFAULT", "1"),
                            ("RAY_worker_niceness", "0")):
            os.environ.setdefault(flag, value)
        # a local throwaway cluster unless RAY_ADDRESS points at one; ray.init picks free ports (never 6379)
        ray.init(include_dashboard=False, ignore_reinit_error=True)
    # the same logging for Serve's own actors (the HTTP proxy logged a line per request) and for the app's replicas
    logging_config = {"enable_access_log": access_log, "log_level": "INFO" if access_log else "WARNING"}
    if hold is not None:
        hold.release("proxy", say=True)
    serve.start(http_options={"host": host, "port": port}, logging_config=logging_config)
    handover = None
    if hold is not None and "direct" in hold.sockets:
        handover = (host, hold.ports["direct"], hold.hand_over_on_request("direct"))
    try:
        return serve.run(build_application(settings, config, handover), name=APP_NAME, route_prefix="/", blocking=blocking,
                         logging_config=logging_config)
    except Exception as exc:
        text = f"{type(exc).__name__}: {exc}"
        if direct_ingress_port is not None and ("NoAvailablePortError" in text or "already in use" in text):
            raise ConfigError(f"Serve could not bind the API port {direct_ingress_port} on {host}: another process "
                              "took it while Serve started; choose another --port (or serve through the proxy "
                              "with --proxy)") from exc
        raise
