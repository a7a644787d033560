"""`ggp audit GRAPH`: run a graph's sources on recorded hands and check every overlay output on air.

For each `render.overlay` of the graph the audit runs the nodes upstream of it (the table, the rules,
switchers...) for a bounded number of frames, then draws the overlay on every frame exactly as the
node does (`Scene` + `composite_layers`, the venue cover for `venue_safe`) in each skin and aspect, and
at every state change checks what the layout says it drew against the state (`ggpgfx.render.audit`).
Encoders, delays and publishers are not run: they do not change what the overlay draws.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ggpgfx.errors import ConfigError, GraphError
from ggpgfx.media.frames import VideoFrame
from ggpgfx.poker.messages import TableState
from ggpgfx.render.audit import (
    Finding,
    card_areas,
    check_clipping,
    check_field_boards,
    check_layout,
    check_tournament_texts,
    check_values,
    differing_areas,
    strip_hole_cards,
    write_failure_png,
)
from ggpgfx.render.composite import composite_layers
from ggpgfx.render.options import OverlayOptions, says_live
from ggpgfx.render.scene import Scene
from ggpgfx.render.venue import cover_seat_zones

CHECKS = ("values", "overlap", "title_safe", "clipped", "hole_cards")
#: Output sizes audited (the sources are re-sized, so the table is drawn for the size too). 1080p is its own
#: entry: the camera's board and the skin's boxes scale by different roundings, so a layout that clears the
#: board by a pixel at 720p can meet it at 1080p (it did: the player column was pushed under the ticker).
ASPECTS = {"16:9": (1280, 720), "16:9@1080": (1920, 1080), "9:16": (720, 1280)}
DEFAULT_ASPECTS = tuple(ASPECTS)
SIZED_SOURCES = ("ingest.table_sim", "ingest.test_pattern")
#: Live inputs (an operator at the console, an RFID reader on the network) and the port of the recorded-hand
#: simulator that stands in for each when the audit runs a live graph.
LIVE_INPUTS = {"ingest.operator": {"actions": "actions"}, "ingest.rfid": {"reads": "reads"}}
STAND_IN = "audit_table"


@dataclass
class AuditRow:
    """One overlay output in one skin and aspect: how many state changes were checked and what failed."""

    overlay: str
    skin: str
    aspect: str
    venue_safe: bool
    size: str = ""  # the frames' size: a source the audit cannot re-size keeps its own
    delayed: bool = False  # the output airs through delay.secure: nothing on it may say LIVE
    frames: int = 0
    states: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    first_failure: list[Finding] = field(default_factory=list)
    png: Path | None = None

    @property
    def ok(self) -> bool:
        """True when no check failed (and at least one state was checked)."""
        return not self.failures and self.states > 0


@dataclass
class AuditReport:
    """Every row of one graph's audit."""

    graph: str
    rows: list[AuditRow]

    @property
    def ok(self) -> bool:
        """True when every row passed."""
        return all(row.ok for row in self.rows)


def _load(path: Path, sets: list[tuple[str, str, Any]]) -> dict[str, Any]:
    from ggpgfx.graph.load import parse_yaml, read_graph_text
    from ggpgfx.graph.validate import resolve_data

    data, smap, diags = parse_yaml(read_graph_text(path), str(path))
    if not diags and isinstance(data, dict):
        for node, param, value in sets:
            if node not in (data.get("nodes") or {}):
                raise GraphError(f"--set {node}.{param}: no node '{node}' in {path}")
            data["nodes"][node].setdefault("params", {})[param] = value
        _, diags = resolve_data(data, smap)
    if diags:
        raise GraphError(diags)
    return data  # type: ignore[no-any-return]


