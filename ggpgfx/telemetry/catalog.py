"""Every metric ggpgfx exports, in one place: names, kinds, labels and help (dashboards are checked against it).

Names are stable: dashboards and alert rules in `cluster/` depend on them. A graph run exposes the
`graph` metrics (through `ggp run --metrics-port`, or the platform API's `/metrics` for managed streams);
the platform API exposes the `platform` ones. Fragments of the Ray executor also push the node
metrics to Ray's metrics agent, where Ray prefixes them with `ray_` (see `ray_series_names`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["counter", "gauge", "histogram"]

#: Labels of every per-node series. organisation/project/stream are empty for a plain `ggp run`.
GRAPH_LABELS = ("organisation", "project", "stream", "graph", "node", "node_type")
#: Histogram boundaries (seconds) of processing time, queue wait and end-to-end latency.
LATENCY_BUCKETS_S = (0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.033, 0.05, 0.1, 0.25, 0.5,
                     1.0, 2.5, 5.0)
#: Histogram boundaries (seconds) of API request durations.
API_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class MetricDef:
    """One metric family."""

    name: str
    kind: Kind
    help: str
    labels: tuple[str, ...]
    scope: Literal["graph", "platform"]
    #: For metrics a node reports itself (`Node.set_metric` / `Node.count_metric`): the key it uses.
    node_key: str | None = None

    def series_names(self) -> tuple[str, ...]:
        """The sample names Prometheus stores for this family."""
        if self.kind == "counter":
            return (self.name + "_total",)
        if self.kind == "histogram":
            return (self.name + "_bucket", self.name + "_sum", self.name + "_count")
        return (self.name,)


def _graph(name: str, kind: Kind, help_text: str, node_key: str | None = None,
           extra: tuple[str, ...] = ()) -> MetricDef:
    return MetricDef(name, kind, help_text, GRAPH_LABELS + extra, "graph", node_key)


def _platform(name: str, kind: Kind, help_text: str, labels: tuple[str, ...]) -> MetricDef:
    return MetricDef(name, kind, help_text, labels, "platform")


METRICS: tuple[MetricDef, ...] = (
    # -- every node of every graph run -----------------------------------------------------------------
    _graph("ggp_node_messages_in", "counter", "Messages a node received."),
    _graph("ggp_node_messages_out", "counter", "Messages a node emitted."),
    _graph("ggp_node_drops", "counter", "Messages dropped on a node's inputs (full drop_oldest queues, gaps)."),
    _graph("ggp_node_errors", "counter", "Errors raised by a node."),
    _graph("ggp_node_restarts", "counter", "Restarts of the fragment(s) that run a node (Ray executor)."),
    _graph("ggp_node_fps", "gauge", "Messages out per second since the node started."),
    _graph("ggp_node_running", "gauge", "1 while the node's thread runs (setup, running), else 0."),
    _graph("ggp_node_process_seconds", "histogram", "Time in process()/tick() per message."),
    _graph("ggp_node_queue_wait_seconds", "histogram", "Time a message waited in the node's input queue."),
    _graph("ggp_node_latency_seconds", "histogram", "End-to-end latency from the source's emit to this node."),
    # -- reported by particular node types -------------------------------------------------------------
    _graph("ggp_encoder_bitrate_bps", "gauge", "Encoded bits per second over the last few seconds.",
           "encoder_bitrate_bps"),
    _graph("ggp_encoder_speed_ratio", "gauge",
           "Frames encoded per wall second against the stream's frame rate (below 1: slower than real time).",
           "encoder_speed_ratio"),
    _graph("ggp_encoder_first_packet_unix_seconds", "gauge",
           "When the encoder released its first packet (Unix time): start-up to the first frame.",
           "first_packet_unix_s"),
    _graph("ggp_encoder_first_packet_process_cpu_seconds", "gauge",
           "CPU seconds the whole process had used when the encoder released its first packet.",
           "first_packet_process_cpu_s"),
    _graph("ggp_output_connected", "gauge", "1 while a publish node's connection is up.", "output_connected"),
    _graph("ggp_output_reconnects", "counter", "Reconnects of a publish node's connection.", "output_reconnects"),
    _graph("ggp_rfid_reader_connected", "gauge", "1 while the RFID reader's transport is connected.",
           "rfid_reader_connected"),
    _graph("ggp_rfid_reader_last_read_age_seconds", "gauge", "Seconds since the reader's last tag frame.",
           "rfid_reader_last_read_age_seconds"),
    _graph("ggp_rfid_reader_read_rate", "gauge", "Tag frames per second over the last 10 s.",
           "rfid_reader_read_rate"),
    _graph("ggp_card_read_conflicts", "counter", "Card reads that contradict where the card already lies.",
           "card_read_conflicts"),
    _graph("ggp_equity_worker_lag_seconds", "gauge",
           "Time from a spot's submission to its equity answer (last answer).", "equity_worker_lag_seconds"),
    _graph("ggp_equity_worker_pending", "gauge", "1 while the equity worker has a spot waiting or running.",
           "equity_worker_pending"),
    _graph("ggp_delay_buffer_seconds", "gauge", "Media seconds held by the secure delay.", "delay_buffer_seconds"),
    _graph("ggp_delay_buffer_fill_ratio", "gauge", "Secure-delay buffer use against its capacity (0..1).",
           "delay_buffer_fill_ratio"),
    _graph("ggp_node_metric", "gauge", "A value a node reported under a key this catalogue does not name.",
           extra=("metric",)),
    # -- the platform API --------------------------------------------------------------------------------
    _platform("ggp_api_requests", "counter", "API requests by route, method and status code.",
              ("method", "route", "status")),
    _platform("ggp_api_request_duration_seconds", "histogram", "API request duration by route.",
              ("method", "route")),
    _platform("ggp_api_request_errors", "counter", "API requests answered 5xx (or that raised).",
              ("method", "route")),
    _platform("ggp_api_requests_in_flight", "gauge", "API requests being served now.", ()),
    _platform("ggp_db_pool_size", "gauge", "Connections the database pool keeps.", ()),
    _platform("ggp_db_pool_checked_out", "gauge", "Database connections in use.", ()),
    _platform("ggp_db_pool_overflow", "gauge", "Connections open beyond the pool size.", ()),
    _platform("ggp_billing_usage", "counter", "Metered usage recorded for billing, by organisation and metric.",
              ("organisation", "metric")),
    _platform("ggp_streams_active", "gauge", "Managed streams running in this API process.", ()),
)

BY_NAME: dict[str, MetricDef] = {m.name: m for m in METRICS}
BY_NODE_KEY: dict[str, MetricDef] = {m.node_key: m for m in METRICS if m.node_key}
#: Metrics the Ray fragments push to Ray's metrics agent (exposed by Ray as `ray_<name>`).
RAY_EXPORTED = ("ggp_node_messages_in", "ggp_node_messages_out", "ggp_node_drops", "ggp_node_errors",
                "ggp_node_fps", "ggp_node_process_seconds", "ggp_node_queue_wait_seconds",
                "ggp_node_latency_seconds")
#: Labels the Ray fragments add to those (the fragment actor that reported the sample).
RAY_EXTRA_LABELS = ("fragment",)


def series_names() -> set[str]:
    """Every sample name ggpgfx exposes itself."""
    return {series for m in METRICS for series in m.series_names()}


def ray_series_names() -> set[str]:
    """Sample names of the node metrics as Ray's metrics agent exposes them."""
    return {"ray_" + series for name in RAY_EXPORTED for series in BY_NAME[name].series_names()}


def known_series() -> set[str]:
    """What a dashboard or alert rule may query."""
    return series_names() | ray_series_names()


def series_labels() -> dict[str, frozenset[str]]:
    """The labels each queryable sample name carries (`le` on histogram buckets, `fragment` on Ray's copies)."""
    labels: dict[str, frozenset[str]] = {}
    for m in METRICS:
        for series in m.series_names():
            labels[series] = frozenset(m.labels) | ({"le"} if series.endswith("_bucket") else set())
    for name in RAY_EXPORTED:
        for series in BY_NAME[name].series_names():
            labels["ray_" + series] = labels[series] | frozenset(RAY_EXTRA_LABELS)
    return labels
