"""Run policy: which node types a graph may use, which files it may touch and which hosts it may reach.

The platform applies a policy to every graph it saves or starts for a tenant; `ggp run --policy FILE|strict`
applies one locally (unrestricted by default). The policy finds paths and URLs through the param types of
`ggpgfx.graph.fields`, so it covers any node type that declares them. Problems come back as diagnostics at
the YAML position of the offending value (`FILE:LINE:COL: error: ...`).
"""

from __future__ import annotations

import fnmatch
import ipaddress
import os
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from ggpgfx.errors import GgpError
from ggpgfx.graph.fields import Found, Resource, find_resources
from ggpgfx.graph.load import Diagnostic, SourceMap

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Schemes a graph may use for network media unless a policy says otherwise.
DEFAULT_SCHEMES = frozenset({"rtmp", "rtmps", "rtsp", "rtsps", "srt", "http", "https", "tcp", "udp"})
#: Names that reach cloud metadata services through DNS (refused like their addresses).
METADATA_HOSTS = frozenset({"metadata", "metadata.google.internal", "metadata.goog", "instance-data"})
SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")
BARE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
PLACEHOLDER = "${"
#: Single-file containers a graph may write under a policy (tee, segment, hls, image2 ... name other files).
SAFE_CONTAINERS = frozenset({"mp4", "mov", "matroska", "webm", "mpegts", "flv", "ismv", "ipod", "mkv", "ts"})
#: FFmpeg options that choose protocols, formats or other files: never from a tenant under a policy.
PROTOCOL_OPTIONS = frozenset({"protocol_whitelist", "protocol_blacklist", "format_whitelist", "codec_whitelist",
                              "safe", "allowed_extensions", "allowed_segment_extensions", "http_proxy",
                              "hls_segment_filename", "hls_key_info_file", "hls_base_url", "master_pl_name",
                              "hls_fmp4_init_filename", "segment_list", "var_stream_map", "key_uri"})
#: Demuxers ingest.video may use on a file under a policy (no playlists or scripts naming other files).
FILE_DEMUXERS = ("mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,mpegts,flv,avi,wav,mp3,aac,ogg,h264,hevc,"
                 "image2,png_pipe,jpeg_pipe,gif,mjpeg,y4m,rawvideo")
#: Protocols FFmpeg may use for a network source under a policy (never file:).
NETWORK_PROTOCOLS = "http,https,tcp,tls,crypto,rtmp,rtmps,rtmpt,rtsp,rtsps,srt,udp,rtp,hls,httpproxy"


class PolicyError(GgpError, PermissionError):
    """A graph asks for something its run policy does not allow (a node type, a file, an address)."""

    exit_code = 2


Resolver = Callable[[str, int | None], list[str]]


