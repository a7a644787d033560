"""Connecting to Ray: an embedded throwaway cluster or an existing one, token auth, what the cluster offers."""

from __future__ import annotations

import glob
import logging
import os
import re
from dataclasses import dataclass, field
from typing import Any

from ggpgfx.errors import ConfigError

log = logging.getLogger(__name__)

#: Temp dir of embedded clusters: kept apart from /tmp/ray so a `ray start` cluster of someone else on
#: the same machine is never picked up or disturbed (and short: Ray's unix socket paths have a length limit).
EMBEDDED_TEMP_DIR = "/tmp/ggpray"


@dataclass
class RayNodeInfo:
    """One Ray node (raylet) and the resources it offers."""

    node_id: str
    address: str
    resources: dict[str, float]
    is_head: bool = False

    def label(self) -> str:
        """Short readable name: address and the first 8 characters of the node id."""
        return f"{self.address} ({self.node_id[:8]})"


@dataclass
class ClusterView:
    """The nodes of a cluster (or of the cluster an embedded start would create)."""

    nodes: list[RayNodeInfo]
    source: str = "ray"
    dashboard_url: str | None = None
    notes: list[str] = field(default_factory=list)

    def resource_names(self) -> set[str]:
        """Every resource name any node offers."""
        return {name for n in self.nodes for name in n.resources}


def _local_gpu_count() -> int:
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return len([d for d in visible.split(",") if d.strip() and d.strip() != "-1"])
    return len([p for p in glob.glob("/dev/nvidia*") if re.fullmatch(r"/dev/nvidia\d+", p)])


def local_view(num_cpus: int | None = None, num_gpus: int | None = None,
               resources: dict[str, float] | None = None) -> ClusterView:
    """What an embedded cluster on this machine would offer, without starting Ray."""
    offered: dict[str, float] = {"CPU": float(num_cpus or os.cpu_count() or 1)}
    gpus = _local_gpu_count() if num_gpus is None else num_gpus
    if gpus:
        offered["GPU"] = float(gpus)
    offered.update(resources or {})
    return ClusterView([RayNodeInfo("local", "this machine", offered, True)], source="embedded")


def live_view() -> ClusterView:
    """The alive nodes of the cluster this process is connected to."""
    import ray

    head_ip = None
    try:
        head_ip = ray.get_runtime_context().gcs_address.split(":")[0]
    except Exception:  # older contexts without gcs_address
        pass
    nodes = []
    for n in ray.nodes():
        if not n.get("Alive"):
            continue
        res = {k: float(v) for k, v in n.get("Resources", {}).items() if not k.startswith("node:")}
        is_head = "node:__internal_head__" in n.get("Resources", {}) or n.get("NodeManagerAddress") == head_ip
        nodes.append(RayNodeInfo(n["NodeID"], n.get("NodeManagerAddress", "?"), res, is_head))
    nodes.sort(key=lambda n: (not n.is_head, n.address, n.node_id))
    return ClusterView(nodes, source="ray", dashboard_url=dashboard_url())


def dashboard_url() -> str | None:
    """http URL of the Ray dashboard of the connected cluster, or None when it runs without one."""
    try:
        from ray._private.worker import get_dashboard_url

        url = get_dashboard_url()
    except Exception:
        return None
    if not url:
        return None
    return url if url.startswith("http") else f"http://{url}"


def _enable_token_mode() -> None:
    """Token mode for this process and its children, even when ray was imported already."""
    try:
        from ray._private.authentication.authentication_token_setup import _enable_token_auth

        _enable_token_auth()  # sets RAY_AUTH_MODE and refreshes Ray's cached config
    except ImportError:  # another Ray version: the variable alone works when set before ray starts up
        os.environ["RAY_AUTH_MODE"] = "token"


class RayConnection:
    """Connects on enter (starting an embedded cluster when needed) and shuts down only what it started."""

    def __init__(self, address: str | None = None, *, include_dashboard: bool | None = None,
                 num_cpus: int | None = None, num_gpus: int | None = None,
                 resources: dict[str, float] | None = None) -> None:
        self.address = address
        self.include_dashboard = include_dashboard
        self.num_cpus = num_cpus
        self.num_gpus = num_gpus
        self.resources = resources
        self.started = False
        self.embedded = False

    def connect(self) -> None:
        """Use the connection already open in this process, or connect / start one."""
        if self.address and "RAY_AUTH_MODE" not in os.environ and (
                os.environ.get("RAY_AUTH_TOKEN") or os.environ.get("RAY_AUTH_TOKEN_PATH")):
            # Ray 2.60 clusters use token auth by default. A token in the environment means the user wants it
            # used, but Ray only sends it in token mode, and caches the mode when it is imported.
            _enable_token_mode()
        import ray

        if ray.is_initialized():
            return
        if self.address:
            self._connect_existing(self.address)
        else:
            self._start_embedded()
        self.started = True

    def _connect_existing(self, address: str) -> None:
        import ray

        hint = ("; if the cluster uses token authentication (Ray's default), set RAY_AUTH_TOKEN to its token "
                "(`ray get-auth-token` on the head prints it)" if os.environ.get("RAY_AUTH_MODE") != "token"
                else "; check that RAY_AUTH_TOKEN is the cluster's token")
        try:
            ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
        except ConnectionError as exc:
            raise ConfigError(f"cannot reach the Ray cluster at '{address}': {exc}{hint}") from None
        except Exception as exc:
            text = f"{type(exc).__name__}: {exc}".splitlines()[0]
            raise ConfigError(f"cannot connect to the Ray cluster at '{address}': {text}{hint}") from None

    def _start_embedded(self) -> None:
        import ray

        # A throwaway cluster that lives exactly as long as this process and listens on this machine only:
        # token auth would just write ~/.ray/auth_token and gate our own dashboard, so it is off unless the
        # user chose a mode themselves.
        os.environ.setdefault("RAY_AUTH_MODE", "disabled")
        dashboard = self.include_dashboard
        if dashboard is None:
            dashboard = os.environ.get("GGP_RAY_DASHBOARD", "0") == "1"
        kwargs: dict[str, Any] = {"address": "local", "include_dashboard": dashboard,
                                  "logging_level": logging.WARNING, "log_to_driver": False,
                                  "_temp_dir": os.environ.get("GGP_RAY_TEMP_DIR", EMBEDDED_TEMP_DIR)}
        if dashboard:
            kwargs["dashboard_host"] = "127.0.0.1"
            kwargs["dashboard_port"] = int(os.environ.get("GGP_RAY_DASHBOARD_PORT", "0")) or None
        if self.num_cpus is not None:
            kwargs["num_cpus"] = self.num_cpus
        if self.num_gpus is not None:
            kwargs["num_gpus"] = self.num_gpus
        if self.resources:
            kwargs["resources"] = dict(self.resources)
        ray.init(**kwargs)
        self.embedded = True

    def close(self) -> None:
        """Disconnect (and stop the embedded cluster's processes) when this object connected."""
        if not self.started:
            return
        import ray

        ray.shutdown()
        self.started = False