def _replace_live_inputs(data: dict[str, Any]) -> list[str]:
    """Play recorded hands where a live graph takes its actions and reads from people and readers.

    A live table's overlay only ever sees TableStates built from OperatorActions and CardReads; the
    table simulator replays recorded hands as exactly those messages, so one simulator node takes the
    place of every operator and RFID node (its own camera picture is not used). Returns the replaced ids.
    """
    nodes = data["nodes"]
    live = {nid: LIVE_INPUTS[n["type"]] for nid, n in nodes.items() if n.get("type") in LIVE_INPUTS}
    if not live:
        return []
    edges = []
    for src, src_port, dst, dst_port in _edges(data):
        if src in live:
            if src_port not in live[src]:
                raise ConfigError(f"audit: node '{src}' port '{src_port}' has no recorded-hand stand-in")
            src, src_port = STAND_IN, live[src][src_port]
        edges.append(f"{src}.{src_port} -> {dst}.{dst_port}")
    for nid in live:
        del nodes[nid]
    nodes[STAND_IN] = {"type": "ingest.table_sim", "params": {"name_plates": False, "hole_cards": "hidden"}}
    data["edges"] = edges
    return sorted(live)


def _tournament_inputs(data: dict[str, Any], edges: list[tuple[str, str, str, str]]) -> dict[str, Any]:
    """overlay id -> the TournamentState its `ingest.tournament` file holds (the audit draws it on every frame).

    A platform URL is not fetched: such an overlay is audited without tournament elements.
    """
    from ggpgfx.render.cli import load_tournament_file

    found: dict[str, Any] = {}
    for src, _, dst, port in edges:
        node = data["nodes"].get(src) or {}
        path = (node.get("params") or {}).get("path")
        if port == "tournament" and node.get("type") == "ingest.tournament" and path:
            found[dst] = load_tournament_file(Path(path))
    return found