def resolve_host(host: str, port: int | None) -> list[str]:
    """Every address a host name resolves to (IP literals resolve to themselves)."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


@dataclass(frozen=True)
class RunPolicy:
    """What a graph may use. `None` for node_types means every type; empty roots mean no file access."""

    #: glob patterns of allowed node types (None: any).
    node_types: tuple[str, ...] | None = None
    #: folders files may be read from (writes are also allowed to be read back).
    read_roots: tuple[Path, ...] = ()
    #: folders files may be written to.
    write_roots: tuple[Path, ...] = ()
    #: relative paths are resolved against this folder (and rewritten to absolute paths).
    base: Path | None = None
    #: files and folders never readable or writable, whatever the roots (the server's key files).
    deny_paths: tuple[Path, ...] = ()
    url_schemes: frozenset[str] = DEFAULT_SCHEMES
    #: hosts (names) and networks (CIDR) an admin allow-listed: private addresses are then allowed.
    allow_hosts: tuple[str, ...] = ()
    #: the home folder nodes use for their default outputs (event logs); None: GGP_HOME.
    home: Path | None = None
    name: str = "policy"
    resolver: Resolver = field(default=resolve_host, repr=False, compare=False)

    # -- node types --------------------------------------------------------------------------------
    def allows_type(self, type_name: str) -> bool:
        """Whether a node type may be used."""
        return self.node_types is None or any(fnmatch.fnmatchcase(type_name, p) for p in self.node_types)

    # -- files -------------------------------------------------------------------------------------
    def check_path(self, value: str, access: str) -> str:
        """The absolute, symlink-free path a node may use, or PolicyError saying why not."""
        if "\x00" in value:
            raise PolicyError("a path must not contain NUL characters")
        raw = Path(os.path.expanduser(value)) if value.startswith("~") else Path(value)
        if not raw.is_absolute():
            if self.base is None:
                raise PolicyError(f"relative path '{value}' has no storage folder to resolve in")
            raw = self.base / raw
        real = Path(os.path.realpath(raw))
        for denied in self.deny_paths:
            denied_real = Path(os.path.realpath(denied))
            if real == denied_real or real.is_relative_to(denied_real):
                raise PolicyError(f"path '{value}' is a server file that graphs may never use")
        roots = self.write_roots if access == "write" else (*self.read_roots, *self.write_roots)
        if not any(real.is_relative_to(Path(os.path.realpath(root))) for root in roots):
            where = ", ".join(dict.fromkeys(str(r) for r in roots)) or "(none)"
            verb = "written" if access == "write" else "read"
            raise PolicyError(f"path '{value}' resolves to '{real}', outside the folders files may be {verb} "
                              f"from ({where})")
        return str(real)

    # -- network -----------------------------------------------------------------------------------
    def _allow_listed(self, host: str, address: str | None = None) -> bool:
        for entry in self.allow_hosts:
            if "/" in entry or _is_ip(entry):
                if address is not None and _is_ip(address):
                    try:
                        if ipaddress.ip_address(address) in ipaddress.ip_network(entry, strict=False):
                            return True
                    except ValueError:
                        continue
            elif host.lower().rstrip(".") == entry.lower().rstrip("."):
                return True
        return False

    def check_host(self, host: str, port: int | None = None) -> list[str]:
        """Resolve a host and check every address it has; returns them, or PolicyError."""
        host = host.strip("[]")
        if not host:
            raise PolicyError("a URL needs a host")
        if self._allow_listed(host):
            return self.resolver(host, port)
        if host.lower().rstrip(".") in METADATA_HOSTS:
            raise PolicyError(f"host '{host}' is a cloud metadata service")
        try:
            addresses = self.resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise PolicyError(f"cannot resolve host '{host}' ({exc})") from None
        if not addresses:
            raise PolicyError(f"host '{host}' has no address")
        for address in addresses:
            if self._allow_listed(host, address):
                continue
            why = address_problem(address)
            if why:
                shown = f"'{host}'" if host == address else f"'{host}' ({address})"
                raise PolicyError(f"host {shown} is {why}; an admin can allow-list it")
        return addresses

    def check_url(self, url: str) -> None:
        """Scheme allowed and every address of the host public (or allow-listed); else PolicyError."""
        from ggpgfx.media.redact import redact_url

        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise PolicyError(f"bad URL '{redact_url(url)}': {exc}") from None
        scheme = parts.scheme.lower()
        if scheme not in self.url_schemes:
            allowed = ", ".join(sorted(self.url_schemes)) or "(none)"
            raise PolicyError(f"URL scheme '{scheme or '(none)'}' is not allowed (allowed: {allowed})")
        self.check_host(parts.hostname or "", port)

    def check_address(self, value: str) -> None:
        """host:port[,host:port...] (Kafka bootstrap servers and the like)."""
        for item in value.split(","):
            item = item.strip()
            host, _, port = item.rpartition(":") if ":" in item else (item, "", "")
            self.check_host(host or item, int(port) if port.isdigit() else None)

    # -- FFmpeg options and containers -------------------------------------------------------------
    def check_option(self, name: str, value: str) -> None:
        """An FFmpeg option from a graph: no protocol/format lists, no value naming a file or URL."""
        if name in PROTOCOL_OPTIONS:
            raise PolicyError(f"FFmpeg option '{name}' may not be set by a graph under a run policy")
        text = value.strip()
        if "://" in text or text.startswith(("/", "~", "file:")) or ".." in text or "|" in text:
            raise PolicyError(f"FFmpeg option '{name}' = '{value}' names a file or URL; not allowed under a run policy")

    def check_container(self, name: str) -> None:
        """Only single-file containers (a `tee` or `segment` muxer would write files the path check never saw)."""
        if name.lower() not in SAFE_CONTAINERS:
            raise PolicyError(f"container '{name}' is not allowed under a run policy "
                              f"(allowed: {', '.join(sorted(SAFE_CONTAINERS))})")

    # -- one value ----------------------------------------------------------------------------------
    def check_value(self, value: str, resource: Resource, key: str = "") -> str:
        """Check one declared value; return what the node should use (absolute paths for files)."""
        if resource.access == "secret":
            return value
        if resource.access == "options":
            self.check_option(key, value)
            return value
        if resource.access == "format":
            self.check_container(value)
            return value
        scheme_match = SCHEME.match(value)
        scheme = scheme_match.group(1).lower() if scheme_match else None
        if scheme and scheme in resource.schemes:
            return value
        if resource.access == "url" or (scheme and resource.urls):
            self.check_url(value)
            return value
        if resource.access == "address":
            self.check_address(value)
            return value
        if scheme:
            raise PolicyError(f"'{value}' is a URL ({scheme}:) where a file path is expected")
        if resource.names and BARE_NAME.match(value):
            return value  # a bundled name (a skin), not a file
        return self.check_path(value, resource.access)


def address_problem(address: str) -> str | None:
    """Why an address may not be reached by a tenant's graph (None when it is a public address)."""
    try:
        ip: IpAddress = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if str(ip) in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200"):
        return "a cloud metadata address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        return "not a unicast address"
    if ip.is_private or not ip.is_global:
        return "a private address"
    return None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


