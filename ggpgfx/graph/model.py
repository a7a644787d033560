"""Pydantic models of a graph file: name, settings, nodes, edges (the JSON Schema `ggp schema` prints)."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

NODE_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
EDGE_TEXT = re.compile(r"^\s*([^\s.]+)\.([^\s.]+)\s*->\s*([^\s.]+)\.([^\s.]+)\s*$")

OnFull = Literal["block", "drop_oldest"]


class Settings(BaseModel):
    """Graph-wide settings."""

    model_config = ConfigDict(extra="forbid")
    fps: float = Field(30.0, gt=0, le=1000, description="Nominal frame rate for sources that take it from the graph.")
    realtime: bool = Field(True, description="Pace sources by their pts; false runs as fast as possible.")
    executor: Literal["local", "ray"] | None = Field(None, description="Default executor for `ggp run`.")
    queue_capacity: int = Field(8, ge=1, le=100_000, description="Default capacity of every edge.")
    on_full: OnFull = Field("block", description="Default policy of a full edge.")
    stop_timeout_s: float = Field(2.0, gt=0, description="How long a stop may take before threads are abandoned.")
    finish_timeout_s: float = Field(120.0, ge=0, le=3600, description="After a stop timed out: how much longer "
                                    "nodes that write files (recordings) may take to finish them before they are "
                                    "abandoned and their half-written files removed.")
    scheduler: Literal["auto", "threads", "fused"] = Field(
        "auto", description="auto: fused, except that heavy or blocking nodes (codecs, inference, I/O: "
        "own_thread) keep a thread of their own; threads: a thread per node (pipeline parallelism); fused: a node "
        "whose only input is a blocking queue edge runs inside its producer's thread (no hand-off cost).")


class InputOptions(BaseModel):
    """Per-input overrides of a node: policy and the capacity/on_full of edges into it."""

    model_config = ConfigDict(extra="forbid")
    policy: Literal["queue", "latest", "sync"] | None = None
    capacity: int | None = Field(None, ge=1, le=100_000)
    on_full: OnFull | None = None
    sync_tolerance_us: int = Field(0, ge=0, description="pts difference still counted as aligned (sync policy).")


class RestartPolicy(BaseModel):
    """How a failed node (fragment) is restarted."""

    model_config = ConfigDict(extra="forbid")
    max: int = Field(0, ge=0, le=1000)
    backoff_s: float = Field(1.0, ge=0)
    snapshot_interval_s: float = Field(0.0, ge=0, description="Periodic snapshots of stateful nodes; 0 = only at points the node chooses.")


class NodeSpec(BaseModel):
    """One node of the graph: its type, params and placement."""

    model_config = ConfigDict(extra="forbid")
    type: str
    params: dict[str, Any] = Field(default_factory=dict)
    resources: dict[str, float] = Field(default_factory=dict)
    inputs: dict[str, InputOptions] = Field(default_factory=dict)
    restart: RestartPolicy = Field(default_factory=RestartPolicy)
    isolate: bool = False
    replicas: int = Field(1, ge=1, le=64)


class EdgeSpec(BaseModel):
    """A connection `from` an output port `to` an input port, with queue options."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    source: str = Field(alias="from", description="`node.port` of an output")
    target: str = Field(alias="to", description="`node.port` of an input")
    capacity: int | None = Field(None, ge=1, le=100_000)
    on_full: OnFull | None = None
    delay: bool = Field(False, description="A feedback edge: allowed to close a cycle.")

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            match = EDGE_TEXT.match(value)
            if not match:
                raise ValueError(f"edge {value!r} must look like 'node.port -> node.port'")
            return {"from": f"{match[1]}.{match[2]}", "to": f"{match[3]}.{match[4]}"}
        return value

    @property
    def src_node(self) -> str:
        """Id of the producing node."""
        return self.source.split(".", 1)[0]

    @property
    def src_port(self) -> str:
        """Output port name."""
        return self.source.split(".", 1)[1] if "." in self.source else ""

    @property
    def dst_node(self) -> str:
        """Id of the consuming node."""
        return self.target.split(".", 1)[0]

    @property
    def dst_port(self) -> str:
        """Input port name."""
        return self.target.split(".", 1)[1] if "." in self.target else ""

    def is_compact(self) -> bool:
        """True when no option is set, so the edge can be written as 'a.b -> c.d'."""
        return self.capacity is None and self.on_full is None and not self.delay

    def to_data(self) -> str | dict[str, Any]:
        """The YAML form: compact text when possible, else a mapping."""
        if self.is_compact():
            return f"{self.source} -> {self.target}"
        return self.model_dump(by_alias=True, exclude_defaults=True)


class GraphSpec(BaseModel):
    """A whole graph file."""

    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    settings: Settings = Field(default_factory=Settings)
    nodes: dict[str, NodeSpec] = Field(default_factory=dict)
    edges: list[EdgeSpec] = Field(default_factory=list)

    def to_data(self) -> dict[str, Any]:
        """Plain data for YAML, with defaults left out and edges in compact form."""
        data: dict[str, Any] = {"name": self.name}
        if self.description:
            data["description"] = self.description
        settings = self.settings.model_dump(exclude_defaults=True)
        if settings:
            data["settings"] = settings
        data["nodes"] = {nid: node.model_dump(exclude_defaults=True) for nid, node in self.nodes.items()}
        for nid, node in self.nodes.items():
            data["nodes"][nid]["type"] = node.type
        data["edges"] = [edge.to_data() for edge in self.edges]
        return data


def json_schema() -> dict[str, Any]:
    """JSON Schema of graph files."""
    schema = GraphSpec.model_json_schema(by_alias=True)
    # Edges may also be written as 'a.port -> b.port' strings.
    schema["properties"]["edges"]["items"] = {
        "anyOf": [{"type": "string", "pattern": EDGE_TEXT.pattern}, {"$ref": "#/$defs/EdgeSpec"}]
    }
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ggpgfx graph"
    return schema