def _edges(data: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    result = []
    for edge in data.get("edges") or []:
        text = edge if isinstance(edge, str) else f"{edge['from']} -> {edge['to']}"
        src, dst = (part.strip() for part in text.split("->"))
        (src_node, src_port), (dst_node, dst_port) = src.split(".", 1), dst.split(".", 1)
        result.append((src_node, src_port, dst_node, dst_port))
    return result


def _upstream(edges: list[tuple[str, str, str, str]], overlays: set[str]) -> set[str]:
    """Every node the overlays' video and state come from (the countdown is replaced by its delay_s)."""
    seen = {src for src, _, dst, port in edges if dst in overlays and port in ("video", "state")}
    for src in seen & overlays:
        raise ConfigError(f"overlay '{src}' feeds another overlay; audit them one by one")
    todo = list(seen)
    while todo:
        node = todo.pop()
        for src, _, dst, _ in edges:
            if dst == node and src not in seen:
                if src in overlays:
                    raise ConfigError(f"overlay '{node}' draws on another overlay's output; audit them one by one")
                seen.add(src)
                todo.append(src)
    return seen


def _behind_delay(data: dict[str, Any], edges: list[tuple[str, str, str, str]], overlays: set[str]) -> set[str]:
    """The overlays whose outputs reach a `delay.secure` node downstream (their picture airs delayed)."""
    result = set()
    for overlay in overlays:
        seen, todo = set(), [overlay]
        while todo:
            node = todo.pop()
            for src, _, dst, _ in edges:
                if src == node and dst not in seen:
                    seen.add(dst)
                    todo.append(dst)
        if any((data["nodes"].get(n) or {}).get("type") == "delay.secure" for n in seen):
            result.add(overlay)
    return result


def _source_graph(data: dict[str, Any], size: tuple[int, int], max_frames: int, hide_cards: bool,
                  overlays: dict[str, dict[str, Any]], edges: list[tuple[str, str, str, str]],
                  action_interval_s: float | None = None) -> Any:
    """The nodes upstream of the overlays, with collectors where the overlays' inputs were."""
    from ggpgfx.api import Graph

    inputs = {(dst, port): f"{src}.{src_port}" for src, src_port, dst, port in edges if dst in overlays}
    keep = _upstream(edges, set(overlays))
    nodes: dict[str, Any] = {}
    for node_id in sorted(keep):
        node = dict(data["nodes"][node_id])
        params = dict(node.get("params") or {})
        if node["type"] in SIZED_SOURCES:
            params["width"], params["height"] = size
        if node["type"] == "ingest.table_sim" and hide_cards:
            params["hole_cards"] = "hidden"
        if node["type"] == "ingest.table_sim" and action_interval_s:
            params["action_interval_s"] = action_interval_s
        node["params"] = params
        nodes[node_id] = node
    kept_edges = [f"{s}.{sp} -> {d}.{dp}" for s, sp, d, dp in edges if s in keep and d in keep]
    collectors: dict[str, str] = {}
    for (_, port), source in sorted(inputs.items()):
        if port in ("video", "state") and source not in collectors:
            collectors[source] = f"audit_{len(collectors)}"
            nodes[collectors[source]] = {"type": "sink.collect", "params": {"keep_messages": True, "limit": 100_000}}
            kept_edges.append(f"{source} -> {collectors[source]}.inp")
    # a switcher cuts between sources that must arrive together: flat out, the faster cameras would race ahead
    realtime = any(node["type"] == "render.switcher" for node in nodes.values())
    settings = {**(data.get("settings") or {}), "realtime": realtime}
    spec = {"name": f"audit-{data.get('name', 'graph')}", "settings": settings, "nodes": nodes, "edges": kept_edges}
    graph = Graph.from_yaml(yaml.safe_dump(spec, sort_keys=False), "<audit>")
    result = graph.run(realtime=realtime, max_frames=max_frames)
    return {source: result.collected(collector) for source, collector in collectors.items()}, inputs


def _options(params: dict[str, Any], skin: str, delay_s: float, animate: bool) -> OverlayOptions:
    fields = {k: v for k, v in params.items() if k in OverlayOptions.model_fields}
    fields.update(skin=skin, animate=animate)
    if delay_s and not fields.get("delay_s"):
        fields["delay_s"] = delay_s
    return OverlayOptions(**fields)


def audit_graph(path: Path, *, skins: tuple[str, ...] = ("broadcast", "minimal"),
                aspects: tuple[str, ...] = DEFAULT_ASPECTS, max_frames: int = 600,
                out_dir: Path = Path("out/audit"), sets: list[tuple[str, str, Any]] | None = None,
                action_interval_s: float | None = None) -> AuditReport:
    """Audit every overlay output of a graph in each skin and aspect; failing frames go to out_dir as PNGs.

    `action_interval_s` replays the simulated tables' hands faster, so a short run reaches the showdown.
    """
    from ggpgfx.render.skins import load_skin

    for aspect in aspects:
        if aspect not in ASPECTS:
            raise ConfigError(f"unknown aspect {aspect!r}; use {', '.join(ASPECTS)}")
    for skin in skins:
        load_skin(skin)  # an unknown skin is a one-line error before anything runs
    from ggpgfx.graph.load import show_table

    # a show file (N copies of one table graph) is audited as its table graph
    data = _load(show_table(path) or Path(path), sets or [])
    _replace_live_inputs(data)
    edges = _edges(data)
    overlays = {nid: dict(n.get("params") or {}) for nid, n in data["nodes"].items() if n["type"] == "render.overlay"}
    report = AuditReport(Path(path).name, [])
    if not overlays:
        return report
    delays = {dst: float((data["nodes"][src].get("params") or {}).get("delay_s", 0)) for src, port, dst, _ in edges
              if dst in overlays and port == "countdown"}
    any_venue = any(p.get("venue_safe") for p in overlays.values())
    delayed = _behind_delay(data, edges, set(overlays))
    tournaments = _tournament_inputs(data, edges)
    for aspect in aspects:
        size = ASPECTS[aspect]
        seen, inputs = _source_graph(data, size, max_frames, False, overlays, edges, action_interval_s)
        hidden: dict[str, Any] = {}
        if any_venue:
            hidden, _ = _source_graph(data, size, max_frames, True, overlays, edges, action_interval_s)
        for overlay_id, params in overlays.items():
            video_src, state_src = inputs.get((overlay_id, "video")), inputs.get((overlay_id, "state"))
            if video_src is None or state_src is None:
                continue
            frames = [m for m in seen[video_src]]
            states = sorted(seen[state_src], key=lambda m: (m.pts, m.seq))
            hidden_frames = {m.pts: m.payload for m in hidden.get(video_src, [])}
            for skin in skins:
                row = AuditRow(overlay_id, skin, aspect, bool(params.get("venue_safe")), delayed=overlay_id in delayed)
                _audit_output(row, params, frames, states, hidden_frames, delays.get(overlay_id, 0.0),
                              out_dir / f"{Path(path).stem}-{overlay_id}-{skin}-{aspect.replace(':', 'x')}.png",
                              tournaments.get(overlay_id))
                report.rows.append(row)
    return report


def _audit_output(row: AuditRow, params: dict[str, Any], frames: list[Any], states: list[Any],
                  hidden_frames: dict[int, VideoFrame], delay_s: float, png: Path, tournament: Any = None) -> None:
    settled: Scene | None = None
    animated: Scene | None = None
    twin: Scene | None = None  # draws the states without hidden hole cards (it remembers the hand, as settled does)
    state_index, current = -1, None
    for message in frames:
        frame: VideoFrame = message.payload
        if settled is None or animated is None or twin is None:
            settled = Scene(_options(params, row.skin, delay_s, False), frame.width, frame.height)
            animated = Scene(_options(params, row.skin, delay_s, True), frame.width, frame.height)
            twin = Scene(_options(params, row.skin, delay_s, False), frame.width, frame.height)
            for scene in (settled, animated, twin):
                scene.set_tournament(tournament, message.pts)
        while state_index + 1 < len(states) and states[state_index + 1].pts <= message.pts:
            state_index += 1
        state: TableState | None = states[state_index].payload if state_index >= 0 else None
        row.frames += 1
        row.size = row.size or f"{frame.width}x{frame.height}"
        for scene in (settled, animated, twin):
            scene.set_camera(frame.meta)
        findings = _animated_findings(animated, state, message.pts)
        if state is not None and state is not current:
            current = state
            row.states += 1
            findings += _settled_findings(row, settled, twin, state, frame, message.pts,
                                          hidden_frames.get(message.pts))
        if findings:
            row.failures.update(f.check for f in findings)
            if row.png is None:
                row.first_failure = findings
                shown = frame.copy()
                if row.venue_safe:
                    cover_seat_zones(shown)
                composite_layers(shown, settled.layers(state, message.pts))
                row.png = write_failure_png(png, shown.planes, findings)


def _animated_findings(scene: Scene, state: TableState | None, pts: int) -> list[Finding]:
    """With animation on, a percentage is never one the state did not say (count-ups of equity)."""
    if state is None:
        scene.update(state, pts)
        return []
    placed = [p for p in scene.update(state, pts) if p.element.leaving_at is None]
    drawn = [(name, item) for name, item in scene.drawn(placed, pts) if item.role == "percent"]
    return [f for f in check_values(drawn, state, scene) if "percent" in f.message or "%" in f.message]


def _settled_findings(row: AuditRow, scene: Scene, twin: Scene, state: TableState, frame: VideoFrame, pts: int,
                      hidden: VideoFrame | None) -> list[Finding]:
    placed = scene.update(state, pts)
    drawn = scene.drawn(placed, pts)
    findings = check_values(drawn, state, scene) + check_field_boards(drawn, state, scene) + \
        check_tournament_texts(drawn, scene)
    if row.delayed:
        findings += [Finding("values", name, f"{name}: {item.value!r} on a feed that airs through a secure delay",
                             (item.box,)) for name, item in drawn if item.kind == "text" and says_live(item.value)]
    findings += check_layout(placed, drawn, scene, [tuple(b) for b in frame.meta.get("text_boxes") or ()])
    findings += check_clipping(placed, drawn)
    if row.venue_safe:
        shown = frame.copy()
        cover_seat_zones(shown)
        composite_layers(shown, scene.layers(state, pts))
        if hidden is None:
            findings.append(Finding("hole_cards", "camera", f"no frame at pts {pts} from the source without hole cards"))
        else:
            clean = hidden.copy()
            cover_seat_zones(clean)
            composite_layers(clean, twin.layers(strip_hole_cards(state), pts))
            for box in differing_areas(shown.planes, clean.planes, card_areas(drawn, frame.meta, frame.width,
                                                                             frame.height)):
                findings.append(Finding("hole_cards", "seat area", f"hole cards show at {box[0]},{box[1]} "
                                        f"{box[2]}x{box[3]}: the frame differs from one without them", (box,)))
    return findings