# -- applying a policy to a graph --------------------------------------------------------------------

def graph_problems(resolved: Any, policy: RunPolicy, smap: SourceMap | None = None,
                   skip: Callable[[str], bool] | None = None) -> tuple[list[Diagnostic], dict[str, dict[str, Any]]]:
    """Every policy problem of a resolved graph, and the params to rewrite (absolute checked paths)."""
    smap = smap or SourceMap(getattr(resolved, "file", "graph.yaml"))
    diags: list[Diagnostic] = []
    updates: dict[str, dict[str, Any]] = {}
    name = str(getattr(resolved, "name", ""))
    if "/" in name or "\\" in name or ".." in name:
        diags.append(smap.diag(("name",), f"graph name '{name}' must not contain '/', '\\' or '..'"))
    for node_id, node in resolved.nodes.items():
        type_name = str(node.cls.type_name)
        if not policy.allows_type(type_name):
            diags.append(smap.diag(("nodes", node_id, "type"), f"node '{node_id}': node type '{type_name}' is not "
                                   f"allowed by the {policy.name}", node=node_id,
                                   hint="allowed: " + ", ".join(policy.node_types or ())))
            continue
        for found in find_resources(node.params):
            if skip is not None and skip(found.value):
                continue
            try:
                checked = policy.check_value(found.value, found.resource, str(found.path[-1]))
            except PolicyError as exc:
                where = ".".join(str(p) for p in found.path)
                diags.append(smap.diag(("nodes", node_id, "params", *found.path),
                                       f"node '{node_id}': param '{where}': {exc}", node=node_id))
                continue
            if checked != found.value:
                _set(updates.setdefault(node_id, {}), node.params, found, checked)
    return diags, updates


def _set(update: dict[str, Any], params: Any, found: Found, value: str) -> None:
    """Record a rewritten value at its place inside the field (lists, dicts and nested models are copied)."""
    current = update.get(found.field, getattr(params, found.field))
    update[found.field] = _replaced(current, list(found.path[1:]), value)


def _replaced(container: Any, path: list[Any], value: str) -> Any:
    if not path:
        return value
    key, rest = path[0], path[1:]
    if isinstance(container, BaseModel):
        return container.model_copy(update={key: _replaced(getattr(container, key), rest, value)})
    if isinstance(container, dict):
        return {**container, key: _replaced(container[key], rest, value)}
    items = list(container)
    items[key] = _replaced(items[key], rest, value)
    return items


def apply_policy(resolved: Any, policy: RunPolicy | None, smap: SourceMap | None = None) -> Any:
    """The resolved graph with checked (absolute) paths and the policy attached; PolicyError lists problems."""
    if policy is None:
        return resolved
    diags, updates = graph_problems(resolved, policy, smap)
    if diags:
        raise PolicyError("\n".join(d.format() for d in sorted(diags, key=lambda d: (d.line, d.col))))
    return _with_updates(resolved, policy, updates)


def check_graph(resolved: Any, policy: RunPolicy, smap: SourceMap | None = None) -> tuple[Any, list[Diagnostic]]:
    """(the graph with checked paths and the policy attached, []) or (None, every problem)."""
    diags, updates = graph_problems(resolved, policy, smap)
    if diags:
        return None, sorted(diags, key=lambda d: (d.line, d.col))
    return _with_updates(resolved, policy, updates), []


def check_connect(url: str, policy: RunPolicy | None) -> None:
    """Nodes call this before every connect and reconnect (DNS may have changed since the graph started)."""
    if policy is not None:
        policy.check_url(url)


# -- building policies ---------------------------------------------------------------------------------

def strict_policy(base: Path | None = None) -> RunPolicy:
    """`--policy strict`: files only under the current folder, public hosts only, every node type."""
    root = (base or Path.cwd()).resolve()
    return RunPolicy(read_roots=(root,), write_roots=(root,), base=root, deny_paths=_key_files(),
                     name="strict policy")


def _key_files() -> tuple[Path, ...]:
    from ggpgfx.config import ggp_home

    home = ggp_home()
    return tuple(home / name for name in ("jwt.key", "secret.key"))


def load_policy(spec: str) -> RunPolicy:
    """A policy from `strict` or a YAML file: node_types, read, write, base, url_schemes, allow_hosts."""
    import yaml

    if spec == "strict":
        return strict_policy()
    path = Path(spec)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise PolicyError(f"{spec}: policy file not found (give a YAML file or 'strict')") from None
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyError(f"{spec}: cannot read policy: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise PolicyError(f"{spec}: a policy file is a mapping (node_types, read, write, url_schemes, allow_hosts)")
    known = {"node_types", "read", "write", "base", "url_schemes", "allow_hosts"}
    unknown = sorted(set(map(str, data)) - known)
    if unknown:
        raise PolicyError(f"{spec}: unknown policy key '{unknown[0]}' (known: {', '.join(sorted(known))})")
    folder = path.resolve().parent

    def paths(key: str) -> tuple[Path, ...]:
        values = data.get(key) or []
        if not isinstance(values, list):
            raise PolicyError(f"{spec}: '{key}' must be a list of folders")
        return tuple((folder / str(v)).resolve() for v in values)

    def strings(key: str) -> tuple[str, ...] | None:
        values = data.get(key)
        if values is None:
            return None
        if not isinstance(values, list):
            raise PolicyError(f"{spec}: '{key}' must be a list")
        return tuple(str(v) for v in values)

    base = (folder / str(data["base"])).resolve() if data.get("base") else Path.cwd().resolve()
    schemes = strings("url_schemes")
    return RunPolicy(node_types=strings("node_types"), read_roots=paths("read"), write_roots=paths("write"),
                     base=base, deny_paths=_key_files(),
                     url_schemes=frozenset(s.lower() for s in schemes) if schemes is not None else DEFAULT_SCHEMES,
                     allow_hosts=strings("allow_hosts") or (), name=f"policy {path.name}")


#: Node types every plan may start (glob patterns); hardware and server-side listeners are not among them.
TENANT_NODE_TYPES: tuple[str, ...] = (
    "ingest.test_pattern", "ingest.table_sim", "ingest.video", "ingest.operator", "detect.*", "rules.*",
    "render.*", "encode.*", "delay.*", "util.*", "sink.*",
    "publish.file", "publish.hls", "publish.rtmp", "publish.events", "publish.tee",
)
#: Extra node types by plan.
PLAN_NODE_TYPES: dict[str, tuple[str, ...]] = {
    "pro": ("publish.webrtc",),
    "enterprise": ("publish.webrtc",),
}
#: Extra node types by role (and roles above it): reading the table's RFID reader is an admin's choice.
ROLE_NODE_TYPES: dict[str, tuple[str, ...]] = {"admin": ("ingest.rfid",), "owner": ("ingest.rfid",)}


def tenant_node_types(plan: str, role: str) -> tuple[str, ...]:
    """Node type patterns a member with `role` in an organisation on `plan` may start."""
    return TENANT_NODE_TYPES + PLAN_NODE_TYPES.get(plan, ()) + ROLE_NODE_TYPES.get(role, ())


def organization_storage(home: Path, organization_id: str) -> Path:
    """The organisation's own folder, where its graphs read and write files (created on demand)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", organization_id):
        raise PolicyError(f"bad organisation id '{organization_id}'")
    path = home / "storage" / organization_id
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path.resolve()


def tenant_policy(home: Path, organization_id: str, plan: str, role: str, allow_hosts: Iterable[str] = (),
                  asset_root: Path | None = None, key_files: Iterable[Path] = ()) -> RunPolicy:
    """The policy the platform applies to a tenant's graph."""
    storage = organization_storage(home, organization_id)
    reads = (storage,) + ((asset_root / organization_id,) if asset_root is not None else ())
    return RunPolicy(node_types=tenant_node_types(plan, role), read_roots=reads, write_roots=(storage,),
                     base=storage, deny_paths=tuple(key_files), allow_hosts=tuple(allow_hosts), home=storage,
                     name=f"run policy of the '{plan}' plan for role '{role}'")


# -- secrets: destination placeholders go only where a node expects a secret ---------------------------

DESTINATION_REF = re.compile(r"\$\{destinations\.([A-Za-z0-9_-]+)\.(url|key|publish_url)\}")
#: What a placeholder stands for while a version is saved (no destination is chosen yet).
STAND_INS = {"url": "rtmp://destination.invalid/live", "key": "destination-key",
             "publish_url": "rtmp://destination.invalid/live/destination-key"}


def stand_in(name: str, part: str) -> str:
    """The value a placeholder validates as when a version is saved."""
    return STAND_INS[part]


def _secret_fields(type_name: str) -> set[str]:
    from ggpgfx.graph.fields import resource_fields
    from ggpgfx.graph.registry import get_node_type

    cls = get_node_type(type_name)
    if cls is None:
        return set()
    return {name for name, markers in resource_fields(cls.Params).items() if any(m.secret for m in markers)}


def _strings(value: Any, path: tuple[Any, ...]) -> Iterable[tuple[tuple[Any, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                yield (*path, key), key
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def substitute_secrets(data: Any, smap: SourceMap, lookup: Callable[[str, str], str]) -> list[Diagnostic]:
    """Replace `${destinations.NAME.url|key|publish_url}` in secret params (in place); anywhere else: an error."""
    diags: list[Diagnostic] = []
    nodes = data.get("nodes") if isinstance(data, dict) else None
    for node_id, node in (nodes.items() if isinstance(nodes, dict) else ()):
        if not isinstance(node, dict) or not isinstance(node.get("params"), dict):
            continue
        params = node["params"]
        for name in _secret_fields(str(node.get("type"))):
            value = params.get(name)
            if not isinstance(value, str) or PLACEHOLDER not in value:
                continue
            try:
                params[name] = DESTINATION_REF.sub(lambda m: lookup(m.group(1), m.group(2)), value)
            except PolicyError as exc:
                diags.append(smap.diag(("nodes", node_id, "params", name), f"node '{node_id}': param '{name}': {exc}",
                                       node=str(node_id)))
    for path, text in _strings(data, ()):
        match = DESTINATION_REF.search(text)
        if match:
            diags.append(smap.diag(path, f"'{match.group(0)}' may only be used in an output URL or stream key "
                                   "param (such as publish.rtmp url or stream_key)",
                                   hint="secrets are never substituted into other params"))
    return diags


def prepare_graph(text: str, file: str, policy: RunPolicy | None,
                  lookup: Callable[[str, str], str] = stand_in,
                  skip: Callable[[str], bool] | None = None) -> tuple[Any, list[Diagnostic]]:
    """Parse, substitute destination secrets, validate and apply the policy: (graph or None, diagnostics)."""
    from ggpgfx.graph.load import parse_yaml
    from ggpgfx.graph.validate import resolve_data

    data, smap, diags = parse_yaml(text, file)
    if diags:
        return None, diags
    diags = substitute_secrets(data, smap, lookup)
    resolved, more = resolve_data(data, smap)
    diags = sorted(diags + more, key=lambda d: (d.line, d.col))
    if resolved is None or diags or policy is None:
        return (None if diags else resolved), diags
    problems, updates = graph_problems(resolved, policy, smap, skip)
    if problems:
        return None, sorted(problems, key=lambda d: (d.line, d.col))
    return _with_updates(resolved, policy, updates), []


def _with_updates(resolved: Any, policy: RunPolicy, updates: dict[str, dict[str, Any]]) -> Any:
    nodes = dict(resolved.nodes)
    for node_id, update in updates.items():
        node = nodes[node_id]
        nodes[node_id] = replace(node, params=node.params.model_copy(update=update))
    return replace(resolved, nodes=nodes, policy=policy)


def is_stand_in(value: str) -> bool:
    """Values built from save-time stand-ins are checked at start, with the real destination."""
    return "destination.invalid" in value
